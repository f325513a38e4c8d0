package com.plenary.privacy.server.internal;

import com.plenary.privacy.platform.Platform;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * CSRF tokens for the forms shown before sign-in, bound to the browser: HMAC-SHA256 of its browser
 * id (the {@code pl_bid} cookie) under a server key kept with the other keys
 * ({@code keys/form-token.key}, owner-only; the same file on every node). Guarantee: without the key,
 * nobody can make the token of a browser id, so a cross-site form cannot carry a pair of its own
 * choosing; a token serves only the browser whose cookie it was made for. Checks take constant time.
 */
final class FormTokens {
  private static final String PURPOSE = "plenary pre-sign-in form\u001f";
  private static final Pattern BROWSER_ID = Pattern.compile("[A-Za-z0-9_-]{22,43}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;

  private FormTokens(byte[] key) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
  }

  /** Loads the key from {@code keyDir}, making one the first time. */
  static FormTokens open(Path keyDir) {
    return new FormTokens(KeyFiles.loadOrCreate(keyDir, "form-token.key", "form-token"));
  }

  /** The token of the browser {@code browserId}. */
  String token(String browserId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal((PURPOSE + browserId).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /**
   * The token for a form the request's page shows, bound to its browser id cookie ({@code pl_bid},
   * essential, C8), which is set here when the browser has none (once a request).
   */
  String forBrowser(Platform platform, Context ctx) {
    String browser = ctx.cookie(CollectRoutes.BROWSER_COOKIE);
    if (browser == null || !BROWSER_ID.matcher(browser).matches()) {
      browser = ctx.attribute("pl-bid-set");
    }
    if (browser == null) {
      byte[] raw = new byte[16];
      RANDOM.nextBytes(raw);
      browser = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      int lifetime = platform.policy().cookies().stream().filter(c -> c.name().equals(CollectRoutes.BROWSER_COOKIE)).findFirst()
          .map(c -> (int) Math.min(Integer.MAX_VALUE, c.lifetime().toSeconds())).orElse(3600);
      CollectRoutes.setCookie(ctx, CollectRoutes.BROWSER_COOKIE, browser, lifetime, true);
      ctx.attribute("pl-bid-set", browser);
    }
    return token(browser);
  }

  /** Whether the request's form field {@code csrf} is the token of the browser id cookie it carries. */
  boolean carriedBy(Context ctx) {
    String browser = ctx.cookie(CollectRoutes.BROWSER_COOKIE);
    return browser != null && BROWSER_ID.matcher(browser).matches() && valid(browser, ctx.formParam("csrf"));
  }

  /** Whether {@code token} is the token of {@code browserId}; false when either is missing. */
  boolean valid(String browserId, String token) {
    if (browserId == null || token == null) {
      return false;
    }
    return MessageDigest.isEqual(token(browserId).getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }
}
