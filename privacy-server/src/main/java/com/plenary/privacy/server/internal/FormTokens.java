package com.plenary.privacy.server.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
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

  /** Whether {@code token} is the token of {@code browserId}; false when either is missing. */
  boolean valid(String browserId, String token) {
    if (browserId == null || token == null) {
      return false;
    }
    return MessageDigest.isEqual(token(browserId).getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }
}
