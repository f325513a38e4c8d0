package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.plenary.privacy.server.Callers.Credential;
import com.plenary.privacy.server.Callers.Person;
import com.plenary.privacy.server.internal.JsonBodies;
import com.plenary.privacy.server.internal.Route;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Request bodies are records bound by Jackson, and the OpenAPI document describes those same records:
 * for every operation with a JSON body, the document's schema lists exactly the properties Jackson
 * binds and requires exactly the components that are not optional; a body made from the schema alone
 * passes the server's shape checks; and a body of the wrong shape is a 400 naming the JSON path,
 * without repeating what was sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestBodiesTest {
  private static final String SECRET = "zelda.secret.7q@example.org";
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private Callers callers;
  private Person person;
  private JsonNode paths;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    callers = new Callers(running);
    person = callers.person();
    paths = json.readTree(running.get("/openapi.json").body()).get("paths");
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private List<Route> withBodies() {
    List<Route> out = running.server.routes().stream().filter(Route::jsonBody).toList();
    assertThat(out).extracting(r -> r.method() + " " + r.path()).contains("post /api/v1/subjects", "post /api/v1/decisions",
        "post /api/v1/staff/{id}/grants", "post /api/v1/events", "post /api/v1/session");
    return out;
  }

  /** The operation's request schema; a body that may also be a batch has the single form first. */
  private JsonNode schema(Route r) {
    JsonNode s = paths.path(r.path()).path(r.method()).path("requestBody").path("content").path("application/json").path("schema");
    assertThat(s.isMissingNode()).as("%s %s documents its body", r.method(), r.path()).isFalse();
    if (s.has("oneOf")) {
      assertThat(s.get("oneOf").get(1).get("items")).isEqualTo(s.get("oneOf").get(0));
      return s.get("oneOf").get(0);
    }
    return s;
  }

  @Test
  void theDocumentListsExactlyTheRecordsPropertiesAndRequiredOnes() {
    for (Route r : withBodies()) {
      assertSameShape(r.method() + " " + r.path(), schema(r), r.body());
    }
  }

  private void assertSameShape(String where, JsonNode schema, Class<?> record) {
    // what Jackson binds, asked of Jackson itself
    Set<String> bound = json.getDeserializationConfig().introspect(json.constructType(record)).findProperties().stream()
        .map(BeanPropertyDefinition::getName).collect(Collectors.toCollection(TreeSet::new));
    Set<String> documented = new TreeSet<>();
    schema.get("properties").fieldNames().forEachRemaining(documented::add);
    assertThat(documented).as("%s: the properties of %s", where, record.getSimpleName()).isEqualTo(bound);
    assertThat(schema.get("additionalProperties").asBoolean(true)).as("%s: no other properties", where).isFalse();
    Set<String> required = new TreeSet<>();
    for (RecordComponent c : record.getRecordComponents()) {
      String name = wireName(c);
      if (c.getAnnotation(JsonBodies.Optional.class) == null) {
        required.add(name);
      }
      Class<?> nested = recordIn(c.getGenericType());
      if (nested != null) {
        JsonNode p = schema.get("properties").get(name);
        assertSameShape(where + " " + name, p.has("items") ? p.get("items") : p, nested);
      }
    }
    Set<String> documentedRequired = new TreeSet<>();
    schema.path("required").forEach(n -> documentedRequired.add(n.asText()));
    assertThat(documentedRequired).as("%s: the required properties of %s", where, record.getSimpleName()).isEqualTo(required);
  }

  private static String wireName(RecordComponent c) {
    var p = c.getAccessor().getAnnotation(JsonProperty.class);
    return p == null ? c.getName() : p.value();
  }

  private static Class<?> recordIn(Type t) {
    if (t instanceof Class<?> k) {
      return k.isRecord() ? k : null;
    }
    if (t instanceof ParameterizedType p && Collection.class.isAssignableFrom((Class<?>) p.getRawType())) {
      return recordIn(p.getActualTypeArguments()[0]);
    }
    return null;
  }

  @Test
  void aBodyMadeFromTheSchemasRequiredPropertiesPassesTheShapeChecks() throws Exception {
    List<String> failures = new ArrayList<>();
    for (Route r : withBodies()) {
      String body = json.writeValueAsString(MinimalBodies.minimal(schema(r)));
      HttpResponse<String> answer = callers.send(caller(r), r.method().toUpperCase(Locale.ROOT), path(r), body);
      if (answer.statusCode() == 400 || answer.statusCode() == 415 || answer.statusCode() >= 500) {
        failures.add(r.method() + " " + r.path() + " " + body + " → " + answer.statusCode() + " " + answer.body());
      }
    }
    assertThat(failures).isEmpty();
  }

  private Credential caller(Route r) throws Exception {
    if (r.isPublic()) {
      return callers.none;
    }
    Caller.Kind kind = r.callers().iterator().next();
    return switch (kind) {
      case SERVICE -> callers.owner;
      case PARTNER -> callers.partner;
      case SUBJECT -> person.session();
      case STAFF -> callers.staff.get(r.staffRoles().isEmpty() ? "privacy-officer" : new TreeSet<>(r.staffRoles()).first());
    };
  }

  private String path(Route r) throws Exception {
    String p = r.path().replace("/subjects/{id}", "/subjects/" + person.id());
    if (p.contains("/staff/{id}")) {
      p = p.replace("{id}", callers.staffMemberId);
    }
    if (p.contains("/reviews/{id}")) {
      p = p.replace("{id}", callers.review());
    }
    p = p.replace("/recipients/{id}", "/recipients/carrier"); // named by the policy, so every database has it
    if (p.contains("/consent-requests/{id}")) {
      p = p.replace("{id}", callers.consentRequest(person));
    }
    if (p.contains("/grant-requests/{request}")) {
      p = p.replace("{request}", callers.grantRequest());
    }
    if (p.contains("/incidents/{incident}")) {
      p = p.replace("{incident}", callers.incident());
    }
    if (p.contains("/legal-requests/{id}")) {
      p = p.replace("{id}", callers.legalRequest(person, p.endsWith("/release")));
    }
    assertThat(p).as("every path parameter has a value").doesNotContain("{");
    return p;
  }

  @Test
  void aBodyOfTheWrongShapeIsA400NamingThePathWithoutRepeatingTheValue() throws Exception {
    record Case(String method, String path, Credential caller, String body, String field) {}
    String subjects = "/api/v1/subjects";
    String decide = "{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.contact.email\"]}";
    List<Case> cases = List.of(
        new Case("POST", subjects, callers.owner, "{\"fields\":{\"email\":\"a@example.org\"},\"nickname\":\"" + SECRET + "\"}", "nickname"),
        new Case("POST", subjects, callers.owner, "{\"fields\":\"" + SECRET + "\"}", "fields"),
        new Case("POST", subjects, callers.owner, "{\"fields\":null}", "fields"),
        new Case("POST", subjects, callers.owner, "{\"password\":\"a long passphrase\"}", "fields"),
        new Case("POST", subjects, callers.owner, "{\"fields\":{},\"password\":12345678901}", "password"),
        new Case("POST", subjects, callers.owner, "{\"fields\":{},\"consents\":[{\"purpose\":\"improve\",\"shown_sha256\":[\"" + SECRET + "\"]}]}",
            "consents[0].shown_sha256"),
        new Case("POST", subjects, callers.owner, "{\"fields\":{},\"consents\":[{\"purpose\":\"improve\",\"shown_sha256\":\"ab\",\"" + SECRET + "\":1}]}",
            "consents[0]"), // an unknown name that is no identifier is not repeated either
        new Case("POST", subjects, callers.owner, "{\"fields\":{},\"consents\":[null]}", "consents[0]"),
        new Case("POST", subjects + "/" + person.id() + "/consents", callers.owner, "{\"purpose\":\"improve\",\"granted\":\"false\"}", "granted"),
        new Case("POST", subjects + "/" + person.id() + "/content", callers.owner, "{\"kind\":\"message\",\"purpose\":\"  \",\"text\":\"hi\"}", "purpose"),
        new Case("POST", "/api/v1/decisions", callers.owner, "[" + decide + ",{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":\"" + SECRET + "\"}]",
            "[1].categories"),
        new Case("POST", "/api/v1/decisions", callers.owner, decide.replace("}", ",\"facts\":{}}"), "facts"),
        new Case("POST", "/api/v1/decisions", callers.owner, decide.replace("[\"user.contact.email\"]", "[]"), "categories"),
        new Case("POST", "/api/v1/events", callers.owner, "{\"events\":[{\"subject\":\"" + person.id() + "\",\"page\":\"https://shop.example/\",\"screen\":{\"w\":1.5,\"h\":2}}]}",
            "events[0].screen.w"),
        new Case("POST", "/api/v1/events", callers.owner, "{\"events\":[{\"subject\":\"" + person.id() + "\",\"page\":\"https://shop.example/\",\"screen\":{\"w\":4294967296,\"h\":2}}]}",
            "events[0].screen.w"),
        new Case("POST", "/api/v1/events", callers.owner, "{\"events\":[{\"subject\":\"" + person.id() + "\",\"page\":\"https://shop.example/\",\"cookie\":\"" + SECRET + "\"}]}",
            "events[0].cookie"));
    for (Case c : cases) {
      HttpResponse<String> r = callers.send(c.caller(), c.method(), c.path(), c.body());
      assertThat(r.statusCode()).as("%s %s %s: %s", c.method(), c.path(), c.body(), r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
      JsonNode p = json.readTree(r.body());
      assertThat(p.get("type").asText()).isEqualTo("/problems/invalid-input");
      assertThat(p.get("field").asText()).as(c.body()).isEqualTo(c.field());
      assertThat(p.get("detail").asText()).as(c.body()).doesNotContain(SECRET).doesNotContain("12345678901").doesNotContain("4294967296");
    }
  }

  @Test
  void aSyntaxErrorAnywhereInTheBodyIsMalformedJsonWithoutRepeatingIt() throws Exception {
    String decide = "{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.contact.email\"]";
    for (String body : List.of(decide + ",\"subject\":\"" + SECRET + " }", decide + ",\"subject\": }", decide + "} {}", "{\"action\":\"read\",,}", "  {")) {
      HttpResponse<String> r = callers.send(callers.owner, "POST", "/api/v1/decisions", body);
      assertThat(r.statusCode()).as(body).isEqualTo(400);
      JsonNode p = json.readTree(r.body());
      assertThat(p.get("type").asText()).as(body + " → " + r.body()).isEqualTo("/problems/malformed-json");
      assertThat(r.body()).doesNotContain(SECRET);
    }
  }
}
