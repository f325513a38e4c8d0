package com.plenary.privacy.domain;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where people live (C13, issue 18): each region is its own deployment on its own database, and a
 * person's home region decides where every row about them is written. This deployment's region, the
 * other regions' public URLs, and the home region that every person id carries.
 *
 * <p>A person id is {@code s-} and a UUID (RFC 9562). An id minted here is a version-8 UUID whose first
 * 16 bits are its home region's tag — the first two bytes of the SHA-256 of {@code "plenary-region:"}
 * and the region's name — and the rest random (106 bits), so that any node can tell a person's region
 * from the id alone, with no look-up in another region. Ids of version 4, minted before regions, carry
 * no region: they belong to the database that holds them. The tag names a region, never the person.
 *
 * <p>Immutable and thread-safe.
 */
public final class Regions {
  private static final Pattern TAGGED = Pattern.compile("s-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String here;
  private final Map<Integer, String> byTag;
  private final Map<String, URI> urls;

  private Regions(String here, Map<Integer, String> byTag, Map<String, URI> urls) {
    this.here = here;
    this.byTag = byTag;
    this.urls = urls;
  }

  /**
   * The regions of a deployment whose people live in {@code here}, among the policy's {@code known}
   * regions, with the public URLs of the other regions' deployments ({@code elsewhere}).
   *
   * @throws IllegalArgumentException naming a region that is not among {@code known}, {@code here} among
   *     {@code elsewhere}, or two regions whose tags collide (rename one)
   */
  public static Regions of(String here, List<String> known, Map<String, URI> elsewhere) {
    Objects.requireNonNull(here, "here == null");
    if (!known.contains(here)) {
      throw new IllegalArgumentException("the region '" + here + "' is not one of the policy's regions " + known);
    }
    Map<Integer, String> byTag = new HashMap<>();
    for (String region : known) {
      String other = byTag.put(tag(region), region);
      if (other != null) {
        throw new IllegalArgumentException("the regions '" + other + "' and '" + region + "' have the same tag in person ids; rename one of them");
      }
    }
    Map<String, URI> urls = new LinkedHashMap<>();
    elsewhere.forEach((region, url) -> {
      if (!known.contains(region)) {
        throw new IllegalArgumentException("the region '" + region + "' is not one of the policy's regions " + known);
      }
      if (region.equals(here)) {
        throw new IllegalArgumentException("the region '" + region + "' is this deployment's own; list only the other regions");
      }
      urls.put(region, Objects.requireNonNull(url, "url == null"));
    });
    return new Regions(here, Map.copyOf(byTag), Map.copyOf(urls));
  }

  /** A new person id whose home region is {@code region}. */
  public static String mint(String region) {
    long msb = ((long) tag(region) << 48) | (RANDOM.nextLong() & 0x0000_FFFF_FFFF_0FFFL) | 0x8000L;
    long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return "s-" + new UUID(msb, lsb);
  }

  /** This deployment's region. */
  public String here() {
    return here;
  }

  /** The home region that {@code subjectId} names, when it names one of the policy's regions; empty for any other id. */
  public Optional<String> homeOf(String subjectId) {
    if (subjectId == null || !TAGGED.matcher(subjectId).matches()) {
      return Optional.empty();
    }
    return Optional.ofNullable(byTag.get(Integer.parseInt(subjectId.substring(2, 6), 16)));
  }

  /**
   * The first two bytes of a session token for {@code subjectId}: the tag of their home region, so that
   * any node can tell from the token alone which region's database holds the session (issue 18); null for
   * an id that names no region (its tokens are random throughout). The tag names a region, never the person.
   */
  public static byte[] sessionTag(String subjectId) {
    if (subjectId == null || !TAGGED.matcher(subjectId).matches()) {
      return null;
    }
    int tag = Integer.parseInt(subjectId.substring(2, 6), 16);
    return new byte[] {(byte) (tag >> 8), (byte) tag};
  }

  /** The region whose tag a session token begins with ({@link #sessionTag}), when it is one of the policy's; empty for anything else. */
  public Optional<String> homeOfSession(String token) {
    if (token == null || !TOKEN.matcher(token).matches()) {
      return Optional.empty();
    }
    byte[] raw = Base64.getUrlDecoder().decode(token.substring(0, 4));
    return Optional.ofNullable(byTag.get(((raw[0] & 0xFF) << 8) | (raw[1] & 0xFF)));
  }

  /**
   * Checks that nothing stops this deployment from holding {@code subjectId}'s data: an id of a person
   * of another region is refused before anything about them is read or written.
   *
   * @throws InAnotherRegion naming the person's region and where its deployment is
   */
  public void requireHere(String subjectId) {
    Optional<String> home = homeOf(subjectId);
    if (home.isPresent() && !home.get().equals(here)) {
      throw new InAnotherRegion(here, home.get(), urls.get(home.get()));
    }
  }

  /** As {@link #requireHere(String)} for each id. */
  public void requireHere(List<String> subjectIds) {
    subjectIds.forEach(this::requireHere);
  }

  /** The public URL of {@code region}'s deployment, when configured. */
  public Optional<URI> url(String region) {
    return Optional.ofNullable(urls.get(region));
  }

  /** The other regions' deployments this one knows, by region. */
  public Map<String, URI> elsewhere() {
    return urls;
  }

  static int tag(String region) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("plenary-region:" + region).getBytes(StandardCharsets.UTF_8));
      return ((h[0] & 0xFF) << 8) | (h[1] & 0xFF);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }
}
