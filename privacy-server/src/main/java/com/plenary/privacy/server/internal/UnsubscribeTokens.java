package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens of one-click unsubscribe links (RFC 8058): {@code <person id>.<kind>.<HMAC>}, the HMAC-SHA256
 * (first 128 bits) of the person's pseudonymous id and the kind under a server key kept with the other
 * keys ({@code keys/unsubscribe.key}, owner-only; the same file on every node). Guarantee: without the
 * key nobody can make a token, so a link unsubscribes only the person and kind it was made for. A
 * token names no address and no personal value; checks take constant time.
 */
public final class UnsubscribeTokens {
  private static final String PURPOSE = "plenary unsubscribe\u001f";
  private static final Pattern SHAPE = Pattern.compile("(s-[0-9a-f-]{1,38})\\.([a-z]{1,16})\\.([A-Za-z0-9_-]{22})");
  /** A token within text: no look behind, so that one quoted from a mailto URL ({@code subject=unsubscribe%20s-…}) is found. */
  private static final Pattern ANYWHERE = Pattern.compile("s-[0-9a-f-]{1,38}\\.[a-z]{1,16}\\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])");
  private final SecretKeySpec key;

  /** The person and kind a valid token names. */
  public record Named(String subjectId, Kind kind) {}

  private UnsubscribeTokens(byte[] key) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
  }

  /** Loads the key from {@code keyDir}, making one the first time. */
  public static UnsubscribeTokens open(Path keyDir) {
    return new UnsubscribeTokens(KeyFiles.loadOrCreate(keyDir, "unsubscribe.key", "unsubscribe"));
  }

  /** The token for {@code subjectId} and {@code kind}. */
  public String token(String subjectId, Kind kind) {
    return subjectId + "." + kind.id() + "." + mac(subjectId, kind.id());
  }

  /** The person and kind {@code token} names, when it is one of ours for a kind one can unsubscribe from. */
  public Optional<Named> verify(String token) {
    if (token == null || token.length() > 100) {
      return Optional.empty();
    }
    var m = SHAPE.matcher(token);
    if (!m.matches()) {
      return Optional.empty();
    }
    Kind kind = Kind.find(m.group(2));
    if (kind == null || !kind.unsubscribable()) {
      return Optional.empty();
    }
    boolean ok = MessageDigest.isEqual(mac(m.group(1), m.group(2)).getBytes(StandardCharsets.US_ASCII), m.group(3).getBytes(StandardCharsets.US_ASCII));
    return ok ? Optional.of(new Named(m.group(1), kind)) : Optional.empty();
  }

  /** The strings shaped like a token in {@code text} (a mail's subject, address or body), at most {@code max}; each still to be {@link #verify verified}. */
  public static List<String> findIn(String text, int max) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    var m = ANYWHERE.matcher(text);
    while (out.size() < max && m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private String mac(String subjectId, String kind) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] full = mac.doFinal((PURPOSE + subjectId + "\u001f" + kind).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(full, 16));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
