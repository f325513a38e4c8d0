package com.plenary.privacy.domain.messages;

import com.plenary.privacy.domain.Storage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The per-service limit of messages queued a minute (C16): a sliding window of the last minute for each
 * service, kept in the database so that it holds across every node serving from it. {@link #take}
 * grants at most what is left of the window, atomically, so concurrent sends of one service (on one node
 * or several) cannot pass the limit together; what a send took and then did not queue (refused by a later
 * rule, or a transaction that failed before it decided) it {@link #giveBack gives back}. Thread-safe.
 */
final class ServiceRate {
  private static final Duration WINDOW = Duration.ofMinutes(1);

  private final Storage storage;
  private final int limit;

  ServiceRate(Storage storage, int limit) {
    this.storage = storage;
    this.limit = limit;
  }

  int limit() {
    return limit;
  }

  /** Takes up to {@code wanted} of what is left of the service's minute at {@code now}; answers how many it took. */
  int take(String service, int wanted, Instant now) {
    return storage.takeRate(key(service), wanted, limit, WINDOW, now);
  }

  /** Gives back {@code n} that a send took and did not queue. */
  void giveBack(String service, int n) {
    if (n > 0) {
      storage.giveBackRate(key(service), n);
    }
  }

  private static String key(String service) {
    try {
      return "m" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(service.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
