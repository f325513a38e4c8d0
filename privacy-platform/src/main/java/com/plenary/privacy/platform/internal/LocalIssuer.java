package com.plenary.privacy.platform.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.plenary.privacy.PlenaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

/**
 * The token issuer for the embedded default: ES256 tokens signed with a key kept in the data
 * directory ({@code keys/token-issuer.jwk}, readable by its owner only). Tokens name a staff member
 * ({@code sub}); their roles are looked up when a token is used, so a revocation takes effect at once.
 * A token also carries its issue time to the millisecond ({@value #ISSUED_MS}, as {@code iat} has
 * whole seconds only), so that a member's tokens can be revoked up to a moment.
 */
public final class LocalIssuer {
  public static final String ISSUER = "plenary-local";
  public static final String AUDIENCE = "plenary";
  static final String ISSUED_MS = "iat_ms";

  /** What a valid token says: the staff member it names and when it was issued. */
  public record Token(String staffId, Instant issuedAt) {}

  private final ECKey key;
  private final ECDSAVerifier verifier;
  private final Clock clock;

  private LocalIssuer(ECKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
    try {
      this.verifier = new ECDSAVerifier(key.toECPublicKey());
    } catch (JOSEException e) {
      throw new PlenaryException("the token issuer's key is unusable: " + e.getMessage(), e);
    }
  }

  /** Loads the issuer key from {@code dataDir}, making one the first time. */
  public static LocalIssuer open(Path dataDir, Clock clock) {
    Path file = dataDir.resolve("keys").resolve("token-issuer.jwk");
    try {
      if (Files.isRegularFile(file)) {
        return new LocalIssuer(ECKey.parse(Files.readString(file, StandardCharsets.UTF_8)), clock);
      }
      Files.createDirectories(file.getParent());
      ECKey key = new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
      Path tmp = file.resolveSibling("token-issuer.jwk.tmp");
      Files.writeString(tmp, key.toJSONString(), StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system: the directory's own protection applies
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return new LocalIssuer(key, clock);
    } catch (IOException | ParseException | JOSEException e) {
      throw new PlenaryException("cannot load or create the token issuer key at " + file + ": " + e.getMessage(), e);
    }
  }

  /** A signed token for the staff member {@code staffId}, valid for {@code ttl}. */
  public String issue(String staffId, Duration ttl) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject(staffId)
        .issueTime(Date.from(now)).notBeforeTime(Date.from(now)).expirationTime(Date.from(now.plus(ttl)))
        .claim(ISSUED_MS, now.toEpochMilli()).jwtID(UUID.randomUUID().toString()).build();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new PlenaryException("cannot sign a token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** The staff id a valid token of this issuer names and its issue time, or empty for anything else. */
  public Optional<Token> verify(SignedJWT jwt) {
    try {
      JWTClaimsSet claims = jwt.getJWTClaimsSet();
      if (!ISSUER.equals(claims.getIssuer()) || !JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
        return Optional.empty();
      }
      Date now = Date.from(clock.instant());
      if (claims.getExpirationTime() == null || !now.before(claims.getExpirationTime())
          || (claims.getNotBeforeTime() != null && now.before(claims.getNotBeforeTime()))
          || claims.getAudience() == null || !claims.getAudience().contains(AUDIENCE)) {
        return Optional.empty();
      }
      if (claims.getSubject() == null || claims.getIssueTime() == null) {
        return Optional.empty();
      }
      // tokens from before the claim existed have iat only, in whole seconds
      Long issuedMs = claims.getLongClaim(ISSUED_MS);
      Instant issued = issuedMs != null ? Instant.ofEpochMilli(issuedMs) : claims.getIssueTime().toInstant();
      return Optional.of(new Token(claims.getSubject(), issued));
    } catch (ParseException | JOSEException e) {
      return Optional.empty();
    }
  }
}
