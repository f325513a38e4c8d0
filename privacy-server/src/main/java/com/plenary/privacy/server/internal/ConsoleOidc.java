package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staff sign-in to the admin console at the configured OIDC issuer: the authorization code flow with
 * PKCE (RFC 7636, S256). {@link #start} sends the browser to the issuer's authorization endpoint with a
 * fresh {@code state} and code challenge; the state and the code verifier travel in a short-lived cookie
 * ({@code pl_console_oidc}: HttpOnly, SameSite=Lax so it comes back with the issuer's redirect, path
 * /console/oidc, ten minutes) sealed by an HMAC under a key of the server's ({@code keys/console-oidc.key}),
 * so no node needs to remember it. {@link #finish} checks the state, redeems the code with the verifier at
 * the token endpoint, and accepts the access token exactly as the API accepts it ({@link OidcVerifier}:
 * signature from the issuer's JWKS, issuer, expiry, audience), roles and all. The endpoints come from the
 * issuer's discovery document ({@code /.well-known/openid-configuration}), read on first use.
 */
public final class ConsoleOidc {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleOidc.class);
  static final String COOKIE = "pl_console_oidc";
  private static final Duration FLOW = Duration.ofMinutes(10);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Who signed in at the issuer, and until when their token lasts. */
  record SignedIn(Caller caller, Instant until) {}

  private final Config config;
  private final OidcVerifier verifier;
  private final ObjectMapper json;
  private final Clock clock;
  private final SecretKeySpec key;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private volatile JsonNode discovery;

  private ConsoleOidc(Config config, OidcVerifier verifier, ObjectMapper json, Clock clock) {
    this.config = config;
    this.verifier = verifier;
    this.json = json;
    this.clock = clock;
    this.key = new SecretKeySpec(KeyFiles.loadOrCreate(config.keyDir(), "console-oidc.key", "console-oidc"), "HmacSHA256");
  }

  /** The console's OIDC sign-in, or null when {@code auth.oidc.client_id} is not set. */
  public static ConsoleOidc of(Config config, OidcVerifier verifier, ObjectMapper json, Clock clock) {
    return config.oidcClientId() == null || verifier == null ? null : new ConsoleOidc(config, verifier, json, clock);
  }

  /** Sends the browser to the issuer to sign in. */
  void start(Context ctx) {
    String state = random();
    String codeVerifier = random();
    long until = clock.instant().plus(FLOW).getEpochSecond();
    String payload = state + "." + codeVerifier + "." + until;
    ctx.cookie(new Cookie(COOKIE, payload + "." + mac(payload), "/console/oidc", (int) FLOW.toSeconds(), Requests.overHttps(ctx), true, null, SameSite.LAX));
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", config.oidcClientId());
    q.put("redirect_uri", redirectUri(ctx));
    q.put("scope", "openid profile");
    q.put("state", state);
    q.put("code_challenge", challenge(codeVerifier));
    q.put("code_challenge_method", "S256");
    String endpoint = endpoint("authorization_endpoint");
    ctx.redirect(endpoint + (endpoint.contains("?") ? "&" : "?") + form(q), HttpStatus.SEE_OTHER);
  }

  /** The staff member the issuer's redirect proves, or empty (wrong state, an expired flow, a code the issuer refused, a token not valid here). */
  Optional<SignedIn> finish(Context ctx) {
    String cookie = ctx.cookie(COOKIE);
    ctx.cookie(new Cookie(COOKIE, "", "/console/oidc", 0, Requests.overHttps(ctx), true, null, SameSite.LAX));
    String state = ctx.queryParam("state");
    String code = ctx.queryParam("code");
    if (cookie == null || state == null || code == null || code.length() > 4096) {
      return Optional.empty();
    }
    String[] parts = cookie.split("\\.");
    if (parts.length != 4) {
      return Optional.empty();
    }
    String payload = parts[0] + "." + parts[1] + "." + parts[2];
    if (!same(mac(payload), parts[3]) || !same(parts[0], state) || !parts[2].matches("[0-9]{1,12}")
        || Instant.ofEpochSecond(Long.parseLong(parts[2])).isBefore(clock.instant())) {
      return Optional.empty();
    }
    Map<String, String> body = new LinkedHashMap<>();
    body.put("grant_type", "authorization_code");
    body.put("code", code);
    body.put("redirect_uri", redirectUri(ctx));
    body.put("client_id", config.oidcClientId());
    body.put("code_verifier", parts[1]);
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint("token_endpoint"))).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(form(body)));
      if (config.oidcClientSecret() != null) {
        String basic = URLEncoder.encode(config.oidcClientId(), StandardCharsets.UTF_8) + ":" + URLEncoder.encode(config.oidcClientSecret(), StandardCharsets.UTF_8);
        b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        LOG.warn("the OIDC issuer refused to redeem a console sign-in's code: HTTP {}", r.statusCode());
        return Optional.empty();
      }
      JsonNode tokens = json.readTree(r.body());
      String access = tokens.path("access_token").asText(null);
      if (access == null) {
        return Optional.empty();
      }
      SignedJWT jwt = SignedJWT.parse(access);
      Optional<Caller> caller = verifier.verify(jwt);
      if (caller.isEmpty()) {
        LOG.warn("the OIDC issuer's access token for a console sign-in is not valid here (signature, issuer, audience or expiry)");
        return Optional.empty();
      }
      var exp = jwt.getJWTClaimsSet().getExpirationTime();
      return Optional.of(new SignedIn(caller.get(), exp == null ? null : exp.toInstant()));
    } catch (IOException | ParseException | IllegalArgumentException e) {
      LOG.warn("a console sign-in through the OIDC issuer failed: {}", e.getClass().getSimpleName());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Where the issuer sends the browser back: the public URL when configured, else this server as it is bound — never the Host header. */
  private String redirectUri(Context ctx) {
    String base = config.publicUrl();
    if (base == null) {
      String host = config.host();
      base = "http://" + (host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host) + ":" + ctx.req().getLocalPort();
    }
    return base.replaceAll("/+$", "") + "/console/oidc/callback";
  }

  private String endpoint(String name) {
    JsonNode d = discovery;
    if (d == null) {
      String url = config.oidcIssuer().replaceAll("/+$", "") + "/.well-known/openid-configuration";
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("the OIDC issuer's discovery document answered HTTP " + r.statusCode() + " at " + url);
        }
        d = json.readTree(r.body());
        discovery = d;
      } catch (IOException e) {
        throw new IllegalStateException("the OIDC issuer's discovery document could not be read at " + url, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the OIDC discovery document", e);
      }
    }
    String value = d.path(name).asText(null);
    if (value == null || !(value.startsWith("https://") || value.startsWith("http://"))) {
      throw new IllegalStateException("the OIDC issuer's discovery document has no usable " + name);
    }
    return value;
  }

  private static String form(Map<String, String> values) {
    return values.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
  }

  static String challenge(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private String mac(String payload) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(m.doFinal(("plenary console oidc\u001f" + payload).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String random() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
