package com.plenary.privacy.server.internal;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.server.Caller;
import java.net.MalformedURLException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Accepts staff tokens from a configured OIDC issuer (Keycloak and the like): the signature is
 * checked against the issuer's JWKS, and {@code iss}, {@code exp} and, when configured, {@code aud}
 * must match. Roles come from the configured claim; the staff type from {@code staff_type}.
 */
public final class OidcVerifier {
  private final String issuer;
  private final String rolesClaim;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  public OidcVerifier(String issuer, String jwksUrl, String audience, String rolesClaim) {
    this.issuer = issuer;
    this.rolesClaim = rolesClaim;
    JWKSource<SecurityContext> keys;
    try {
      keys = JWKSourceBuilder.create(URI.create(jwksUrl).toURL()).retrying(true).build();
    } catch (MalformedURLException e) {
      throw new ConfigException("auth.oidc.jwks_url is not a usable URL");
    }
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256), keys));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
        audience == null ? null : Set.of(audience),
        new JWTClaimsSet.Builder().issuer(issuer).build(),
        new HashSet<>(List.of("sub", "exp", "iss")), null));
  }

  public String issuer() {
    return issuer;
  }

  /** The staff caller a valid token of this issuer names, or empty. */
  public Optional<Caller> verify(SignedJWT jwt) {
    try {
      JWTClaimsSet claims = processor.process(jwt, null);
      List<String> roles = new ArrayList<>();
      Object raw = claims.getClaim(rolesClaim);
      if (raw instanceof List<?> list) {
        list.forEach(r -> roles.add(String.valueOf(r)));
      } else if (raw instanceof String s) {
        roles.addAll(List.of(s.split("[ ,]+")));
      }
      String type = claims.getStringClaim("staff_type");
      String name = claims.getStringClaim("name");
      return Optional.of(new Caller(Caller.Kind.STAFF, "oidc:" + claims.getSubject(), name == null ? claims.getSubject() : name,
          roles, type == null ? "employee" : type));
    } catch (Exception e) {
      return Optional.empty();
    }
  }
}
