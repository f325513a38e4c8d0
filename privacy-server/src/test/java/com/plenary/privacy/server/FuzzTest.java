package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.plenary.privacy.server.Callers.Credential;
import com.plenary.privacy.server.Callers.Operation;
import com.plenary.privacy.server.Callers.Person;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Garbage at every operation of the OpenAPI document the server serves (so a new endpoint is fuzzed
 * the day it appears; {@code ServerTest} checks that the document lists every route Javalin
 * registered): with and without credentials of each kind the operation accepts, garbage and
 * boundary values in path and query parameters, and bodies of every wrong shape — wrong types,
 * nulls, huge strings, unicode, deep nesting, not JSON at all, wrong content types, empty, the
 * literal {@code null} — sent over a raw socket, so that nothing a client library would refuse to
 * send is left out.
 *
 * <p>It fails on any 5xx (or no answer at all), on an error under {@code /api/} that is not
 * {@code application/problem+json}, and on an error that repeats a personal value it was sent.
 * Bounded and seeded: the seed is printed and {@code -Dfuzz.seed=…} repeats a run;
 * {@code -Dfuzz.requests=…} sets the requests per operation (60 by default, a few thousand in all).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzTest {
  private static final int PER_OPERATION = Integer.getInteger("fuzz.requests", 60);
  /** A personal-looking value put in bodies and queries; no error may repeat it. */
  private static final String SECRET = "zelda.secret.7q@example.org";
  private static final String ANONYMOUS_CSRF = "f".repeat(43);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** A request whose wrong answer is a known defect in code that is someone else's to change right now. */
  private record KnownDefect(String operation, Predicate<Request> matches, String defect) {}

  /**
   * The known defects: each excludes exactly the requests it matches, and says so when they stop
   * failing. Keep this list short: fix the server instead, unless the code is being rewritten by
   * someone else at the time.
   */
  private static final List<KnownDefect> KNOWN_DEFECTS = List.of();

  private static List<String> query(String target, String name) {
    int q = target.indexOf('?');
    List<String> out = new ArrayList<>();
    for (String pair : q < 0 ? new String[0] : target.substring(q + 1).split("&")) {
      if (pair.startsWith(name + "=")) {
        String v = pair.substring(name.length() + 1);
        try {
          out.add(URLDecoder.decode(v, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException badEscape) {
          out.add(v);
        }
      }
    }
    return out;
  }

  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private Callers callers;
  private Person person;
  private final Map<String, String> values = new LinkedHashMap<>();

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    callers = new Callers(running);
    person = callers.person();
    values.put("subject", person.id());
    values.put("link", callers.link(person));
    values.put("staff", callers.staffMemberId);
    values.put("grant", callers.grant());
    values.put("review", callers.review());
    values.put("token", callers.unsubscribeToken(person));
    values.put("recipient", "carrier");
    values.put("consent", callers.consent(person));
    values.put("request", callers.consentRequest(person));
    values.put("legal-request", callers.legalRequest(person, true));
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private static long seed() {
    String given = System.getProperty("fuzz.seed", System.getenv("FUZZ_SEED"));
    return given == null || given.isBlank() ? new SecureRandom().nextLong() : Long.parseLong(given.trim());
  }

  /** One request as it goes on the wire, and a short human description of it. */
  private record Request(String method, String target, Map<String, String> headers, byte[] body, String bodyNote) {
    byte[] bytes() {
      StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
      headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("Connection: close\r\n\r\n");
      byte[] h = head.toString().getBytes(StandardCharsets.UTF_8);
      byte[] all = Arrays.copyOf(h, h.length + body.length);
      System.arraycopy(body, 0, all, h.length, body.length);
      return all;
    }

    String reproduction(int port) {
      String t = target.length() > 200 ? target.substring(0, 200) + "…(" + target.length() + " chars)" : target;
      StringBuilder b = new StringBuilder("printf '").append(method).append(' ').append(t).append(" HTTP/1.1\\r\\nHost: localhost\\r\\n");
      headers.forEach((k, v) -> b.append(k).append(": ").append(v.length() > 120 ? v.substring(0, 120) + "…" : v).append("\\r\\n"));
      b.append("Connection: close\\r\\n\\r\\n");
      String shown = new String(body, StandardCharsets.UTF_8);
      b.append(shown.length() > 200 ? shown.substring(0, 200) + "…" : shown).append("' | nc 127.0.0.1 ").append(port);
      return b.toString().replace("\r", "\\r").replace("\n", "\\n") + "   [body: " + bodyNote + ", " + body.length + " bytes]";
    }
  }

  @Test
  void noOperationAnswersAServerErrorOrAnErrorThatIsNotAProblem() throws Exception {
    long seed = seed();
    System.out.println("FuzzTest seed=" + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
    List<Operation> operations = callers.operations();
    List<String> failures = new ArrayList<>();
    int sent = 0;
    long started = System.nanoTime();
    Map<String, Integer> known = new LinkedHashMap<>();
    for (Operation op : operations) {
      // one stream per operation, so adding an endpoint does not change what the others get
      Random random = new Random(seed * 31 + op.toString().hashCode());
      for (int i = 0; i < PER_OPERATION; i++) {
        Request req = request(op, random);
        RawHttp.Response r = RawHttp.exchange(running.server.port(), req.bytes());
        sent++;
        String verdict = judge(op, req, r);
        KnownDefect defect = KNOWN_DEFECTS.stream().filter(d -> d.operation().equals(op.toString()) && d.matches().test(req)).findFirst().orElse(null);
        if (defect != null) {
          known.merge(defect.defect(), verdict == null ? 0 : 1, Integer::sum);
          continue;
        }
        if (verdict != null && failures.size() < 40) {
          failures.add(op + " #" + i + ": " + verdict + " — got " + r.status() + " " + r.contentType() + " " + abbreviate(r.body())
              + "\n      seed=" + seed + " reproduce: " + req.reproduction(running.server.port()));
        }
      }
    }
    known.forEach((what, n) -> System.out.println("FuzzTest: known defect: " + what + " — " + n + " request(s) failed as known"
        + (n == 0 ? " (none of those sent failed: if it is fixed, remove the exclusion)" : "")));
    System.out.printf("FuzzTest: %d requests to %d operations in %.1f s, seed=%d%n", sent, operations.size(), (System.nanoTime() - started) / 1e9, seed);
    assertThat(failures).as("fuzzing with seed %d (repeat with -Dfuzz.seed=%d)", seed, seed).isEmpty();
  }

  private static String judge(Operation op, Request req, RawHttp.Response r) {
    if (r.status() < 0) {
      return "no HTTP answer";
    }
    if (r.status() >= 500) {
      return "a server error";
    }
    if (r.status() >= 400 && op.path().startsWith("/api/") && !r.isProblem()) {
      return "an error under /api/ that is not application/problem+json";
    }
    if (r.status() >= 400 && r.isProblem() && !req.method().equals("HEAD") && !wellFormedProblem(r)) {
      return "not a problem document (type /problems/…, a title, the response's status)";
    }
    if (r.status() >= 400 && r.body().contains(SECRET)) {
      return "an error that repeats a personal value it was sent";
    }
    if (r.status() >= 400 && r.body().toLowerCase(Locale.ROOT).contains("jetty")) {
      return "an error that names the server software";
    }
    return null;
  }

  private static boolean wellFormedProblem(RawHttp.Response r) {
    try {
      JsonNode p = new ObjectMapper().readTree(r.body());
      return p.path("type").asText().startsWith("/problems/") && !p.path("title").asText().isBlank() && p.path("status").asInt() == r.status();
    } catch (IOException e) {
      return false;
    }
  }

  // ---- the generator ----

  private Request request(Operation op, Random random) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>();
    Credential caller = credential(op, random);
    headers.putAll(caller.headers());
    if (random.nextInt(8) == 0 && headers.containsKey("X-CSRF-Token")) {
      headers.put("X-CSRF-Token", random.nextBoolean() ? "wrong" : "");
    }
    String cookie = headers.getOrDefault("Cookie", "");
    headers.put("Cookie", (cookie.isEmpty() ? "" : cookie + "; ") + "pl_csrf=" + ANONYMOUS_CSRF + (random.nextInt(4) == 0 ? "; pl_consent=" + pick(random, "v1.p1.a1", "v1.p0.a0", "garbage", "") : ""));

    String target = op.path();
    for (String p : op.params()) {
      target = target.replace("{" + p + "}", random.nextInt(4) == 0 ? valid(op, p) : pick(random, GARBAGE_SEGMENTS));
    }
    target += query(random);

    String method = random.nextInt(40) == 0 ? pick(random, "HEAD", "OPTIONS", "PUT", "TRACE", "PATCH", "DELETE", "GET", "POST", "FOO") : op.method();
    byte[] body;
    String note;
    int kind = random.nextInt(10);
    if (method.equals("GET") || method.equals("HEAD")) {
      kind = random.nextInt(4) == 0 ? kind : -1;
    }
    switch (kind) {
      case -1 -> {
        body = new byte[0];
        note = "none";
      }
      case 0, 1, 2, 3 -> {
        JsonNode mutated = mutate(sample(op), random, 0);
        body = json.writeValueAsBytes(mutated);
        note = "a mutated sample";
      }
      case 4, 5 -> {
        body = randomJson(random, 0).toString().getBytes(StandardCharsets.UTF_8);
        note = "random JSON";
      }
      case 6, 7 -> {
        int which = random.nextInt(SHAPES.size());
        body = SHAPES.get(which).getBytes(StandardCharsets.UTF_8);
        note = "shape " + which;
      }
      case 8 -> {
        body = form(caller, random).getBytes(StandardCharsets.UTF_8);
        note = "a form";
      }
      default -> {
        body = bytes(random);
        note = "random bytes";
      }
    }
    if (note.equals("random bytes") || random.nextInt(3) == 0) {
      String type = pick(random, CONTENT_TYPES);
      if (!type.isEmpty()) {
        headers.put("Content-Type", type);
      }
    } else if (body.length > 0) {
      headers.put("Content-Type", note.equals("a form") ? "application/x-www-form-urlencoded" : "application/json");
    }
    if (random.nextInt(12) == 0) {
      headers.put("Transfer-Encoding", "chunked");
      body = chunked(body, random);
      note += ", chunked";
    } else if (body.length > 0 || random.nextBoolean()) {
      headers.put("Content-Length", String.valueOf(body.length));
    }
    if (random.nextInt(10) == 0) {
      headers.put(pick(random, "Accept", "X-Request-Id", "Sec-GPC", "DNT", "User-Agent", "X-Forwarded-For", "Origin", "Accept-Charset"),
          pick(random, "*/*", "text/html", "1", "0", "../../x", "é", "a".repeat(2000), "<script>", SECRET, "\u00ff"));
    }
    return new Request(method, target, headers, body, note);
  }

  private Credential credential(Operation op, Random random) throws Exception {
    List<Credential> options = new ArrayList<>(List.of(callers.none, callers.garbageBearer, callers.garbageSession));
    List<String> kinds = op.isPublic() ? List.of("service", "partner", "staff", "subject") : op.callers();
    for (String kind : kinds) {
      switch (kind) {
        case "service" -> {
          options.add(callers.owner);
          options.add(callers.otherService);
        }
        case "partner" -> options.add(callers.partner);
        case "staff" -> {
          for (var e : callers.staff.entrySet()) {
            if (op.staffRoles().isEmpty() || op.staffRoles().contains(e.getKey())) {
              options.add(e.getValue());
            }
          }
        }
        case "subject" -> {
          // an operation may have ended the session or erased the person: start again with a new one
          String cookie = person.session().headers().get("Cookie").substring("pl_session=".length());
          if (running.platform.vault().session(cookie).isEmpty()) {
            person = callers.person();
            values.put("subject", person.id());
            values.put("link", callers.link(person));
            values.put("consent", callers.consent(person));
            values.put("request", callers.consentRequest(person));
          }
          options.add(person.session());
          options.add(person.session());
        }
        default -> throw new AssertionError(op + ": a caller kind this test does not know: " + kind);
      }
    }
    // mostly a caller the operation accepts, so the garbage gets past authentication
    return random.nextInt(4) == 0 ? options.get(random.nextInt(3)) : options.get(3 + random.nextInt(options.size() - 3));
  }

  private String valid(Operation op, String param) {
    String before = op.path().substring(0, op.path().indexOf("{" + param + "}"));
    for (var e : Map.of("/subjects/", "subject", "/partner-links/", "link", "/staff/", "staff", "/grants/", "grant", "/reviews/", "review", "/unsubscribe/", "token",
        "/recipients/", "recipient", "/consents/", "consent", "/consent-requests/", "request", "/legal-requests/", "legal-request").entrySet()) {
      if (before.endsWith(e.getKey())) {
        return values.get(e.getValue());
      }
    }
    return "unknown-param";
  }

  private static String query(Random random) {
    int n = random.nextInt(5) == 0 ? 0 : random.nextInt(4);
    if (random.nextInt(30) == 0) {
      return pick(random, "?", "?&&==&", "?%", "?a=%zz", "?purpose", "?=x", "?" + "q=1&".repeat(2000), "?purpose=%00", "?fields=%C3%28");
    }
    StringBuilder q = new StringBuilder();
    for (int i = 0; i < n; i++) {
      q.append(i == 0 ? '?' : '&').append(pick(random, "purpose", "fields", "limit", "before", "done", "id", "kind", pick(random, GARBAGE_SEGMENTS)))
          .append('=').append(random.nextBoolean() ? pick(random, QUERY_VALUES) : pick(random, GARBAGE_SEGMENTS));
    }
    return q.toString();
  }

  /** A body that would pass validation, for the mutations to start from; {@code {}} for an operation this test does not know. */
  private JsonNode sample(Operation op) throws Exception {
    String until = Instant.now().plus(Duration.ofDays(1)).toString();
    String s = switch (op.toString()) {
      case "POST /api/v1/decisions" -> "{\"action\":\"read\",\"purpose\":\"provide\",\"subject\":\"s-1\",\"categories\":[\"user.contact.email\"],\"facts\":{\"consents\":[{\"purpose\":\"develop\",\"version\":1}]}}";
      case "POST /api/v1/subjects" -> "{\"fields\":{\"email\":\"" + SECRET + "\",\"name\":\"Zelda\",\"address\":\"1 Road\"},\"password\":\"a long passphrase\",\"region\":\"eu\"}";
      case "PATCH /api/v1/subjects/{id}", "PATCH /api/v1/me" -> "{\"fields\":{\"name\":\"Zelda\",\"email\":\"" + SECRET + "\"}}";
      case "POST /api/v1/subjects/{id}/content" -> "{\"kind\":\"message\",\"purpose\":\"communicate.respond\",\"text\":\"" + SECRET + "\"}";
      case "POST /api/v1/subjects/{id}/consents", "POST /api/v1/me/consents" -> "{\"purpose\":\"improve\",\"recipient\":null,\"granted\":true}";
      case "POST /api/v1/subjects/{id}/partner-links" -> "{\"partner\":\"acme-ads\",\"identifier\":\"" + SECRET + "\",\"purpose\":\"improve\"}";
      case "POST /api/v1/session" -> "{\"email\":\"" + SECRET + "\",\"password\":\"not the password\"}";
      case "POST /api/v1/events" -> "{\"events\":[{\"subject\":\"" + person.id() + "\",\"type\":\"open\",\"page\":\"https://shop.example/\",\"purpose\":\"technical\",\"user_agent\":\"Mozilla/5.0\",\"ip\":\"192.0.2.1\"}]}";
      case "POST /api/v1/partner-events" -> "{\"events\":[{\"identifier\":\"" + SECRET + "\",\"type\":\"view\",\"page\":\"https://acme.example/\"}]}";
      case "POST /api/v1/staff/{id}/grants" -> "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"" + until + "\"}";
      case "POST /api/v1/reviews/{id}/sign-off" -> "{\"note\":\"checked\"}";
      case "POST /api/v1/recipients" -> "{\"id\":\"rcp-" + System.nanoTime() + "\",\"kind\":\"processor\",\"name\":\"A processor\",\"contact\":\"dpo@rcp.example\"}";
      case "POST /api/v1/recipients/{id}/agreements" -> "{\"categories\":[\"user.contact\"],\"purposes\":[\"communicate\"],\"start\":\"2026-01-01\","
          + "\"end\":\"2027-12-31\",\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"kept\",\"security\":\"sealed\","
          + "\"data_centres\":[\"fra-1\"]}";
      case "POST /api/v1/aggregates" -> "{\"dimensions\":[\"page\",\"age_band\"],\"from\":\"2026-01-01\",\"to\":\"2026-01-31\",\"purpose\":\"improve\","
          + "\"count\":\"people\",\"recipient\":\"carrier\",\"epsilon\":\"0.01\"}";
      case "POST /api/v1/disclosures" -> "{\"recipient\":\"carrier\",\"subject_ids\":[\"" + person.id() + "\"],\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}";
      case "POST /api/v1/disclosures/audience" -> "{\"recipient\":\"carrier\",\"audience\":\"checked\",\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}";
      case "POST /api/v1/recipients/{id}/webhook" -> "{\"url\":\"https://carrier.example/notices\"}";
      case "POST /api/v1/legal-requests" -> "{\"ground\":\"a\",\"authority\":\"Court\",\"reference\":\"AZ " + System.nanoTime() + "\",\"justification\":\"An order\","
          + "\"subject_ids\":[\"" + person.id() + "\"],\"categories\":[\"user.contact\"],\"deadline\":\"2099-12-31\"}";
      case "POST /api/v1/legal-requests/{id}/reject" -> "{\"reason\":\"Not ours\"}";
      case "POST /api/v1/legal-requests/{id}/narrow", "POST /api/v1/legal-requests/{id}/release" -> "{\"subject_ids\":[\"" + person.id() + "\"],\"categories\":[\"user.contact\"]}";
      case "POST /collect" -> "{\"type\":\"pageview\",\"page\":\"https://shop.example/\",\"referrer\":\"https://a.example/\",\"language\":\"en\",\"screen\":{\"w\":800,\"h\":600}}";
      case "POST /privacy/cookie-choices" -> "{\"preferences\":true,\"analytics\":false}";
      default -> "{}";
    };
    return json.readTree(s);
  }

  /** The node with one value somewhere in it (or a key) replaced by something of the wrong kind. */
  private JsonNode mutate(JsonNode node, Random random, int depth) {
    if (node instanceof ObjectNode o && o.size() > 0 && random.nextInt(4) != 0) {
      ObjectNode copy = o.deepCopy();
      List<String> names = new ArrayList<>();
      copy.fieldNames().forEachRemaining(names::add);
      String name = names.get(random.nextInt(names.size()));
      switch (random.nextInt(6)) {
        case 0 -> copy.remove(name);
        case 1 -> copy.set(pick(random, "admin", "id", "", "__proto__", "a".repeat(300), "ümlaut"), wrong(random));
        default -> copy.set(name, mutate(copy.get(name), random, depth + 1));
      }
      return copy;
    }
    if (node instanceof ArrayNode a && a.size() > 0 && random.nextInt(4) != 0) {
      ArrayNode copy = a.deepCopy();
      int i = random.nextInt(copy.size());
      if (random.nextInt(5) == 0) {
        for (int k = 0; k < pick(random, 2, 100, 1001); k++) {
          copy.add(copy.get(i).deepCopy());
        }
      } else {
        copy.set(i, mutate(copy.get(i), random, depth + 1));
      }
      return copy;
    }
    return wrong(random);
  }

  private JsonNode wrong(Random random) {
    return switch (random.nextInt(16)) {
      case 0 -> NODES.nullNode();
      case 1 -> NODES.booleanNode(random.nextBoolean());
      case 2 -> NODES.numberNode(pick(random, 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 4294967296L));
      case 3 -> NODES.numberNode(new BigInteger("9".repeat(400)));
      case 4 -> NODES.numberNode(pick(random, 1.5e308, -0.0, 1e-320, 3.14));
      case 5 -> NODES.textNode("");
      case 6 -> NODES.textNode("x".repeat(pick(random, 255, 256, 321, 4097, 70_000)));
      case 7 -> NODES.textNode(pick(random, "Ω≈ç√∫˜µ≤", "😀👍🏽", "\u0000", "\ud800", "\u202e", "ﷺ", "a\nb\r\nc", "' OR 1=1 --", "<script>x</script>", "../../etc/passwd", "${jndi:ldap://x}"));
      case 8 -> NODES.textNode(SECRET);
      case 9 -> NODES.arrayNode();
      case 10 -> NODES.objectNode();
      case 11 -> nested(random.nextBoolean(), pick(random, 50, 500, 900)); // deeper ones are among SHAPES: Jackson will not write them
      case 12 -> NODES.arrayNode().add(NODES.nullNode()).add(1).add("x");
      case 13 -> NODES.textNode(pick(random, "2026-13-45T99:99:99Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "P1000Y", "-P1D"));
      case 14 -> NODES.textNode(pick(random, "provide", "develop", "sale", "user", "user.contact.email", "acme-ads", "support", "privacy-officer", "s-1"));
      default -> NODES.objectNode().put("a", SECRET);
    };
  }

  private static JsonNode nested(boolean arrays, int depth) {
    JsonNode inner = NODES.numberNode(1);
    for (int i = 0; i < depth; i++) {
      inner = arrays ? NODES.arrayNode().add(inner) : NODES.objectNode().set("a", inner);
    }
    return inner;
  }

  private JsonNode randomJson(Random random, int depth) {
    if (depth > 3 || random.nextInt(3) == 0) {
      return wrong(random);
    }
    if (random.nextBoolean()) {
      ObjectNode o = NODES.objectNode();
      for (int i = random.nextInt(4); i > 0; i--) {
        o.set(pick(random, KEYS), randomJson(random, depth + 1));
      }
      return o;
    }
    ArrayNode a = NODES.arrayNode();
    for (int i = random.nextInt(4); i > 0; i--) {
      a.add(randomJson(random, depth + 1));
    }
    return a;
  }

  private static String form(Credential caller, Random random) {
    String csrf = caller.headers().getOrDefault("X-CSRF-Token", ANONYMOUS_CSRF);
    StringBuilder b = new StringBuilder(random.nextInt(5) == 0 ? "" : "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8));
    for (int i = random.nextInt(5); i > 0; i--) {
      b.append('&').append(pick(random, "email", "password", "name", "phone", "purpose", "granted", "confirm", "preferences", "analytics", "country", "birth_date", "%%", ""))
          .append('=').append(random.nextBoolean() ? pick(random, QUERY_VALUES) : pick(random, GARBAGE_SEGMENTS));
    }
    return b.toString();
  }

  private static byte[] bytes(Random random) {
    byte[] b = new byte[pick(random, 1, 7, 100, 5000)];
    random.nextBytes(b);
    return b;
  }

  private static byte[] chunked(byte[] body, Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < body.length) {
      int n = Math.min(body.length - i, 1 + random.nextInt(4096));
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      i += n;
    }
    out.writeBytes((random.nextInt(10) == 0 ? "zz\r\n\r\n" : "0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... options) {
    return options[random.nextInt(options.length)];
  }

  private static String pick(Random random, List<String> options) {
    return options.get(random.nextInt(options.size()));
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 200 ? one.substring(0, 200) + "…" : one;
  }

  /** Path segments as they go on the wire: encoded garbage, bad encodings, boundaries. */
  private static final List<String> GARBAGE_SEGMENTS = List.of("", "%00", "a%00b", "%C3%28", "%FF%FE", "%", "%zz", "..", "%2e%2e", "%2F", "a%2Fb", ";", "%3B",
      "'%20OR%201=1--", "%3Cscript%3E", URLEncoder.encode("Ω≈ç√😀", StandardCharsets.UTF_8), "a".repeat(300), "a".repeat(5000), "a".repeat(9000), "-1", "0",
      "99999999999999999999", "null", "undefined", "true", "%5B%5D", "%7B%7D", "s-00000000-0000-0000-0000-000000000000", "%20", "+", "~", "*", "%E2%80%AE",
      URLEncoder.encode(SECRET, StandardCharsets.UTF_8), "%ED%A0%80", "%C0%AF", "a..b", "%252e%252e");
  private static final List<String> QUERY_VALUES = List.of("provide", "develop", "communicate.respond", "email", "email,name", "name,,", ",", "1", "1000", "1001",
      "-5", "abc", "2147483648", "registered", "erased", "yes", "true", "false", URLEncoder.encode(SECRET, StandardCharsets.UTF_8));
  private static final List<String> KEYS = List.of("fields", "password", "region", "purpose", "recipient", "granted", "kind", "text", "email", "events", "type",
      "page", "role", "categories", "purposes", "from", "until", "note", "identifier", "partner", "subject", "browser", "actor", "action", "facts", "screen",
      "preferences", "analytics", "user_agent", "ip", "name", "x");
  private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json; charset=utf-8", "application/json; charset=utf-16",
      "application/json; charset=x-nope", "application/problem+json", "text/plain", "text/plain; charset=x-nope", "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=x-nope", "multipart/form-data", "multipart/form-data; boundary=zz", "text/html", "garbage", "/", ";", "");
  private static final List<String> SHAPES = List.of("", "null", "{}", "[]", "\"text\"", "0", "-1", "1e999999", "true", "{", "{\"a\":", "[", "}", "{\"a\":1,\"a\":2}",
      "[{}]", "{\"fields\":null}", "{\"events\":null}", "{\"events\":[]}", "{\"events\":[null]}", "{\"fields\":{\"email\":null}}", "NaN", "\u0000", "\ufeff{}",
      "{\"a\":\"\\ud800\"}", "{'a':1}", "{\"a\":1}garbage", "[".repeat(5000), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000), "[".repeat(900) + "]".repeat(900),
      "{\"x\":\"" + "a".repeat(600_000) + "\"}", "[" + "1,".repeat(200_000) + "1]", "{\"email\":\"" + SECRET + "\",\"password\":\"" + "p".repeat(100_000) + "\"}",
      "{\"events\":[" + "{\"type\":\"open\"},".repeat(1000) + "{\"type\":\"open\"}]}", "[" + "{\"action\":\"read\"},".repeat(1000) + "{}]");
}
