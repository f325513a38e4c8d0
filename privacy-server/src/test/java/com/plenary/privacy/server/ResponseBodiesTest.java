package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.plenary.privacy.server.Callers.Credential;
import com.plenary.privacy.server.Callers.Person;
import com.plenary.privacy.server.internal.Route;
import com.plenary.privacy.server.internal.Schemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Answers are records too, and the OpenAPI document describes them: every success of an API route
 * that carries a body names the record it is; for each, the document's schema lists exactly the
 * properties Jackson writes and requires exactly those it always writes; and, outside in, every
 * operation of the route table driven through its happy path on a real server answers each of its
 * JSON successes with a body that its documented schema accepts — no property the schema does not
 * declare, none it requires missing, no null where it promises a value. A route added without a
 * record, or with a record its happy path never reaches, fails here the day it appears.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponseBodiesTest {
  private static final String PASSWORD = "a long passphrase for signing in";
  private static final Pattern PARAM = Pattern.compile("\\{(\\w+)}");

  /**
   * Bodies that take an operation down its happy path, where the schema's minimal body does not; the
   * placeholders: {@code {subject}} the person of the call, {@code {n}} a fresh number, {@code {until}}
   * a time tomorrow, {@code {email}} the address of a person with a password.
   */
  private static final Map<String, List<String>> BODIES = Map.ofEntries(
      Map.entry("post /api/v1/decisions", List.of(
          "{\"action\":\"read\",\"purpose\":\"provide\",\"subject\":\"{subject}\",\"categories\":[\"user.contact.email\"]}",
          "[{\"action\":\"read\",\"purpose\":\"provide\",\"subject\":\"{subject}\",\"categories\":[\"user.contact.email\"]},"
              + "{\"action\":\"read\",\"purpose\":\"develop\",\"categories\":[\"user.contact.email\"]}]")),
      Map.entry("post /api/v1/subjects", List.of("{\"fields\":{\"email\":\"r-{n}@example.org\",\"name\":\"Rita\",\"address\":\"1 Record Road\"}}")),
      Map.entry("patch /api/v1/subjects/{id}", List.of("{\"fields\":{\"name\":\"Corrected\"}}")),
      // the owner service, shop, keeps what people post publicly (messages are mail's)
      Map.entry("post /api/v1/subjects/{id}/content", List.of("{\"kind\":\"content\",\"purpose\":\"provide\",\"text\":\"hello\"}")),
      Map.entry("post /api/v1/subjects/{id}/consents", List.of("{\"purpose\":\"improve\",\"granted\":false}")),
      Map.entry("post /api/v1/subjects/{id}/partner-links", List.of("{\"partner\":\"acme-ads\",\"identifier\":\"acme-r-{n}\",\"purpose\":\"improve\"}")),
      Map.entry("post /api/v1/session", List.of("{\"email\":\"{email}\",\"password\":\"" + PASSWORD + "\"}")),
      Map.entry("patch /api/v1/me", List.of("{\"fields\":{\"name\":\"Corrected\"}}")),
      Map.entry("post /api/v1/me/consents", List.of("{\"purpose\":\"improve\"}", "{\"purpose\":\"improve\",\"granted\":false}")),
      Map.entry("post /api/v1/subjects/{id}/consent-requests", List.of("{\"purpose\":\"develop\",\"recipient\":\"carrier\",\"reason\":\"To share your address with the carrier.\"}")),
      // the request's text as the person is shown it, read first: its hash goes with the grant
      Map.entry("post /api/v1/me/consent-requests/{id}", List.of("{\"answer\":\"grant\",\"shown_sha256\":\"{shown}\"}")),
      Map.entry("post /api/v1/messages", List.of("{\"subject_id\":\"{subject}\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Shipped\",\"body\":\"On Tuesday.\"}")),
      Map.entry("post /api/v1/messages/bulk", List.of("{\"subject_ids\":[\"{subject}\"],\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Shipped\",\"body\":\"On Tuesday.\"}")),
      Map.entry("post /api/v1/message-templates", List.of("{\"name\":\"t-{n}\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi\",\"body\":\"Hello {{name}}.\"}")),
      Map.entry("post /api/v1/audiences", List.of("{\"name\":\"a-{n}\",\"subject_ids\":[\"{subject}\"]}")),
      Map.entry("post /api/v1/messages/from-template", List.of("{\"subject_id\":\"{subject}\",\"template\":\"checked\",\"variables\":{\"who\":\"you\"}}")),
      Map.entry("post /api/v1/messages/bulk/from-template", List.of("{\"subject_ids\":[\"{subject}\"],\"template\":\"checked\",\"variables\":{\"who\":\"you\"}}")),
      Map.entry("post /api/v1/messages/audience", List.of("{\"audience\":\"checked\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi\",\"body\":\"Hello.\"}")),
      Map.entry("post /api/v1/messages/audience/from-template", List.of("{\"audience\":\"checked\",\"template\":\"checked\",\"variables\":{\"who\":\"you\"}}")),
      Map.entry("post /api/v1/events", List.of("{\"events\":[{\"subject\":\"{subject}\",\"type\":\"open\",\"page\":\"https://shop.example/\"}]}")),
      Map.entry("post /api/v1/partner-events", List.of("{\"events\":[{\"identifier\":\"acme-e-{n}\",\"type\":\"view\",\"page\":\"https://acme.example/\"}]}")),
      Map.entry("post /api/v1/staff/{id}/grants", List.of(
          "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"{until}\"}")),
      Map.entry("post /api/v1/reviews/{id}/sign-off", List.of("{\"note\":\"checked\"}")),
      Map.entry("post /api/v1/grant-requests", List.of("{\"role\":\"privacy-officer\",\"categories\":[\"user.contact\"],\"purposes\":[\"protect\"],"
          + "\"subjects\":[\"{subject}\"],\"until\":\"{until}\",\"justification\":\"An abuse report\"}")),
      Map.entry("post /api/v1/break-glass", List.of("{\"subject\":\"{subject}\",\"role\":\"privacy-officer\",\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"protect\",\"minutes\":30,\"justification\":\"Abuse reported\"}")),
      // a version far in the future, so that it never comes into force while the other operations are called
      Map.entry("post /api/v1/policy/versions", List.of(publishBody())),
      Map.entry("post /api/v1/recipients", List.of("{\"id\":\"rcp-{n}\",\"kind\":\"processor\",\"name\":\"A processor\",\"contact\":\"dpo@rcp.example\"}")),
      Map.entry("post /api/v1/recipients/{id}/agreements", List.of("{\"categories\":[\"user.contact\"],\"purposes\":[\"communicate\"],"
          + "\"start\":\"2026-01-01\",\"end\":\"2027-12-31\",\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"kept\","
          + "\"security\":\"sealed\",\"data_centres\":[\"fra-1\"]}")),
      Map.entry("post /api/v1/aggregates", List.of("{\"dimensions\":[\"day\",\"country\"],\"from\":\"2026-01-01\",\"to\":\"2026-12-31\",\"purpose\":\"improve\"}",
          "{\"dimensions\":[\"page\"],\"from\":\"2026-01-01\",\"to\":\"2026-12-31\",\"purpose\":\"improve\",\"count\":\"events\",\"recipient\":\"carrier\",\"epsilon\":\"0.1\"}")),
      Map.entry("post /api/v1/disclosures", List.of("{\"recipient\":\"carrier\",\"subject_ids\":[\"{subject}\"],\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}")),
      Map.entry("post /api/v1/disclosures/audience", List.of("{\"recipient\":\"carrier\",\"audience\":\"checked\",\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}")),
      Map.entry("post /api/v1/recipients/{id}/webhook", List.of("{\"url\":\"https://carrier.example/notices\"}")),
      Map.entry("post /api/v1/legal-requests", List.of("{\"ground\":\"b\",\"authority\":\"Court\",\"reference\":\"AZ {n}\",\"justification\":\"An order\","
          + "\"subject_ids\":[\"{subject}\"],\"categories\":[\"user.contact\"],\"deadline\":\"2099-12-31\"}")),
      Map.entry("post /api/v1/legal-requests/{id}/reject", List.of("{\"reason\":\"Not ours\"}")),
      Map.entry("post /api/v1/legal-requests/{id}/narrow", List.of("{\"categories\":[\"user.contact.email\"]}")),
      Map.entry("post /api/v1/legal-requests/{id}/release", List.of("{}")),
      Map.entry("post /collect", List.of("{\"type\":\"pageview\",\"page\":\"https://shop.example/\"}")),
      Map.entry("post /privacy/cookie-choices", List.of("{\"preferences\":true,\"analytics\":false}")));

  /** Query strings an operation's happy path needs. */
  private static final Map<String, String> QUERIES = Map.of("get /api/v1/subjects/{id}", "?purpose=provide",
      "get /api/v1/legal-requests/report", "?from=2026-01-01&to=2099-01-01",
      "get /api/v1/audit/proofs/inclusion", "?seq=1", "get /api/v1/audit/proofs/consistency", "?from=1");

  /** The JSON answers that are no record of a route: the document itself. */
  private static final Set<String> NOT_RECORDS = Set.of("get /openapi.json");
  /**
   * Routes that serve only another region's node, on a statement signed with the regions' shared secret: this
   * test's single node has no other region, so they are driven (and their answers checked) in RegionsTest with
   * two nodes. Their records are still checked inside out here.
   */
  private static final Set<String> NODE_TO_NODE = Set.of("post /api/v1/regions/sign-in", "post /api/v1/regions/password-reset",
      "post /api/v1/regions/collect");

  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private Callers callers;
  private JsonNode paths;
  private String email;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    callers = new Callers(running);
    paths = json.readTree(running.get("/openapi.json").body()).get("paths");
    email = "signs-in-" + System.nanoTime() + "@example.org";
    HttpResponse<String> r = callers.send(callers.owner, "POST", "/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Sigrid\",\"address\":\"2 Session Street\"},\"password\":\"" + PASSWORD + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private static String operation(Route r) {
    return r.method() + " " + r.path();
  }

  private List<Route> withAnswers() {
    List<Route> out = running.server.routes().stream().filter(Route::jsonResponse).toList();
    assertThat(out).extracting(ResponseBodiesTest::operation).contains("post /api/v1/subjects", "post /api/v1/decisions", "get /api/v1/me",
        "get /api/v1/me/consents", "get /health/ready", "post /privacy/cookie-choices");
    return out;
  }

  /** The schema the document gives the JSON answer of {@code status}. */
  private JsonNode documented(Route r, int status) {
    JsonNode s = paths.path(r.path()).path(r.method()).path("responses").path(String.valueOf(status)).path("content").path("application/json").path("schema");
    assertThat(s.isMissingNode()).as("%s documents the answer of %s", operation(r), status).isFalse();
    return s;
  }

  /** The alternatives of a schema: those of its oneOf, or itself. */
  private static List<JsonNode> alternatives(JsonNode schema) {
    List<JsonNode> out = new ArrayList<>();
    if (schema.has("oneOf")) {
      schema.get("oneOf").forEach(out::add);
    } else {
      out.add(schema);
    }
    return out;
  }

  @Test
  void everySuccessOfAnApiRouteThatCarriesABodyIsARecordTheRouteNames() {
    List<String> missing = new ArrayList<>();
    for (Route r : running.server.routes()) {
      boolean api = r.path().startsWith("/api/") || r.path().startsWith("/health/");
      for (int status : r.statuses()) {
        JsonNode content = paths.path(r.path()).path(r.method()).path("responses").path(String.valueOf(status)).path("content");
        if (api && status >= 200 && status < 300 && status != 204 && !r.responses().containsKey(status) && !r.texts().containsKey(status)) {
          missing.add(operation(r) + " " + status + ": name the record it answers in the route (Route.json), or the media type of a text it answers"
              + " — a body assembled by hand is not an API");
        }
        if (r.texts().containsKey(status)) {
          assertThat(content.has(r.texts().get(status))).as("%s %s: the document names the text's media type", operation(r), status).isTrue();
        }
        assertThat(content.has("application/json")).as("%s %s: the document has a JSON schema exactly when the route names a record", operation(r), status)
            .isEqualTo(r.responses().containsKey(status));
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void theDocumentListsExactlyThePropertiesJacksonWritesAndRequiresThoseAlwaysWritten() {
    for (Route r : withAnswers()) {
      for (var e : r.responses().entrySet()) {
        List<JsonNode> documented = alternatives(documented(r, e.getKey()));
        assertThat(documented).as("%s %s: one schema per record", operation(r), e.getKey()).hasSameSizeAs(e.getValue());
        for (int i = 0; i < documented.size(); i++) {
          assertSameShape(operation(r) + " " + e.getKey(), documented.get(i), json.constructType(e.getValue().get(i)));
        }
      }
    }
  }

  @Test
  void everyStreamedAnswerDocumentsItsLinesAsTheRecordsJacksonWrites() {
    int streamed = 0;
    for (Route r : running.server.routes()) {
      for (var e : r.lines().entrySet()) {
        streamed++;
        JsonNode ndjson = paths.path(r.path()).path(r.method()).path("responses").path(String.valueOf(e.getKey())).path("content").path(Route.NDJSON);
        assertThat(ndjson.isMissingNode()).as("%s %s: the document names the NDJSON answer", operation(r), e.getKey()).isFalse();
        List<JsonNode> documented = alternatives(ndjson.path("x-item-schema"));
        assertThat(documented).as("%s %s: one schema per kind of line", operation(r), e.getKey()).hasSameSizeAs(e.getValue());
        for (int i = 0; i < documented.size(); i++) {
          assertSameShape(operation(r) + " " + e.getKey() + " (a line)", documented.get(i), json.constructType(e.getValue().get(i)));
        }
      }
    }
    // the disclosures stream their packages; a route that stops saying so fails here
    assertThat(streamed).isGreaterThanOrEqualTo(2);
  }

  private void assertSameShape(String where, JsonNode schema, JavaType type) {
    // what Jackson writes, asked of Jackson itself
    BeanDescription d = json.getSerializationConfig().introspect(type);
    if (d.findJsonValueAccessor() != null) {
      // the record is written as one of its values: an open-ended document
      assertThat(schema.path("type").asText()).as("%s: %s is written as its value", where, type.getRawClass().getSimpleName()).isEqualTo("object");
      assertThat(schema.has("properties")).isFalse();
      return;
    }
    Set<String> written = new TreeSet<>();
    Set<String> always = new TreeSet<>();
    Set<String> nullable = new TreeSet<>();
    for (BeanPropertyDefinition p : d.findProperties()) {
      written.add(p.getName());
      JsonInclude.Include include = p.findInclusion().getValueInclusion();
      if (include == JsonInclude.Include.ALWAYS || include == JsonInclude.Include.USE_DEFAULTS) {
        always.add(p.getName());
      }
      if (p.getGetter() != null && nullable(type.getRawClass(), p.getGetter().getName())) {
        nullable.add(p.getName());
      }
      JavaType value = p.getPrimaryType();
      JavaType nested = value.isCollectionLikeType() ? value.getContentType() : value;
      if (nested.getRawClass().isRecord()) {
        JsonNode s = schema.path("properties").path(p.getName());
        assertSameShape(where + " " + p.getName(), value.isCollectionLikeType() ? s.get("items") : s, nested);
      }
    }
    Set<String> documented = new TreeSet<>();
    schema.path("properties").fieldNames().forEachRemaining(documented::add);
    assertThat(documented).as("%s: the properties of %s", where, type.getRawClass().getSimpleName()).isEqualTo(written);
    assertThat(schema.path("additionalProperties").asBoolean(true)).as("%s: no other properties", where).isFalse();
    Set<String> required = new TreeSet<>();
    schema.path("required").forEach(n -> required.add(n.asText()));
    assertThat(required).as("%s: the properties %s always has", where, type.getRawClass().getSimpleName()).isEqualTo(always);
    Set<String> documentedNullable = new TreeSet<>();
    schema.path("properties").properties().forEach(p -> {
      if (p.getValue().path("type").isArray()) {
        p.getValue().get("type").forEach(t -> {
          if (t.asText().equals("null")) {
            documentedNullable.add(p.getKey());
          }
        });
      }
    });
    assertThat(documentedNullable).as("%s: the properties of %s that may be null", where, type.getRawClass().getSimpleName()).isEqualTo(nullable);
  }

  /** Whether the record component read by this accessor is marked as one that may be null. */
  private static boolean nullable(Class<?> record, String accessor) {
    for (RecordComponent c : record.getRecordComponents()) {
      if (c.getAccessor().getName().equals(accessor)) {
        return c.isAnnotationPresent(Schemas.Nullable.class);
      }
    }
    return false;
  }

  // ---- outside in ----

  /** One request of an operation's happy path. */
  private record Call(Credential caller, String method, String path, String body) {}

  @Test
  void everyJsonSuccessOfEveryOperationIsAnAnswerItsDocumentedSchemaAccepts() throws Exception {
    Set<String> declared = new TreeSet<>();
    List<Route> reached = withAnswers().stream().filter(r -> !NODE_TO_NODE.contains(operation(r))).toList();
    for (Route r : reached) {
      r.responses().forEach((status, records) -> {
        for (int i = 0; i < records.size(); i++) {
          declared.add(operation(r) + " " + status + " " + records.get(i).getSimpleName());
        }
      });
    }
    Set<String> checked = new TreeSet<>();
    List<String> failures = new ArrayList<>();
    List<String> unhappy = new ArrayList<>();
    for (Route r : running.server.routes()) {
      if (NODE_TO_NODE.contains(operation(r))) {
        continue;
      }
      for (Call c : calls(r)) {
        HttpResponse<String> answer = callers.send(c.caller(), c.method(), c.path(), c.body());
        int status = answer.statusCode();
        String where = c.method() + " " + c.path() + (c.body() == null ? "" : " " + c.body()) + " → " + status;
        if (status < 200 || status >= 300) {
          unhappy.add(where + " " + answer.body());
          continue;
        }
        boolean isJson = answer.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
        List<Class<? extends Record>> records = r.responses().get(status);
        if (NOT_RECORDS.contains(operation(r))) {
          continue;
        }
        if (!isJson) {
          if (records != null) {
            failures.add(where + ": the route names a record for an answer that is not JSON");
          }
          String text = r.texts().get(status);
          if (text != null && !answer.headers().firstValue("Content-Type").orElse("").startsWith(text)) {
            failures.add(where + ": the route declares " + text + " but answered " + answer.headers().firstValue("Content-Type").orElse("no type"));
          }
          continue;
        }
        if (records == null) {
          failures.add(where + ": a JSON answer of no record (name it in the route with Route.json)");
          continue;
        }
        JsonNode value = json.readTree(answer.body());
        List<JsonNode> options = alternatives(documented(r, status));
        List<String> errors = new ArrayList<>();
        int accepted = -1;
        for (int i = 0; i < options.size(); i++) {
          List<String> e = validate(value, options.get(i), "$");
          if (e.isEmpty()) {
            assertThat(accepted).as("%s: exactly one alternative accepts the answer", where).isEqualTo(-1);
            accepted = i;
          }
          errors.addAll(e);
        }
        if (accepted < 0) {
          failures.add(where + ": " + errors + " in " + answer.body());
        } else {
          checked.add(operation(r) + " " + status + " " + records.get(accepted).getSimpleName());
        }
      }
    }
    System.out.println("ResponseBodiesTest: " + checked.size() + " JSON answers checked against their schemas");
    assertThat(failures).as("answers their schemas refuse").isEmpty();
    assertThat(checked).as("every JSON success the route table declares is answered on a happy path and checked (answers that were not 2xx: %s)", unhappy)
        .isEqualTo(declared);
    assertThat(checked.stream().map(k -> k.substring(0, k.lastIndexOf(' ', k.lastIndexOf(' ') - 1))).distinct().count())
        .as("every operation with a JSON answer").isEqualTo(reached.size());
  }

  /** The requests of an operation's happy path, each for a fresh person (an erasure or a sign-out spoils no other). */
  private List<Call> calls(Route r) throws Exception {
    Person person = callers.person();
    holdSomething(r, person);
    String path = r.path();
    Matcher m = PARAM.matcher(r.path());
    while (m.find()) {
      path = path.replace(m.group(), URLEncoder.encode(value(r, m.group(1), person), StandardCharsets.UTF_8));
    }
    path += QUERIES.getOrDefault(operation(r), "");
    List<String> bodies = BODIES.get(operation(r));
    if (bodies == null) {
      bodies = new ArrayList<>();
      bodies.add(r.jsonBody() ? json.writeValueAsString(MinimalBodies.minimal(requestSchema(r))) : null);
    }
    List<Call> out = new ArrayList<>();
    for (String body : bodies) {
      String filled = body == null ? null : body.replace("{subject}", person.id()).replace("{n}", String.valueOf(System.nanoTime()))
          .replace("{until}", Instant.now().plus(Duration.ofDays(1)).toString()).replace("{email}", email)
          .replace("{shown}", body.contains("{shown}") ? shownText(person) : "");
      out.add(new Call(caller(r, person), r.method().toUpperCase(Locale.ROOT), path, filled));
    }
    return out;
  }

  /** The SHA-256 of the text of the person's newest consent request, as they are shown it. */
  private String shownText(Person person) throws Exception {
    HttpResponse<String> r = callers.send(person.session(), "GET", "/api/v1/me/consent-requests", null);
    return json.readTree(r.body()).get("consent_requests").get(0).get("text_sha256").asText();
  }

  /** Gives a list an operation answers an entry, so its items are checked too. */
  private void holdSomething(Route r, Person person) throws Exception {
    switch (operation(r)) {
      case "get /api/v1/me/consents", "get /api/v1/subjects/{id}/consents" ->
          assertThat(callers.send(person.session(), "POST", "/api/v1/me/consents", "{\"purpose\":\"improve\"}").statusCode()).isEqualTo(201);
      case "get /api/v1/me" -> assertThat(callers.send(person.session(), "GET", "/api/v1/me/export", null).statusCode()).isEqualTo(200);
      case "get /api/v1/me/partner-links" -> callers.link(person);
      case "get /api/v1/me/consent-requests" -> callers.consentRequest(person);
      case "get /api/v1/reviews" -> callers.review();
      case "get /api/v1/staff/{id}/grants" -> callers.grant();
      case "get /api/v1/grant-requests" -> callers.grantRequest();
      case "get /api/v1/incidents" -> callers.incident();
      case "get /api/v1/break-glass" -> callers.breakGlass(person);
      case "get /api/v1/recipients", "get /api/v1/recipients/{id}", "get /api/v1/recipients/{id}/agreements", "post /api/v1/disclosures" ->
          callers.recipientWithAnAgreement();
      case "get /api/v1/legal-requests", "get /api/v1/legal-requests/report" -> callers.legalRequest(person, false);
      case "get /api/v1/me/correction-notices" -> {
        callers.recipientWithAnAgreement();
        assertThat(callers.send(callers.owner, "POST", "/api/v1/disclosures", "{\"recipient\":\"carrier\",\"subject_ids\":[\"" + person.id()
            + "\"],\"categories\":[\"user.contact\"],\"purpose\":\"communicate\",\"ground\":\"processor\"}").statusCode()).isEqualTo(201);
        assertThat(callers.send(person.session(), "PATCH", "/api/v1/me", "{\"fields\":{\"email\":\"n-" + System.nanoTime() + "@example.org\"}}")
            .statusCode()).isEqualTo(200);
      }
      case "get /api/v1/audit/proofs/inclusion", "get /api/v1/audit/proofs/consistency" -> running.platform.store().audit().seal();
      case "get /api/v1/message-templates", "post /api/v1/messages/from-template", "post /api/v1/messages/bulk/from-template" -> callers.template("checked");
      case "get /api/v1/audiences", "post /api/v1/messages/audience" -> callers.audience("checked", person);
      case "post /api/v1/disclosures/audience" -> {
        callers.recipientWithAnAgreement();
        callers.audience("checked", person);
      }
      case "post /api/v1/messages/audience/from-template" -> {
        callers.template("checked");
        callers.audience("checked", person);
      }
      default -> { }
    }
  }

  /** A new version of the shipped policy, to publish. */
  private static String publishBody() {
    try {
      return new ObjectMapper().writeValueAsString(Map.of("policy", PolicyTexts.same(2), "effective", "2099-01-01"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The value of a path parameter, by the segment before it. */
  private String value(Route r, String param, Person person) throws Exception {
    String before = r.path().substring(0, r.path().indexOf("{" + param + "}"));
    if (before.endsWith("/subjects/")) {
      return person.id();
    }
    if (before.endsWith("/partner-links/")) {
      return callers.link(person);
    }
    if (before.endsWith("/staff/")) {
      return callers.staffMemberId;
    }
    if (before.endsWith("/grants/")) {
      return callers.grant();
    }
    if (before.endsWith("/reviews/")) {
      return callers.review();
    }
    if (before.endsWith("/grant-requests/")) {
      return callers.grantRequest();
    }
    if (before.endsWith("/incidents/")) {
      return callers.incident();
    }
    if (before.endsWith("/unsubscribe/")) {
      return callers.unsubscribeToken(person);
    }
    if (before.endsWith("/account/reset/")) {
      return callers.resetToken(person);
    }
    if (before.endsWith("/recipients/")) {
      return "carrier"; // named by the policy, so every database has it
    }
    if (before.endsWith("/policy/versions/")) {
      return "1"; // the policy the server started with
    }
    if (before.endsWith("/consents/")) {
      return callers.consent(person);
    }
    if (before.endsWith("/consent-requests/")) {
      return callers.consentRequest(person);
    }
    if (before.endsWith("/legal-requests/")) {
      return callers.legalRequest(person, r.path().endsWith("/release"));
    }
    throw new AssertionError(operation(r) + ": no value for the path parameter {" + param + "}; add one to ResponseBodiesTest.value");
  }

  private Credential caller(Route r, Person person) {
    if (r.isPublic()) {
      return callers.none;
    }
    return switch (r.callers().iterator().next()) {
      case SERVICE -> callers.owner;
      case PARTNER -> callers.partner;
      case SUBJECT -> person.session();
      case STAFF -> callers.staff.get(r.staffRoles().isEmpty() ? "privacy-officer" : new TreeSet<>(r.staffRoles()).first());
    };
  }

  private JsonNode requestSchema(Route r) {
    JsonNode s = paths.path(r.path()).path(r.method()).path("requestBody").path("content").path("application/json").path("schema");
    return s.has("oneOf") ? s.get("oneOf").get(0) : s;
  }

  // ---- the validator ----

  /**
   * What {@code schema} finds wrong with {@code value} (empty: it accepts it), over the part of JSON
   * Schema the generator writes: type (one or several, "null" among them), format date-time and date,
   * properties, required, additionalProperties (false, true or a schema), items, enum, oneOf.
   */
  static List<String> validate(JsonNode value, JsonNode schema, String at) {
    List<String> errors = new ArrayList<>();
    if (schema.has("oneOf")) {
      int accepted = 0;
      for (JsonNode option : schema.get("oneOf")) {
        accepted += validate(value, option, at).isEmpty() ? 1 : 0;
      }
      if (accepted != 1) {
        errors.add(at + ": accepted by " + accepted + " of the oneOf alternatives, not one");
      }
      return errors;
    }
    if (schema.has("type")) {
      List<String> types = new ArrayList<>();
      if (schema.get("type").isArray()) {
        schema.get("type").forEach(t -> types.add(t.asText()));
      } else {
        types.add(schema.get("type").asText());
      }
      if (types.stream().noneMatch(t -> isOfType(value, t))) {
        errors.add(at + ": " + value.getNodeType().name().toLowerCase(Locale.ROOT) + " where the schema has " + types);
        return errors;
      }
    }
    if (schema.has("enum")) {
      boolean listed = false;
      for (JsonNode e : schema.get("enum")) {
        listed |= e.equals(value);
      }
      if (!listed) {
        errors.add(at + ": " + value + " is none of " + schema.get("enum"));
      }
    }
    if (value.isTextual() && schema.has("format") && !hasFormat(value.asText(), schema.get("format").asText())) {
      errors.add(at + ": not a " + schema.get("format").asText());
    }
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      for (JsonNode required : schema.path("required")) {
        if (!value.has(required.asText())) {
          errors.add(at + ": the required property '" + required.asText() + "' is missing");
        }
      }
      JsonNode others = schema.path("additionalProperties");
      for (Map.Entry<String, JsonNode> p : value.properties()) {
        String inner = at + "." + p.getKey();
        if (properties.has(p.getKey())) {
          errors.addAll(validate(p.getValue(), properties.get(p.getKey()), inner));
        } else if (others.isBoolean() && !others.asBoolean()) {
          errors.add(at + ": the property '" + p.getKey() + "' is not in the schema");
        } else if (others.isObject()) {
          errors.addAll(validate(p.getValue(), others, inner));
        }
      }
    }
    if (value.isArray() && schema.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        errors.addAll(validate(value.get(i), schema.get("items"), at + "[" + i + "]"));
      }
    }
    return errors;
  }

  private static boolean isOfType(JsonNode value, String type) {
    return switch (type) {
      case "object" -> value.isObject();
      case "array" -> value.isArray();
      case "string" -> value.isTextual();
      case "integer" -> value.isIntegralNumber();
      case "number" -> value.isNumber();
      case "boolean" -> value.isBoolean();
      case "null" -> value.isNull();
      default -> throw new AssertionError("a schema type this validator does not know: " + type);
    };
  }

  private static boolean hasFormat(String text, String format) {
    try {
      switch (format) {
        case "date-time" -> OffsetDateTime.parse(text);
        case "date" -> LocalDate.parse(text);
        default -> {
          return true;
        }
      }
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  @Test
  void theValidatorRefusesAPropertyTheSchemaDoesNotDeclareAMissingOneAndAnUnpromisedNull() throws Exception {
    Route signIn = running.server.routes().stream().filter(r -> operation(r).equals("post /api/v1/session")).findFirst().orElseThrow();
    JsonNode schema = documented(signIn, 200);
    HttpResponse<String> r = callers.send(callers.none, "POST", "/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    ObjectNode answer = (ObjectNode) json.readTree(r.body());
    assertThat(validate(answer, schema, "$")).isEmpty();
    assertThat(validate(answer.deepCopy().put("password", "echoed"), schema, "$")).containsExactly("$: the property 'password' is not in the schema");
    ObjectNode missing = answer.deepCopy();
    missing.remove("csrf");
    assertThat(validate(missing, schema, "$")).containsExactly("$: the required property 'csrf' is missing");
    assertThat(validate(answer.deepCopy().putNull("expires_at"), schema, "$")).containsExactly("$.expires_at: null where the schema has [string]");
    assertThat(validate(answer.deepCopy().put("expires_at", "tomorrow"), schema, "$")).containsExactly("$.expires_at: not a date-time");
  }
}
