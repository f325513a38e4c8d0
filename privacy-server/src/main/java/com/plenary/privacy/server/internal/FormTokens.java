package com.plenary.privacy.server.internal;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.store.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
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
    Path file = keyDir.resolve("form-token.key");
    try {
      if (!Files.isRegularFile(file)) {
        OwnerOnly.directory(keyDir);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        Path tmp = Files.createTempFile(keyDir, "form-token", ".tmp", OwnerOnly.fileAttributes());
        Files.writeString(tmp, Base64.getEncoder().encodeToString(raw), StandardCharsets.US_ASCII);
        try {
          // never over a key another process made meanwhile: its tokens are already on pages
          Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException made) {
          // theirs is the key
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      if (key.length < 32) {
        throw new PlenaryException("the form-token key at " + file + " is shorter than 256 bits");
      }
      return new FormTokens(key);
    } catch (IOException | IllegalArgumentException e) {
      throw new PlenaryException("cannot load or create the form-token key at " + file + ": " + e.getMessage(), e);
    }
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
