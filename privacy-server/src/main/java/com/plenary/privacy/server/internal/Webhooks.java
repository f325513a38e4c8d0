package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.DisclosureRecords.Endpoint;
import com.plenary.privacy.domain.sharing.CorrectionNotices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers correction notices to recipients' webhooks (C35). Each body is signed with HMAC-SHA256
 * under the recipient's own secret, sent as {@value #SIGNATURE_HEADER}{@code : sha256=<hex>}. The
 * secret is never stored or logged: it is derived from the server's webhook key ({@code
 * keys/webhook.key}), the recipient's id and the moment its webhook was set, so setting the webhook
 * again gives a new secret and the old one stops verifying. Delivery runs on one thread of its own,
 * every {@link #interval}; the state of every notice is in the database, so a restart resumes.
 */
public final class Webhooks {
  public static final String SIGNATURE_HEADER = "X-Plenary-Signature";
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
  private static final int BATCH = 50;

  private final byte[] key;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private volatile ScheduledExecutorService thread;

  private Webhooks(byte[] key) {
    this.key = key;
  }

  /** Loads the webhook key from {@code keyDir}, making one the first time. */
  public static Webhooks open(Path keyDir) {
    return new Webhooks(KeyFiles.loadOrCreate(keyDir, "webhook.key", "webhook"));
  }

  /** The recipient's signing secret for the webhook as it was set: base64url, 256 bits. */
  public String secret(Endpoint e) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(key, "plenary-webhook\n" + e.recipient() + "\n" + e.setAt().toEpochMilli()));
  }

  /** The signature header's value for {@code body} under {@code secret}. */
  public static String signature(String secret, byte[] body) {
    return "sha256=" + HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.US_ASCII), body));
  }

  /** Posts a notice's body to the endpoint, signed; the HTTP status. */
  int post(Endpoint e, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(e.url())).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").header(SIGNATURE_HEADER, signature(secret(e), body))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /**
   * Starts delivering the due notices every {@code interval}, the first round at once; a round runs only
   * when {@code ourTurn} says so (with several nodes, the one that claimed the period), so that a notice
   * is not posted by every node at once.
   */
  public void start(CorrectionNotices notices, Duration interval, Duration retryBase, int maxAttempts, BooleanSupplier ourTurn) {
    ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread th = new Thread(r, "plenary-webhooks");
      th.setDaemon(true);
      return th;
    });
    thread = t;
    t.scheduleWithFixedDelay(() -> {
      try {
        if (!ourTurn.getAsBoolean()) {
          return;
        }
        int n;
        do {
          n = notices.deliverDue(this::post, BATCH, retryBase, maxAttempts);
        } while (n == BATCH);
      } catch (RuntimeException e) {
        // the endpoint and secret are never logged; the notices are retried on the next round
        LOG.warn("delivering correction notices failed; they are tried again: {}", e.getClass().getSimpleName());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops delivering, waiting up to {@code grace} for a round in progress. */
  public void stop(Duration grace) {
    ScheduledExecutorService t = thread;
    if (t == null) {
      return;
    }
    t.shutdown();
    try {
      t.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] hmac(byte[] key, String message) {
    return hmac(key, message.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
