package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The vault through its real HTTP interface: services, people with sessions, and the authorisation matrix. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class VaultHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String mail;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  record Person(String id, String email, String password, String cookie, String csrf) {}

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private Person register(String name) throws Exception {
    String email = name.toLowerCase() + "." + System.nanoTime() + "@example.org";
    String password = "a long passphrase " + name;
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"" + name + "\"},\"password\":\"" + password + "\"}", mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = body(r).get("id").asText();
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    return new Person(id, email, password, setCookie.substring(0, setCookie.indexOf(';')), body(signIn).get("csrf").asText());
  }

  private HttpResponse<String> asPerson(Person p, String method, String path, String body, boolean withCsrf) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).header("Cookie", p.cookie());
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (withCsrf) {
      b.header("X-CSRF-Token", p.csrf());
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> asService(String key, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).header("Authorization", "Bearer " + key);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int subjects() {
    return running.platform.keyStore().count();
  }

  @Test
  void C2_C18_registrationRefusesUndeclaredAndMissingFieldsByNameAndStoresNothing() throws Exception {
    int before = subjects();
    HttpResponse<String> undeclared = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"u@example.org\",\"name\":\"U\",\"religion\":\"none\"}}", mail);
    assertThat(undeclared.statusCode()).isEqualTo(400);
    assertThat(body(undeclared).get("field").asText()).isEqualTo("religion");
    assertThat(undeclared.body()).doesNotContain("u@example.org");
    HttpResponse<String> missing = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"m@example.org\",\"name\":\"M\"}}", shop);
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(body(missing).get("field").asText()).isEqualTo("address");
    assertThat(subjects()).isEqualTo(before);
  }

  @Test
  void C22_aDeclinedOptionalFieldIsFineAndTheAnswerSaysWhatIsUnavailable() throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"d" + System.nanoTime() + "@example.org\",\"name\":\"D\"}}", mail);
    assertThat(r.statusCode()).isEqualTo(201);
    JsonNode b = body(r);
    assertThat(b.get("declined").toString()).contains("phone");
    assertThat(b.get("unavailable").toString()).contains("\"service\":\"shop\"").contains("address");
  }

  @Test
  void badInputIs4xxAndStoresNothing() throws Exception {
    int before = subjects();
    assertThat(running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":42,\"name\":\"N\"}}", mail).statusCode()).isEqualTo(400);
    assertThat(running.postJson("/api/v1/subjects", "{\"fields\":\"email\"}", mail).statusCode()).isEqualTo(400);
    assertThat(running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"e@example.org\",\"name\":\"N\"},\"admin\":true}", mail).statusCode()).isEqualTo(400);
    assertThat(running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"e@example.org\",\"name\":\"" + "N".repeat(300) + "\"}}", mail).statusCode()).isEqualTo(400);
    byte[] invalidUtf8 = "{\"fields\":{\"email\":\"e@example.org\",\"name\":\"\u0000\"}}".getBytes(StandardCharsets.UTF_8);
    invalidUtf8[invalidUtf8.length - 5] = (byte) 0xC3;
    HttpResponse<String> bad = running.http.send(HttpRequest.newBuilder(running.uri("/api/v1/subjects")).POST(HttpRequest.BodyPublishers.ofByteArray(invalidUtf8))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + mail).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
    assertThat(subjects()).isEqualTo(before);
  }

  @Test
  void C14_aServiceReadsOnlyForADeclaredPurposeAndEveryReadIsAudited() throws Exception {
    Person p = register("Grace");
    HttpResponse<String> ok = asService(mail, "GET", "/api/v1/subjects/" + p.id() + "?purpose=provide", null);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(body(ok).get("fields").get("name").asText()).isEqualTo("Grace");
    HttpResponse<String> denied = asService(mail, "GET", "/api/v1/subjects/" + p.id() + "?purpose=develop", null);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(body(denied).get("clauses").toString()).contains("C19");
    assertThat(body(denied).get("rules").toString()).contains("service-consented-use");
    HttpResponse<String> noPurpose = asService(mail, "GET", "/api/v1/subjects/" + p.id(), null);
    assertThat(noPurpose.statusCode()).isEqualTo(400);
    var entries = running.platform.store().audit().about(p.id(), 100);
    assertThat(entries).anyMatch(e -> e.purpose().equals("provide") && e.effect().equals("permit"));
    assertThat(entries).anyMatch(e -> e.purpose().equals("develop") && e.effect().equals("deny"));
  }

  @Test
  void authorisationMatrixNobodyReachesAnotherPersonsData() throws Exception {
    Person a = register("Alice");
    Person b = register("Bob");
    // a service that did not register B, and B's data through every endpoint under /api/v1/subjects
    List<HttpResponse<String>> tries = new ArrayList<>();
    tries.add(asService(shop, "GET", "/api/v1/subjects/" + b.id() + "?purpose=provide", null));
    tries.add(asService(shop, "PATCH", "/api/v1/subjects/" + b.id(), "{\"fields\":{\"name\":\"Mallory\"}}"));
    tries.add(asService(shop, "POST", "/api/v1/subjects/" + b.id() + "/content", "{\"kind\":\"message\",\"purpose\":\"communicate.respond\",\"text\":\"x\"}"));
    tries.add(asService(shop, "GET", "/api/v1/subjects/" + b.id() + "/consents", null));
    tries.add(asService(shop, "POST", "/api/v1/subjects/" + b.id() + "/consents", "{\"purpose\":\"develop\"}"));
    // person A's session against /api/v1/subjects (services only)
    tries.add(asPerson(a, "GET", "/api/v1/subjects/" + b.id() + "?purpose=provide", null, true));
    tries.add(asPerson(a, "PATCH", "/api/v1/subjects/" + b.id(), "{\"fields\":{\"name\":\"Mallory\"}}", true));
    tries.add(asPerson(a, "POST", "/api/v1/subjects/" + b.id() + "/consents", "{\"purpose\":\"develop\"}", true));
    for (HttpResponse<String> r : tries) {
      assertThat(r.statusCode()).as(r.request().method() + " " + r.uri()).isIn(401, 403, 404);
      assertThat(r.body()).doesNotContain("Bob");
    }
    // /api/v1/me with A's session only ever shows A
    for (String path : List.of("/api/v1/me", "/api/v1/me/export", "/api/v1/me/consents")) {
      HttpResponse<String> r = asPerson(a, "GET", path, null, false);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).doesNotContain(b.id()).doesNotContain("Bob");
      if (!path.endsWith("consents")) {
        assertThat(r.body()).contains(a.id()).contains("Alice");
      }
    }
    // a service credential gets nothing from /api/v1/me
    for (String path : List.of("/api/v1/me", "/api/v1/me/export", "/api/v1/me/consents")) {
      assertThat(asService(mail, "GET", path, null).statusCode()).isEqualTo(403);
    }
    assertThat(asService(mail, "GET", "/api/v1/subjects/" + b.id() + "?purpose=provide", null).body()).contains("Bob");
  }

  @Test
  void C6_signInSetsAProtectedCookieAndNeverSaysWhetherTheEmailExists() throws Exception {
    Person p = register("Hedy");
    HttpResponse<String> again = running.postJson("/api/v1/session", "{\"email\":\"" + p.email() + "\",\"password\":\"" + p.password() + "\"}", null);
    String cookie = again.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly").containsIgnoringCase("SameSite=Lax").contains("Path=/");
    HttpResponse<String> wrongPassword = running.postJson("/api/v1/session", "{\"email\":\"" + p.email() + "\",\"password\":\"not the password\"}", null);
    HttpResponse<String> unknown = running.postJson("/api/v1/session", "{\"email\":\"nobody" + System.nanoTime() + "@example.org\",\"password\":\"not the password\"}", null);
    assertThat(wrongPassword.statusCode()).isEqualTo(401);
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(body(wrongPassword).get("detail")).isEqualTo(body(unknown).get("detail"));
  }

  @Test
  void C6_failedSignInsAreThrottled() throws Exception {
    Person p = register("Ida");
    int last = 0;
    for (int i = 0; i < 6; i++) {
      last = running.postJson("/api/v1/session", "{\"email\":\"" + p.email() + "\",\"password\":\"guess number " + i + "\"}", null).statusCode();
    }
    assertThat(last).isEqualTo(429);
    HttpResponse<String> right = running.postJson("/api/v1/session", "{\"email\":\"" + p.email() + "\",\"password\":\"" + p.password() + "\"}", null);
    assertThat(right.statusCode()).isEqualTo(429);
    assertThat(right.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void C35_aPersonCorrectsTheirDataWithTheCsrfTokenOnly() throws Exception {
    Person p = register("Karen");
    assertThat(asPerson(p, "PATCH", "/api/v1/me", "{\"fields\":{\"name\":\"Karen Spärck Jones\"}}", false).statusCode()).isEqualTo(403);
    HttpResponse<String> ok = asPerson(p, "PATCH", "/api/v1/me", "{\"fields\":{\"name\":\"Karen Spärck Jones\"}}", true);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(body(asPerson(p, "GET", "/api/v1/me", null, false)).get("fields").get("name").asText()).isEqualTo("Karen Spärck Jones");
    assertThat(running.platform.store().audit().about(p.id(), 100)).anyMatch(e -> e.action().equals("correct"));
  }

  @Test
  void C34_theExportHoldsProfileContentConsentsAndRequests() throws Exception {
    Person p = register("Radia");
    assertThat(asService(mail, "POST", "/api/v1/subjects/" + p.id() + "/content", "{\"kind\":\"message\",\"purpose\":\"communicate.respond\",\"text\":\"Please call me back\"}").statusCode()).isEqualTo(201);
    assertThat(asPerson(p, "POST", "/api/v1/me/consents", "{\"purpose\":\"improve\"}", true).statusCode()).isEqualTo(201);
    HttpResponse<String> export = asPerson(p, "GET", "/api/v1/me/export", null, false);
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Disposition")).get().asString().contains("attachment");
    assertThat(export.headers().firstValue("Cache-Control")).contains("no-store");
    JsonNode b = body(export);
    assertThat(b.get("profile").get("name").get("value").asText()).isEqualTo("Radia");
    assertThat(b.get("content").get(0).get("text").asText()).isEqualTo("Please call me back");
    assertThat(b.get("consents").get(0).get("purpose").asText()).isEqualTo("improve");
    assertThat(b.get("requests").toString()).contains("\"kind\":\"export\"").contains("deadline");
    assertThat(b.get("accesses").size()).isGreaterThan(0);
  }

  @Test
  void C34_C3_anExportWithThousandsOfEventsHoldsEveryOne() throws Exception {
    Person p = register("Evelyn");
    String one = "{\"subject\":\"" + p.id() + "\",\"type\":\"open\",\"page\":\"https://mail.example/inbox\"}";
    String batch = "{\"events\":[" + String.join(",", Collections.nCopies(1000, one)) + "]}";
    for (int i = 0; i < 3; i++) {
      assertThat(running.postJson("/api/v1/events", batch, mail).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> export = asPerson(p, "GET", "/api/v1/me/export", null, false);
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(body(export).get("usage_events").size()).isEqualTo(3000);
  }

  @Test
  void erasureEndsTheSessionAndLeavesNothingToReadOrSignInWith() throws Exception {
    Person p = register("Frances");
    assertThat(asPerson(p, "DELETE", "/api/v1/me", null, false).statusCode()).isEqualTo(403);
    HttpResponse<String> erased = asPerson(p, "DELETE", "/api/v1/me", null, true);
    assertThat(erased.statusCode()).isEqualTo(200);
    assertThat(body(erased).get("counts").get("data_key").asInt()).isEqualTo(1);
    assertThat(asPerson(p, "GET", "/api/v1/me", null, false).statusCode()).isEqualTo(401);
    assertThat(asService(mail, "GET", "/api/v1/subjects/" + p.id() + "?purpose=provide", null).statusCode()).isEqualTo(404);
    assertThat(running.postJson("/api/v1/session", "{\"email\":\"" + p.email() + "\",\"password\":\"" + p.password() + "\"}", null).statusCode()).isEqualTo(401);
  }

  @Test
  void C29_auditorsVerifyTheAuditChain() throws Exception {
    register("Barbara");
    var auditor = running.platform.vault().staff().add("Aud", "employee", List.of("auditor"), Instant.now());
    String token = running.platform.issuer().issue(auditor.id(), Duration.ofMinutes(5));
    HttpResponse<String> v = running.get("/api/v1/audit/verify", "Authorization", "Bearer " + token);
    assertThat(v.statusCode()).isEqualTo(200);
    assertThat(body(v).get("intact").asBoolean()).isTrue();
    HttpResponse<String> entries = running.get("/api/v1/audit?limit=5", "Authorization", "Bearer " + token);
    assertThat(body(entries).get("entries").size()).isBetween(1, 5);
    assertThat(running.get("/api/v1/audit/verify", "Authorization", "Bearer " + mail).statusCode()).isEqualTo(403);
  }

  @Test
  void C32_staffReadOnlyUnderAGrantInForceThatTheOfficerGaveAndCanEnd() throws Exception {
    Person p = register("Grace");
    var support = running.platform.vault().staff().add("Sam Support", "employee", List.of("support"), Instant.now());
    var officer = running.platform.vault().staff().add("Pat Officer", "employee", List.of("privacy-officer"), Instant.now());
    String supportToken = "Bearer " + running.platform.issuer().issue(support.id(), Duration.ofMinutes(5));
    String officerToken = "Bearer " + running.platform.issuer().issue(officer.id(), Duration.ofMinutes(5));
    String read = "/api/v1/subjects/" + p.id() + "?purpose=communicate.respond&fields=email";
    HttpResponse<String> before = running.get(read, "Authorization", supportToken);
    assertThat(before.statusCode()).as(before.body()).isEqualTo(403);

    String grants = "/api/v1/staff/" + support.id() + "/grants";
    String until = Instant.now().plus(Duration.ofDays(1)).toString();
    String grant = "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"" + until + "\"}";
    // only the privacy officer grants; the member needs the role; the grant stays within what the role may open
    assertThat(running.send("POST", grants, "application/json", grant, "Authorization", supportToken).statusCode()).isEqualTo(403);
    // no one grants to themselves (and the officer lacks the support role besides)
    assertThat(running.send("POST", "/api/v1/staff/" + officer.id() + "/grants", "application/json", grant, "Authorization", officerToken).statusCode()).isEqualTo(403);
    HttpResponse<String> outsideRole = running.send("POST", grants, "application/json", grant.replace("user.contact", "user.device"), "Authorization", officerToken);
    assertThat(outsideRole.statusCode()).isEqualTo(400);
    assertThat(outsideRole.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(running.send("POST", grants, "application/json", grant.replace(until, Instant.now().plus(Duration.ofDays(91)).toString()),
        "Authorization", officerToken).statusCode()).isEqualTo(400);
    // each id once, and only ids the policy declares (an invented one under a grantable id is not one)
    for (String bad : List.of(grant.replace("[\"communicate.respond\"]", "[\"communicate.respond\",\"communicate.respond\"]"),
        grant.replace("[\"communicate.respond\"]", "[\"communicate.respond." + "x".repeat(120) + "\"]"))) {
      HttpResponse<String> refused = running.send("POST", grants, "application/json", bad, "Authorization", officerToken);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      assertThat(body(refused).get("field").asText()).isEqualTo("purposes");
    }
    assertThat(running.platform.domain().staff().grants(support.id())).isEmpty();

    HttpResponse<String> given = running.send("POST", grants, "application/json", grant, "Authorization", officerToken);
    assertThat(given.statusCode()).as(given.body()).isEqualTo(201);
    assertThat(body(given).get("in_force").asBoolean()).isTrue();
    HttpResponse<String> during = running.get(read, "Authorization", supportToken);
    assertThat(during.statusCode()).as(during.body()).isEqualTo(200);
    assertThat(during.body()).contains(p.email());
    // the grant does not open other purposes
    assertThat(running.get("/api/v1/subjects/" + p.id() + "?purpose=provide&fields=email", "Authorization", supportToken).statusCode()).isEqualTo(403);

    String id = body(given).get("id").asText();
    HttpResponse<String> ended = running.send("DELETE", grants + "/" + id, null, "", "Authorization", officerToken);
    assertThat(ended.statusCode()).isEqualTo(200);
    assertThat(body(ended).get("in_force").asBoolean()).isFalse();
    assertThat(running.get(read, "Authorization", supportToken).statusCode()).isEqualTo(403);
    HttpResponse<String> listed = running.get(grants, "Authorization", officerToken);
    assertThat(body(listed).get("grants").get(0).get("revoked_at").isNull()).isFalse();
    // giving and ending the grant are in the audit trail
    HttpResponse<String> audit = running.get("/api/v1/audit?limit=50", "Authorization", officerToken);
    assertThat(audit.statusCode()).isEqualTo(200);
    assertThat(audit.body()).contains("\"grant\"").contains("\"ungrant\"").contains("to:" + support.id());
  }
}
