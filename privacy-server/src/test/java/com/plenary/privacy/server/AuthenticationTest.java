package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.plenary.privacy.store.Credentials;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Every caller kind against real HTTP: services, partners, local staff tokens and OIDC staff tokens. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticationTest {
  private static final String DECISION = "{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.contact.email\"]}";
  private final ObjectMapper json = new ObjectMapper();
  private HttpServer jwks;
  private RSAKey oidcKey;
  private String issuer;
  private Running running;

  @BeforeAll
  void start() throws Exception {
    oidcKey = new RSAKeyGenerator(2048).keyID("test-key").generate();
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] keys = new JWKSet(oidcKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    jwks.createContext("/jwks", ex -> {
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, keys.length);
      ex.getResponseBody().write(keys);
      ex.close();
    });
    jwks.start();
    issuer = "http://127.0.0.1:" + jwks.getAddress().getPort() + "/realms/plenary";
    running = new Running(Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwks_url",
        "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks", "auth.oidc.audience", "plenary"));
  }

  @AfterAll
  void stop() {
    running.close();
    jwks.stop(0);
  }

  private String oidcToken(String iss, List<String> roles, Instant expires) throws Exception {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("test-key").build(),
        new JWTClaimsSet.Builder().issuer(iss).subject("kc-42").audience("plenary").claim("roles", roles)
            .claim("staff_type", "contractor").expirationTime(Date.from(expires)).build());
    jwt.sign(new RSASSASigner(oidcKey));
    return jwt.serialize();
  }

  private void assertRefused(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
    assertThat(json.readTree(r.body()).get("status").asInt()).isEqualTo(status);
  }

  @Test
  void C1_aRequestWithoutCredentialIs401() throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/decisions", DECISION, null);
    assertRefused(r, 401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
  }

  @Test
  void C1_anUnknownOrRevokedServiceKeyIs401() throws Exception {
    assertRefused(running.postJson("/api/v1/decisions", DECISION, "pls_not-a-real-key-at-all-000000000"), 401);
    String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    assertThat(running.postJson("/api/v1/decisions", DECISION, key).statusCode()).isEqualTo(200);
    running.platform.store().credentials().revoke(Credentials.Kind.SERVICE, "shop");
    assertRefused(running.postJson("/api/v1/decisions", DECISION, key), 401);
  }

  @Test
  void C1_aServiceKeyAsksForDecisionsAboutItselfOnly() throws Exception {
    String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    HttpResponse<String> r = running.postJson("/api/v1/decisions", DECISION, key);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json.readTree(r.body()).get("effect").asText()).isEqualTo("permit");
    String other = "{\"actor\":{\"kind\":\"service\",\"id\":\"shop\"}," + DECISION.substring(1);
    assertRefused(running.postJson("/api/v1/decisions", other, key), 403);
  }

  @Test
  void C4_aPartnerKeyAuthenticatesButMayNotAskForDecisions() throws Exception {
    String key = running.platform.store().credentials().issue(Credentials.Kind.PARTNER, "acme-ads").key();
    JsonNode who = json.readTree(running.get("/api/v1/whoami", "Authorization", "Bearer " + key).body());
    assertThat(who.get("kind").asText()).isEqualTo("partner");
    assertThat(who.get("name").asText()).isEqualTo("acme-ads");
    assertRefused(running.postJson("/api/v1/decisions", DECISION, key), 403);
  }

  @Test
  void C32_aLocalStaffTokenNeedsTheRightRole() throws Exception {
    var support = running.platform.vault().staff().add("Sam", "employee", List.of("support"), Instant.now());
    String token = running.platform.issuer().issue(support.id(), Duration.ofMinutes(5));
    assertThat(running.get("/api/v1/whoami", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
    assertRefused(running.get("/api/v1/services", "Authorization", "Bearer " + token), 403);

    String serviceKey = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "web").key();
    var officer = running.platform.vault().staff().add("Pat", "employee", List.of("privacy-officer"), Instant.now());
    String officerToken = running.platform.issuer().issue(officer.id(), Duration.ofMinutes(5));
    HttpResponse<String> services = running.get("/api/v1/services", "Authorization", "Bearer " + officerToken);
    assertThat(services.statusCode()).isEqualTo(200);
    assertThat(services.body()).contains("\"web\"").doesNotContain(serviceKey).doesNotContain(serviceKey.substring(8));
  }

  @Test
  void C32_aRevokedStaffMembersTokenIs401AtOnce() throws Exception {
    var member = running.platform.vault().staff().add("Kim", "agent", List.of("auditor"), Instant.now());
    String token = running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
    running.platform.vault().staff().revoke(member.id());
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + token), 401);
  }

  @Test
  void C32_revokingAMembersTokensRefusesThoseIssuedBeforeAndAcceptsLaterOnes() throws Exception {
    var member = running.platform.vault().staff().add("Mo", "employee", List.of("auditor"), Instant.now());
    String before = running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
    assertThat(running.get("/api/v1/whoami", "Authorization", "Bearer " + before).statusCode()).isEqualTo(200);
    Thread.sleep(2); // a later millisecond
    running.platform.vault().staff().revokeTokens(member.id());
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + before), 401);
    String after = running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
    assertThat(running.get("/api/v1/whoami", "Authorization", "Bearer " + after).statusCode()).isEqualTo(200);
  }

  @Test
  void demoCredentialsAreRefusedByAServerNotRunningWithDemo() throws Exception {
    String demoKey = running.platform.store().credentials().issueDemo(Credentials.Kind.SERVICE, "demo-only").key();
    var officer = running.platform.vault().staff().addDemo("Demo Officer", "employee", List.of("privacy-officer"), Instant.now());
    String token = running.platform.issuer().issue(officer.id(), Duration.ofMinutes(5));
    assertRefused(running.postJson("/api/v1/decisions", DECISION.replace("s-1", "s-2"), demoKey), 401);
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + token), 401);
    try (Running demo = new Running(Map.of("server.demo", "true", "data_dir", running.dir.toString() + "-demo"))) {
      String key = demo.platform.store().credentials().issueDemo(Credentials.Kind.SERVICE, "demo-only").key();
      var member = demo.platform.vault().staff().addDemo("Demo Officer", "employee", List.of("privacy-officer"), Instant.now());
      assertThat(demo.get("/api/v1/whoami", "Authorization", "Bearer " + key).statusCode()).isEqualTo(200);
      assertThat(demo.get("/api/v1/whoami", "Authorization", "Bearer " + demo.platform.issuer().issue(member.id(), Duration.ofMinutes(5))).statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void anExpiredOrTamperedLocalTokenIs401() throws Exception {
    var member = running.platform.vault().staff().add("Lee", "employee", List.of("auditor"), Instant.now());
    String token = running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
    String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + tampered), 401);
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Basic dXNlcjpwYXNz"), 401);
  }

  @Test
  void anOidcTokenFromTheConfiguredIssuerIsAccepted() throws Exception {
    String token = oidcToken(issuer, List.of("privacy-officer"), Instant.now().plusSeconds(300));
    HttpResponse<String> who = running.get("/api/v1/whoami", "Authorization", "Bearer " + token);
    assertThat(who.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(who.body());
    assertThat(body.get("id").asText()).isEqualTo("oidc:kc-42");
    assertThat(body.get("staff_type").asText()).isEqualTo("contractor");
    assertThat(running.get("/api/v1/services", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
  }

  @Test
  void anOidcTokenThatIsExpiredOrFromAnotherIssuerIs401() throws Exception {
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + oidcToken(issuer, List.of("auditor"), Instant.now().minusSeconds(600))), 401);
    assertRefused(running.get("/api/v1/whoami", "Authorization", "Bearer " + oidcToken("http://evil.example/realm", List.of("auditor"), Instant.now().plusSeconds(300))), 401);
  }
}
