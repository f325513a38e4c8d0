package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Console sign-in through an OIDC issuer with the authorization code flow and PKCE, against a small
 * issuer of the test's own on a real port (discovery, JWKS, authorization and token endpoints; the token
 * endpoint checks the code verifier against the challenge, S256, as a real issuer does).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleOidcTest {
  private HttpServer idp;
  private RSAKey key;
  private String issuer;
  private Running running;
  /** code → the challenge and redirect it was issued for. */
  private final Map<String, String[]> codes = new ConcurrentHashMap<>();
  private volatile List<String> roles = List.of("privacy-officer");
  /** Whether the issuer still knows the member (a member removed there is refused at its sign-in). */
  private volatile boolean known = true;
  private final MutableClock clock = MutableClock.startingNow();
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("console-key").generate();
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String base = "http://127.0.0.1:" + idp.getAddress().getPort();
    issuer = base + "/realms/plenary";
    idp.createContext("/realms/plenary/.well-known/openid-configuration", ex -> send(ex, 200, "{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\""
        + issuer + "/auth\",\"token_endpoint\":\"" + issuer + "/token\",\"jwks_uri\":\"" + base + "/jwks\"}"));
    idp.createContext("/jwks", ex -> send(ex, 200, new JWKSet(key.toPublicJWK()).toString()));
    idp.createContext("/realms/plenary/auth", ex -> {
      Map<String, String> q = params(ex.getRequestURI().getRawQuery());
      if (!"S256".equals(q.get("code_challenge_method")) || q.get("code_challenge") == null || !"console".equals(q.get("client_id"))) {
        send(ex, 400, "{\"error\":\"invalid_request\"}");
        return;
      }
      if (!known) {
        ex.getResponseHeaders().add("Location", q.get("redirect_uri") + "?error=access_denied&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
        ex.sendResponseHeaders(302, -1);
        ex.close();
        return;
      }
      String code = UUID.randomUUID().toString();
      codes.put(code, new String[] {q.get("code_challenge"), q.get("redirect_uri")});
      ex.getResponseHeaders().add("Location", q.get("redirect_uri") + "?code=" + code + "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(302, -1);
      ex.close();
    });
    idp.createContext("/realms/plenary/token", ex -> {
      Map<String, String> f = params(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String[] issued = codes.remove(String.valueOf(f.get("code")));
      if (issued == null || !issued[0].equals(s256(f.get("code_verifier"))) || !issued[1].equals(f.get("redirect_uri"))
          || !"authorization_code".equals(f.get("grant_type"))) {
        send(ex, 400, "{\"error\":\"invalid_grant\"}");
        return;
      }
      send(ex, 200, "{\"access_token\":\"" + token() + "\",\"token_type\":\"Bearer\",\"expires_in\":600}");
    });
    idp.start();
    running = Running.on("h2", Map.of("auth.oidc.issuer", issuer, "auth.oidc.jwks_url", base + "/jwks", "auth.oidc.audience", "plenary",
        "auth.oidc.client_id", "console"), clock);
  }

  @AfterAll
  void stop() {
    running.close();
    idp.stop(0);
  }

  private String token() {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("console-key").build(),
          new JWTClaimsSet.Builder().issuer(issuer).subject("kc-7").audience("plenary").claim("roles", roles).claim("name", "Kim Keycloak")
              .expirationTime(Date.from(clock.instant().plusSeconds(600))).build()); // exp by the server's clock, which the tests move forward
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String s256(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(
          String.valueOf(verifier).getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  private static Map<String, String> params(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw != null) {
      for (String p : raw.split("&")) {
        int eq = p.indexOf('=');
        if (eq > 0) {
          out.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private HttpResponse<String> get(URI uri, Map<String, String> cookies) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET();
    if (!cookies.isEmpty()) {
      b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    for (String c : r.headers().allValues("Set-Cookie")) {
      String pair = c.split(";", 2)[0];
      cookies.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    return r;
  }

  @Test
  void aStaffMemberSignsInAtTheIssuerWithPkceAndGetsAConsoleSession() throws Exception {
    Map<String, String> cookies = new LinkedHashMap<>();
    assertThat(get(running.uri("/console/sign-in"), cookies).body()).contains("href=\"/console/oidc\"");
    HttpResponse<String> start = get(running.uri("/console/oidc"), cookies);
    assertThat(start.statusCode()).isEqualTo(303);
    String to = start.headers().firstValue("Location").orElseThrow();
    assertThat(to).startsWith(issuer + "/auth?").contains("code_challenge_method=S256").contains("response_type=code")
        .contains("redirect_uri=" + URLEncoder.encode(running.uri("/console/oidc/callback").toString(), StandardCharsets.UTF_8));
    String flow = start.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pl_console_oidc=")).findFirst().orElseThrow();
    assertThat(flow).contains("HttpOnly").containsIgnoringCase("SameSite=Lax").contains("Path=/console/oidc");

    HttpResponse<String> atIssuer = get(URI.create(to), new LinkedHashMap<>());
    assertThat(atIssuer.statusCode()).isEqualTo(302);
    HttpResponse<String> back = get(URI.create(atIssuer.headers().firstValue("Location").orElseThrow()), cookies);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(303);
    assertThat(back.headers().firstValue("Location")).hasValue("/console");
    assertThat(back.headers().allValues("Set-Cookie")).anyMatch(c -> c.startsWith("pl_console=") && c.contains("HttpOnly")
        && c.toLowerCase(Locale.ROOT).contains("samesite=strict"));
    HttpResponse<String> home = get(running.uri("/console"), cookies);
    assertThat(home.statusCode()).isEqualTo(200);
    assertThat(home.body()).contains("oidc:kc-7").contains("chart-events");
  }

  @Test
  void aCallbackWithAnotherStateOrWithoutTheFlowsCookieSignsNobodyIn() throws Exception {
    Map<String, String> cookies = new LinkedHashMap<>();
    HttpResponse<String> start = get(running.uri("/console/oidc"), cookies);
    HttpResponse<String> atIssuer = get(URI.create(start.headers().firstValue("Location").orElseThrow()), new LinkedHashMap<>());
    String callback = atIssuer.headers().firstValue("Location").orElseThrow();
    String forged = callback.replaceAll("state=[^&]+", "state=forged");
    HttpResponse<String> wrongState = get(URI.create(forged), new LinkedHashMap<>(cookies));
    assertThat(wrongState.statusCode()).isEqualTo(401);
    HttpResponse<String> noCookie = get(URI.create(callback), new LinkedHashMap<>());
    assertThat(noCookie.statusCode()).isEqualTo(401);
    assertThat(noCookie.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("pl_console=") && !c.startsWith("pl_console=;"));
    // the code was not redeemed by either: the browser that started the flow still finishes it, once
    HttpResponse<String> right = get(URI.create(callback), cookies);
    assertThat(right.statusCode()).isEqualTo(303);
    HttpResponse<String> replay = get(URI.create(callback), cookies);
    assertThat(replay.statusCode()).as("the flow's cookie is spent").isEqualTo(401);
  }

  /** Goes through the issuer's sign-in from {@code /console/oidc}; answers the callback's response. */
  private HttpResponse<String> throughTheIssuer(Map<String, String> cookies) throws Exception {
    HttpResponse<String> start = get(running.uri("/console/oidc"), cookies);
    HttpResponse<String> atIssuer = get(URI.create(start.headers().firstValue("Location").orElseThrow()), new LinkedHashMap<>());
    return get(URI.create(atIssuer.headers().firstValue("Location").orElseThrow()), cookies);
  }

  @Test
  void aRoleTakenAwayOrAMemberRemovedAtTheIssuerTakesEffectInTheConsoleWithinMinutes() throws Exception {
    try {
      Map<String, String> cookies = new LinkedHashMap<>();
      assertThat(throughTheIssuer(cookies).statusCode()).isEqualTo(303);
      assertThat(get(running.uri("/console/incidents"), cookies).statusCode()).isEqualTo(200);

      roles = List.of(); // the privacy officer's role is taken away at the issuer
      clock.advance(Duration.ofMinutes(5).plusSeconds(1));
      HttpResponse<String> due = get(running.uri("/console/incidents"), cookies);
      assertThat(due.statusCode()).as("the roles are asked for again").isEqualTo(303);
      assertThat(due.headers().firstValue("Location")).hasValue("/console/oidc");
      assertThat(throughTheIssuer(cookies).statusCode()).isEqualTo(303);
      assertThat(get(running.uri("/console/incidents"), cookies).statusCode()).as("the role is gone").isEqualTo(403);
      assertThat(get(running.uri("/console"), cookies).statusCode()).as("still signed in, without the role").isEqualTo(200);

      known = false; // the member is removed at the issuer
      clock.advance(Duration.ofMinutes(5).plusSeconds(1));
      assertThat(get(running.uri("/console"), cookies).headers().firstValue("Location")).hasValue("/console/oidc");
      assertThat(throughTheIssuer(cookies).statusCode()).as("the issuer signs nobody in").isEqualTo(401);
      HttpResponse<String> after = get(running.uri("/console"), cookies);
      assertThat(after.statusCode()).isEqualTo(303);
      assertThat(after.headers().firstValue("Location")).hasValue("/console/sign-in");
    } finally {
      roles = List.of("privacy-officer");
      known = true;
    }
  }
}
