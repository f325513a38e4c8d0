package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Reads about a person of another region, forwarded between the regions' nodes (issue 18). A node of
 * region A that is asked by a service for a person of region B sends the same read to B's node with no
 * credential of the caller — A's key is worth nothing in B — but with a statement of who A authenticated
 * ({@value #HEADER}: the region and data centre of A, the service, the time and request id), signed
 * with the secret every node of every region shares ({@code regions.secret}, HMAC-SHA-256 over the
 * method, the path with its query, the statement and the SHA-256 of the body). A person's sign-in and
 * password-reset request at A are passed to the other regions the same way, for a person
 * ({@code actor=person}), so that their home region checks them — a sign-in's password only to the region
 * that said it holds the address — and a signed-in person's page view from
 * their browser ({@code actor=browser}), so that their home region stores it. B checks the signature and the time (at most
 * {@link #MAX_AGE} old or ahead), serves the read as that service, decides it and the transfer out of its
 * data centre in its enforcer and audits both in its own database; A passes B's answer through unchanged
 * (status, type, body: a problem document too) and keeps nothing of it.
 *
 * <p>Guarantee: with the secret kept to the regions' nodes, a request that B serves as forwarded was
 * authenticated by a node of a region of the policy in the last {@link #MAX_AGE}, for exactly this method,
 * path, query and body, and is served once: each statement carries a random request id of the forwarding,
 * and B's region refuses a statement whose id it accepted before within its time ({@link Statements}, kept in
 * the region's database so that every node of B knows it). The traffic between the nodes still goes over TLS
 * (operations.md, "Regions"): a forwarded sign-in carries an address, and to its home region a password. A
 * statement refused is audited there ({@link Refusals}). Only the reads in
 * {@link #FORWARDED_ROUTES} are served this way; every other request about a person of another region
 * is answered with where to go (421).
 *
 * <p>Thread-safe.
 */
public final class RegionForwarding {
  /** The statement of the forwarding node: who it authenticated, from where, when. */
  public static final String HEADER = "X-Plenary-Forwarded";
  /** Its signature, base64url of the HMAC-SHA-256. */
  public static final String SIGNATURE = "X-Plenary-Forwarded-Signature";
  /** The region whose node answered a forwarded read, on the answer. */
  public static final String SERVED_BY = "X-Plenary-Served-By-Region";
  /** How far a statement's time may be from the serving node's clock. */
  public static final Duration MAX_AGE = Duration.ofSeconds(30);
  /**
   * On a home region's 401 to a forwarded sign-in, node to node: it holds the address and counted the
   * failure in its throttle. Without it the asking node counts the failure itself, so that an address no
   * region holds is throttled as one that is held, and a 429 does not tell that an account exists.
   */
  public static final String COUNTED = "X-Plenary-Sign-In-Counted";
  /** The route where a person's home region checks a sign-in made at another region's node. */
  public static final String SIGN_IN_PATH = "/api/v1/regions/sign-in";
  /**
   * The routes served to another region's node, and the kind of actor each is forwarded for: service
   * reads, which the enforcer decides as a transfer, and a person's sign-in.
   */
  public static final Map<String, String> FORWARDED_ROUTES = Map.of("get /api/v1/subjects/{id}", "service", "post " + SIGN_IN_PATH, "person",
      "post /api/v1/regions/password-reset", "person", "post /api/v1/regions/collect", "browser");
  /** The route where a person's home region stores a page view that another region's node received from their browser. */
  public static final String COLLECT_PATH = "/api/v1/regions/collect";

  private static final Pattern STATEMENT = Pattern.compile(
      "region=([A-Za-z0-9._-]{1,64});dc=([A-Za-z0-9._-]{1,64});actor=(service:[A-Za-z0-9._-]{1,64}|person|browser);at=([0-9]{1,12});request=([A-Za-z0-9._-]{1,64})");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern HANDOFF = Pattern.compile("[A-Za-z0-9_-]{43}");

  private final Regions regions;
  private final Supplier<Policy> policy;
  private final DataCentre here;
  private final byte[] secret;
  private final Duration timeout;
  private final Clock clock;
  private final Statements statements;
  private final Refusals refusals;
  private final HttpClient http;

  /**
   * The statements a region has accepted, shared by all its nodes: {@link #firstUse} answers true once for
   * a region's request id, and false to every later ask before {@code until}. Thread-safe.
   */
  @FunctionalInterface
  public interface Statements {
    boolean firstUse(String region, String request, Instant until);
  }

  /**
   * Where a refused forwarded request is audited: the region the statement names (null when it is not
   * signed, or is this region), and the reason (one of {@code ForwardedRequests.REASONS}). Thread-safe.
   */
  @FunctionalInterface
  public interface Refusals {
    void refused(String region, String reason, String requestId);
  }

  private RegionForwarding(Regions regions, Supplier<Policy> policy, DataCentre here, byte[] secret, Duration timeout, Clock clock, Statements statements,
      Refusals refusals) {
    this.regions = regions;
    this.policy = policy;
    this.here = here;
    this.secret = secret;
    this.timeout = timeout;
    this.clock = clock;
    this.statements = statements;
    this.refusals = refusals;
    this.http = secret == null ? null : HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /**
   * Forwarding for a node in {@code here} (its data centre) with {@code secret}, which accepts each statement
   * once among the region's {@code statements} and audits each it refuses through {@code refusals}; null
   * secret: none forwarded, none accepted.
   */
  public static RegionForwarding of(Regions regions, Supplier<Policy> policy, DataCentre here, String secret, Duration timeout, Clock clock,
      Statements statements, Refusals refusals) {
    Objects.requireNonNull(regions, "regions == null");
    Objects.requireNonNull(here, "here == null");
    Objects.requireNonNull(statements, "statements == null");
    Objects.requireNonNull(refusals, "refusals == null");
    return new RegionForwarding(regions, policy, here, secret == null ? null : secret.getBytes(StandardCharsets.UTF_8), timeout, clock, statements, refusals);
  }

  /** A fresh id for one forwarding, the statement's {@code request}: random, so that a statement is accepted once whatever the caller's X-Request-Id. */
  private static String nonce() {
    byte[] raw = new byte[18];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** Whether a request to {@code routeKey} ("get /path") by {@code caller} about a person of {@code home} is forwarded there. */
  public boolean forwards(String routeKey, Caller caller, String home) {
    return secret != null && caller != null && caller.kind() == Caller.Kind.SERVICE && "service".equals(FORWARDED_ROUTES.get(routeKey))
        && regions.url(home).isPresent();
  }

  /**
   * Sends the request to {@code home}'s node as {@code caller}'s and answers with what it answered: its
   * status, content type and body. Writes nothing here. An answer that does not come within the
   * timeout is a 504, a node that cannot be reached a 502, both as problem documents.
   */
  public void forward(Context ctx, Caller caller, String home) {
    URI base = regions.url(home).orElseThrow();
    String pathAndQuery = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
    String statement = "region=" + regions.here() + ";dc=" + here.id() + ";actor=service:" + caller.name() + ";at=" + clock.instant().getEpochSecond()
        + ";request=" + nonce();
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(timeout).GET()
        .header(HEADER, statement).header(SIGNATURE, sign("GET", pathAndQuery, statement, new byte[0]))
        .header("X-Request-Id", ctx.<String>attribute("request-id"));
    String accept = ctx.header("Accept");
    if (accept != null) {
      b.header("Accept", accept);
    }
    HttpResponse<byte[]> answer;
    try {
      answer = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw failure(e, home);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpProblem(503, "shutting-down", "Shutting down", "the server is shutting down; retry on another instance");
    }
    new Answer(answer, home).passOn(ctx);
  }

  /** What a request forwarded to {@code home} is answered when that region's node did not answer: 504 past the timeout, 502 when it cannot be reached. */
  public HttpProblem failure(Throwable failure, String home) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof HttpTimeoutException) {
      return new HttpProblem(504, "region-timeout", "The person's region did not answer in time",
          "the deployment of the person's region did not answer within " + timeout.toMillis() + " ms; retry later", Map.of("region", home));
    }
    return new HttpProblem(502, "region-unreachable", "The person's region could not be reached",
        "the deployment of the person's region could not be reached; retry later", Map.of("region", home));
  }

  /** The answer of {@code region}'s node to a forwarded request, passed on to the caller as it is. */
  public record Answer(HttpResponse<byte[]> response, String region) {
    public int status() {
      return response.statusCode();
    }

    /** The home region's {@code X-Plenary-Recorded} of a page view, if it said. */
    public String recorded() {
      return response.headers().firstValue("X-Plenary-Recorded").orElse(null);
    }

    /** Answers {@code ctx} with the status, content type, body (and Retry-After, X-Plenary-Recorded) of this answer, and {@value #SERVED_BY}. */
    public void passOn(Context ctx) {
      ctx.status(response.statusCode());
      response.headers().firstValue("Content-Type").ifPresent(ctx::contentType);
      response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
      response.headers().firstValue("X-Plenary-Recorded").ifPresent(v -> ctx.header("X-Plenary-Recorded", v));
      ctx.header(SERVED_BY, region);
      ctx.result(response.body());
    }
  }

  /** Whether requests about people of {@code home} are forwarded there: the regions share a secret and this node knows {@code home}'s URL. */
  public boolean forwardsTo(String home) {
    return secret != null && regions.url(home).isPresent();
  }

  /**
   * Sends a page view received here from the browser of a person of {@code home} to {@code home}'s node
   * ({@value #COLLECT_PATH}), signed, without waiting on a server thread; completes with its answer, or
   * exceptionally when it does not come within the timeout or the node cannot be reached. The caller
   * acknowledges the page view only when the home region did ({@code 204}): nothing acknowledged is kept
   * here, and nothing is acknowledged that the home region has not made durable.
   */
  public CompletableFuture<Answer> collectThere(String home, byte[] body, String requestId) {
    URI base = regions.url(home).orElseThrow();
    String statement = "region=" + regions.here() + ";dc=" + here.id() + ";actor=browser;at=" + clock.instant().getEpochSecond() + ";request=" + nonce();
    HttpRequest request = HttpRequest.newBuilder(base.resolve(COLLECT_PATH)).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/json").header(HEADER, statement).header(SIGNATURE, sign("POST", COLLECT_PATH, statement, body))
        .header("X-Request-Id", requestId).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(r -> new Answer(r, home));
  }

  /** Whether a sign-in whose address is not held here is checked by the other regions' nodes (a secret and at least one peer). */
  public boolean signsInElsewhere() {
    return secret != null && !regions.elsewhere().isEmpty();
  }

  /**
   * What the other regions answered to a sign-in: where to send the browser (their hand-off page), or
   * how long to wait when the person's home region throttles them ({@code retryAfter} seconds), or
   * neither: no region signs them in. {@code counted}: a region that holds the address counted the failure
   * in its throttle ({@value #COUNTED} on its 401), so the asking node counts nothing.
   */
  public record Elsewhere(Optional<URI> there, long retryAfter, boolean counted) {
    static final Elsewhere NOWHERE = new Elsewhere(Optional.empty(), 0, false);

    public boolean throttled() {
      return retryAfter > 0;
    }
  }

  /**
   * Signs in at their home region a person whose address is not held here (issue 18, architecture.md
   * "Regions"). First the other regions' nodes are asked, one after another, whether they hold {@code email},
   * with the address alone: no password goes to a region that does not hold the address. Then the password
   * goes to the one region that said it holds it, which checks it and counts a failure in its own throttle,
   * the one place it counts. Answers where to send the person's browser — their region's hand-off page with
   * a single-use token that names no one — or that their region throttles them now, or that it counted the
   * failure, or nothing when no region holds the address (or forwarding is off, or the home region cannot
   * be reached): the caller then counts the failure where {@link #countingRegion} says. All of it goes only
   * to the regions' nodes, signed, and is kept by none of them; {@code clientAddress} counts the attempt in
   * the home region's throttle as it would count there.
   */
  public Elsewhere signInElsewhere(String email, String password, String clientAddress, String requestId) {
    if (secret == null || email == null || password == null) {
      return Elsewhere.NOWHERE;
    }
    String address = clientAddress == null ? "" : clientAddress;
    try {
      URI home = null;
      for (URI peer : regions.elsewhere().values()) {
        try {
          HttpResponse<byte[]> held = postAsPerson(peer, SIGN_IN_PATH, Map.of("email", email, "address", address), requestId);
          if (held.statusCode() == 200 && JSON.readTree(held.body()).path("held").asBoolean(false)) {
            home = peer;
            break;
          }
        } catch (IOException e) {
          // that region is not reachable now: the person is not signed in there
        }
      }
      if (home == null) {
        return Elsewhere.NOWHERE;
      }
      HttpResponse<byte[]> answer = postAsPerson(home, SIGN_IN_PATH, Map.of("email", email, "password", password, "address", address), requestId);
      if (answer.statusCode() == 200) {
        String token = JSON.readTree(answer.body()).path("handoff").asText("");
        if (HANDOFF.matcher(token).matches()) {
          return new Elsewhere(Optional.of(home.resolve(CONTINUE_PATH + "?handoff=" + token)), 0, false);
        }
      }
      return throttledOrCounted(answer);
    } catch (IOException e) {
      return Elsewhere.NOWHERE; // the home region went away between the two questions: counted as an address held nowhere
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Elsewhere.NOWHERE;
    }
  }

  private static Elsewhere throttledOrCounted(HttpResponse<byte[]> answer) {
    if (answer.statusCode() == 429) {
      long wait = answer.headers().firstValue("Retry-After").map(v -> v.matches("[0-9]{1,9}") ? Long.parseLong(v) : 60L).orElse(60L);
      return new Elsewhere(Optional.empty(), Math.max(1, wait), false);
    }
    return answer.statusCode() == 401 && answer.headers().firstValue(COUNTED).isPresent() ? new Elsewhere(Optional.empty(), 0, true) : Elsewhere.NOWHERE;
  }

  /**
   * The region whose throttle counts the failed sign-ins of {@code email} when no region holds it (issue 18):
   * one of the policy's regions that this deployment knows (its own and its peers), chosen by a hash of the
   * address, so that every node of every region counts such an address in the same place and it gets as
   * many tries in total as a held address does, not as many in each region. Every region's nodes must be
   * configured with the same peers for them to agree.
   */
  public String countingRegion(String email) {
    if (secret == null || regions.elsewhere().isEmpty() || email == null) {
      return regions.here();
    }
    List<String> known = new ArrayList<>(regions.elsewhere().keySet());
    known.add(regions.here());
    Collections.sort(known);
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("plenary-sign-in-throttle:" + email.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
      int n = ((h[0] & 0x7F) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
      return known.get(n % known.size());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /**
   * Asks {@code region}'s node to count a failed sign-in of {@code email}, an address no region holds, in
   * its throttle (it is the address's {@link #countingRegion}); no password is sent. Answers that it
   * counted it, or that it throttles the address now, or nothing when the region cannot be reached (the
   * caller then counts it itself).
   */
  public Elsewhere countThere(String region, String email, String clientAddress, String requestId) {
    Optional<URI> there = regions.url(region);
    if (secret == null || there.isEmpty()) {
      return Elsewhere.NOWHERE;
    }
    try {
      return throttledOrCounted(postAsPerson(there.get(), SIGN_IN_PATH, Map.of("email", email, "address", clientAddress == null ? "" : clientAddress,
          "count", "yes"), requestId));
    } catch (IOException e) {
      return Elsewhere.NOWHERE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Elsewhere.NOWHERE;
    }
  }

  /**
   * Asks every other region's node to mail its password-reset link to {@code email} if it holds a person
   * with that address (issue 18): a person who forgot their password at another region's node gets the
   * link of their home region, which alone can reset it. Answers nothing, so that no node learns, or
   * tells, where an address is held; a region that cannot be reached is passed over.
   */
  public void passwordResetElsewhere(String email, String language, String requestId) {
    if (secret == null || email == null) {
      return;
    }
    for (URI peer : regions.elsewhere().values()) {
      try {
        postAsPerson(peer, RESET_PATH, Map.of("email", email, "language", language == null ? "" : language), requestId);
      } catch (IOException e) {
        // that region is not reachable now; the person may ask again
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The route where a person's home region mails its reset link for a request made at another region's node. */
  public static final String RESET_PATH = "/api/v1/regions/password-reset";

  private HttpResponse<byte[]> postAsPerson(URI peer, String path, Map<String, String> fields, String requestId) throws IOException, InterruptedException {
    String statement = "region=" + regions.here() + ";dc=" + here.id() + ";actor=person;at=" + clock.instant().getEpochSecond() + ";request=" + nonce();
    byte[] body = JSON.writeValueAsBytes(fields);
    HttpRequest request = HttpRequest.newBuilder(peer.resolve(path)).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .header("Content-Type", "application/json").header(HEADER, statement).header(SIGNATURE, sign("POST", path, statement, body))
        .header("X-Request-Id", requestId).build();
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The page of the person's home region that takes a hand-off and starts their session there. */
  public static final String CONTINUE_PATH = "/account/continue";

  /**
   * The answer of a region to a sign-in forwarded to it: whether it holds the address ({@code held}, the
   * answer to the first question, asked without a password), and the hand-off's token when it checked the
   * password and it was right (null otherwise).
   */
  public record HandOff(String handoff, boolean held) {}

  /**
   * The caller a forwarded request was made for, when it carries {@value #HEADER}; empty when it does
   * not. A statement that is not signed with the shared secret, is too old or from the future, names a
   * region or data centre not of the policy (or this one), comes with a credential of its own, asks
   * for a route that is not forwarded, or was accepted once already (by any node of this region) is refused
   * with 401 before anything is read.
   */
  public Optional<Forwarded> verify(Context ctx, String routeKey) {
    String statement = ctx.header(HEADER);
    String signature = ctx.header(SIGNATURE);
    if (statement == null && signature == null) {
      return Optional.empty();
    }
    String requestId = ctx.attribute("request-id");
    if (secret == null) {
      throw refused(null, "no-secret", requestId, "this deployment accepts no requests forwarded by another region's node");
    }
    if (statement == null || signature == null || ctx.header("Authorization") != null) {
      throw refused(null, signature == null || statement == null ? "unsigned" : "credential", requestId,
          "a forwarded request carries the statement and its signature, and no credential of its own");
    }
    String pathAndQuery = ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
    byte[] expected = sign(ctx.method().name(), pathAndQuery, statement, ctx.bodyAsBytes()).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))) {
      throw refused(null, "signature", requestId, "the signature of the forwarded request is not right");
    }
    Matcher m = STATEMENT.matcher(statement);
    if (!m.matches()) {
      throw refused(null, "malformed", requestId, "the statement of the forwarded request is not well formed");
    }
    // signed with the secret from here on: the region it names is a node's word, and is named in the audit entry when it is another of the policy's
    String region = m.group(1);
    String named = region.equals(regions.here()) ? null : region;
    long at = Long.parseLong(m.group(4));
    if (Math.abs(clock.instant().getEpochSecond() - at) > MAX_AGE.toSeconds()) {
      throw refused(named, "stale", requestId, "the forwarded request is too old, or its node's clock is off by more than " + MAX_AGE.toSeconds() + " s");
    }
    DataCentre dc = policy.get().dataCentre(m.group(2));
    if (region.equals(regions.here()) || !policy.get().regions().contains(region) || dc == null || !dc.region().equals(region)) {
      throw refused(named, "region", requestId, "the forwarded request names a region or data centre that is not another of the policy's");
    }
    String actor = m.group(3);
    String kind = FORWARDED_ROUTES.get(routeKey);
    if (kind == null || !actor.startsWith(kind)) {
      throw refused(named, "route", requestId, "this endpoint is not served to another region's node for this caller");
    }
    // last, once everything else holds: a statement is served once in its time, by whichever node of the region is shown it first
    if (!statements.firstUse(region, m.group(5), Instant.ofEpochSecond(at).plus(MAX_AGE).plusSeconds(1))) {
      throw refused(named, "replayed", requestId, "this forwarded request was served already; a statement is good for one request");
    }
    Caller caller = actor.startsWith("service:") ? new Caller(Caller.Kind.SERVICE, "forwarded:" + region, actor.substring(8), List.of(), null) : null;
    return Optional.of(new Forwarded(region, dc.id(), caller));
  }

  /**
   * As {@link #verify}, for a route that serves the regions' nodes alone: a request without a statement is
   * refused (and audited) as well.
   */
  public Forwarded require(Context ctx, String routeKey, String detail) {
    Optional<Forwarded> forwarded = verify(ctx, routeKey);
    if (forwarded.isEmpty()) {
      throw refused(null, "unsigned", ctx.attribute("request-id"), detail);
    }
    return forwarded.get();
  }

  /** A request forwarded by a node of {@code region} in {@code dataCentre}, made there by {@code caller} (null: a person signing in). */
  public record Forwarded(String region, String dataCentre, Caller caller) {}

  /** Audits the refusal of a forwarded request (in the enforcer, through {@link Refusals}) and answers the 401 to throw. */
  private HttpProblem refused(String region, String reason, String requestId, String detail) {
    refusals.refused(region, reason, requestId);
    return new HttpProblem(401, "forwarding-refused", "Forwarded request refused", detail);
  }

  /** HMAC-SHA-256 of the method, the path with its query, the statement and the SHA-256 of the body (base64url), one a line. */
  private String sign(String method, String pathAndQuery, String statement, byte[] body) {
    try {
      String bodyHash = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] h = mac.doFinal((method + "\n" + pathAndQuery + "\n" + statement + "\n" + bodyHash).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HMAC-SHA-256 is missing from this Java runtime", e);
    }
  }
}
