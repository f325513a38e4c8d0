package com.plenary.privacy.server.internal;

import com.nimbusds.jwt.SignedJWT;
import com.plenary.privacy.platform.internal.LocalIssuer;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.store.StaffMembers;
import com.plenary.privacy.store.Store;
import java.text.ParseException;
import java.util.List;
import java.util.Optional;

/**
 * Turns an {@code Authorization: Bearer …} value into a {@link Caller}: a service or partner key
 * (looked up by its hash), a token of the local issuer (for an active staff member), or a token of
 * the configured OIDC issuer. Anything else is no caller. Demo credentials ({@code plenary serve
 * --demo}) are callers only when {@code demoAllowed}; a staff token issued before its member's last
 * token revocation is none.
 */
public final class Authenticator {
  private final Store store;
  private final StaffMembers staff;
  private final LocalIssuer local;
  private final OidcVerifier oidc;
  private final boolean demoAllowed;

  public Authenticator(Store store, StaffMembers staff, LocalIssuer local, OidcVerifier oidc, boolean demoAllowed) {
    this.demoAllowed = demoAllowed;
    this.store = store;
    this.staff = staff;
    this.local = local;
    this.oidc = oidc;
  }

  public Optional<Caller> authenticate(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = authorization.substring(7).trim();
    if (token.isEmpty() || token.length() > 8192) {
      return Optional.empty();
    }
    if (token.startsWith("pls_") || token.startsWith("plp_")) {
      return store.credentials().authenticate(token, demoAllowed).map(c -> new Caller(
          c.kind() == Credentials.Kind.SERVICE ? Caller.Kind.SERVICE : Caller.Kind.PARTNER, c.id(), c.name(), List.of(), null));
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      return Optional.empty();
    }
    String issuer;
    try {
      issuer = jwt.getJWTClaimsSet().getIssuer();
    } catch (ParseException e) {
      return Optional.empty();
    }
    if (LocalIssuer.ISSUER.equals(issuer)) {
      return local.verify(jwt).flatMap(t -> staff.tokenHolder(t.staffId(), t.issuedAt(), demoAllowed))
          .map(s -> new Caller(Caller.Kind.STAFF, s.id(), s.name(), s.roles(), s.type()));
    }
    if (oidc != null && oidc.issuer().equals(issuer)) {
      return oidc.verify(jwt);
    }
    return Optional.empty();
  }
}
