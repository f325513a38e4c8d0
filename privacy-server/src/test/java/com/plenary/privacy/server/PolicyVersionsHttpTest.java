package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.MutableClock;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import com.plenary.privacy.server.internal.Texts;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.Matcher;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policy versions (C36) through real HTTP on H2 and PostgreSQL: publishing checks and stores a version
 * (nothing on bad input), it comes into force at its effective date on every node without a restart,
 * what it adds is denied until the person consents under it while unchanged uses keep working, a version
 * that removes a purpose stops its use at once, and everyone registered is told once — also across a
 * restart. The clock is the platform's, moved by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class PolicyVersionsHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private MutableClock clock;
  private Running running;
  private String mail;
  private String officer;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    clock = MutableClock.startingNow();
    running = Running.on(database, Map.of(), clock);
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    officer = running.platform.issuer().issue(o.id(), Duration.ofDays(30));
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  private HttpResponse<String> publish(String policy, LocalDate effective) throws Exception {
    return running.postJson("/api/v1/policy/versions", json.writeValueAsString(Map.of("policy", policy, "effective", effective.toString(),
        "source", "plenary-next.yaml")), officer);
  }

  /** A person registered with Mail, with a password and a session: their id and the headers of their session. */
  private record Person(String id, String[] session) {}

  private Person person() throws Exception {
    String email = "v." + System.nanoTime() + "@example.org";
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Vera\"},\"password\":\"a long passphrase\"}",
        mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    var s = running.platform.vault().startSession(id);
    return new Person(id, new String[] {"Cookie", "pl_session=" + s.getKey(), "X-CSRF-Token", s.getValue().csrf(), "Content-Type", "application/json"});
  }

  private Person signIn(Person p) {
    var s = running.platform.vault().startSession(p.id());
    return new Person(p.id(), new String[] {"Cookie", "pl_session=" + s.getKey(), "X-CSRF-Token", s.getValue().csrf(), "Content-Type", "application/json"});
  }

  private int read(Person p, String purpose) throws Exception {
    return running.get("/api/v1/subjects/" + p.id() + "?purpose=" + purpose + "&fields=email", "Authorization", "Bearer " + mail).statusCode();
  }

  private HttpResponse<String> consent(Person p, String body) throws Exception {
    return running.send("POST", "/api/v1/me/consents", null, body, p.session());
  }

  private JsonNode versions() throws Exception {
    HttpResponse<String> r = running.get("/api/v1/policy/versions");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("versions");
  }

  @Test
  @Order(1)
  void C36_badInputIsRefusedAndNothingIsStored() throws Exception {
    String broken = PolicyTexts.same(2).replace("    purposes: [provide, communicate, technical, improve, convenience]\n    required: [email, name]",
        "    purposes: [provide, communicate, technical, improve, convenience, nonsense]\n    required: [email, name]");
    HttpResponse<String> invalid = publish(broken, today().plusDays(1));
    assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(422);
    assertThat(json.readTree(invalid.body()).get("type").asText()).isEqualTo("/problems/invalid-policy");
    assertThat(invalid.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    JsonNode problems = json.readTree(invalid.body()).get("problems");
    assertThat(problems).isNotEmpty();
    assertThat(problems.get(0).asText()).matches("plenary-next\\.yaml:\\d+:\\d+: .*nonsense.*");

    HttpResponse<String> past = publish(PolicyTexts.same(2), today().minusDays(1));
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(json.readTree(past.body()).get("field").asText()).isEqualTo("effective");

    HttpResponse<String> notNewer = publish(PolicyTexts.same(1), today().plusDays(1));
    assertThat(notNewer.statusCode()).isEqualTo(400);
    assertThat(json.readTree(notNewer.body()).get("field").asText()).isEqualTo("version");

    assertThat(running.postJson("/api/v1/policy/versions", json.writeValueAsString(Map.of("policy", PolicyTexts.same(2), "effective", "tomorrow")), officer)
        .statusCode()).isEqualTo(400);
    assertThat(running.postJson("/api/v1/policy/versions", json.writeValueAsString(Map.of("policy", PolicyTexts.same(2), "effective",
        today().plusDays(1).toString())), mail).statusCode()).isEqualTo(403);

    assertThat(versions()).singleElement().satisfies(v -> {
      assertThat(v.get("version").asInt()).isEqualTo(1);
      assertThat(v.get("status").asText()).isEqualTo("in-force");
    });
    assertThat(running.get("/api/v1/policy/versions/2").statusCode()).isEqualTo(404);
    assertThat(running.get("/api/v1/policy/versions/two").statusCode()).isEqualTo(404);

    // a consent for an unknown purpose or recipient is a 400 and changes nothing
    Person p = person();
    assertThat(consent(p, "{\"purpose\":\"nonsense\"}").statusCode()).isEqualTo(400);
    assertThat(consent(p, "{\"purpose\":\"develop\",\"recipient\":\"nobody-registered\"}").statusCode()).isEqualTo(400);
    assertThat(running.platform.domain().consents().of(Access.subject(p.id(), null), p.id())).isEmpty();
  }

  @Test
  @Order(2)
  void C24_aPersonConsentsToShareWithARegisteredRecipient() throws Exception {
    String id = "partnerco-" + database;
    assertThat(running.postJson("/api/v1/recipients", "{\"id\":\"" + id + "\",\"kind\":\"third-party\",\"name\":\"Partner Co\"}", officer).statusCode())
        .isEqualTo(201);
    Person p = person();
    HttpResponse<String> given = consent(p, "{\"purpose\":\"develop\",\"recipient\":\"" + id + "\"}");
    assertThat(given.statusCode()).as(given.body()).isEqualTo(201);
    assertThat(json.readTree(given.body()).get("recipient").asText()).isEqualTo(id);
  }

  @Test
  @Order(3)
  void C36_newPurposeIsDeniedUntilReconsentAndTheVersionComesIntoForceOnEveryNodeAtItsDate() throws Exception {
    Person p = person();
    Person q = person();
    assertThat(consent(p, "{\"purpose\":\"develop\"}").statusCode()).isEqualTo(201);
    assertThat(read(p, "develop")).isEqualTo(200);

    if (database.equals("h2")) {
      // the embedded database serves one node only: a second refuses to start, and says why
      assertThatThrownBy(running::secondNode).isInstanceOf(ConfigException.class).hasMessageContaining("serves one node only");
    }
    try (Running.Node other = database.equals("postgresql") ? running.secondNode() : null) {
      HttpResponse<String> published = publish(PolicyTexts.withNewPurpose(2), today().plusDays(1));
      assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
      JsonNode body = json.readTree(published.body());
      assertThat(body.get("version").get("status").asText()).isEqualTo("scheduled");
      assertThat(body.get("diff").get("needs_fresh_consent").toString()).contains("purpose personalise");
      assertThat(body.get("diff").get("changes").toString()).contains("personalise");

      // every version stays readable: as JSON, as the policy file, and in words
      assertThat(versions()).extracting(v -> v.get("status").asText()).containsExactly("in-force", "scheduled");
      HttpResponse<String> two = running.get("/api/v1/policy/versions/2");
      assertThat(json.readTree(two.body()).get("text").asText()).isEqualTo(PolicyTexts.withNewPurpose(2));
      assertThat(running.get("/api/v1/policy/versions/2", "Accept", "text/plain").body()).isEqualTo(PolicyTexts.withNewPurpose(2));
      assertThat(running.get("/api/v1/policy/versions/2/diff", "Accept", "text/plain").body()).contains("A new purpose: Personalising what our services show you");
      assertThat(running.get("/api/v1/policy/versions/2/diff", "Accept", "text/html").body()).contains("Personalising what our services show you")
          .doesNotContain("C36");

      // before its date the version is not in force: the purpose is unknown
      assertThat(read(p, "personalise")).isEqualTo(400);
      clock.advance(Duration.ofDays(1));
      assertThat(running.get("/api/v1/policy").body()).contains("\"version\":2");
      HttpResponse<String> denied = running.get("/api/v1/subjects/" + p.id() + "?purpose=personalise&fields=email", "Authorization", "Bearer " + mail);
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(denied.body()).contains("C36");
      // uses whose terms did not change keep working, on the consent given under version 1
      assertThat(read(p, "provide")).isEqualTo(200);
      assertThat(read(p, "develop")).isEqualTo(200);

      // a person whose browser asks for German reads the change in German and answers it there; the
      // evidence recorded is the hash of the German text they read, which the English one is not
      q = signIn(q);
      String cookie = q.session()[1];
      HttpResponse<String> prompt = running.get("/account/policy-changes", "Cookie", cookie, "Accept-Language", "de-DE,de;q=0.9,en;q=0.5");
      assertThat(prompt.statusCode()).isEqualTo(200);
      assertThat(prompt.body()).contains("<html lang=\"de\"", "Unsere Datenschutzerklärung hat sich geändert", "Ein neuer Zweck", "Meine Antwort speichern")
          .doesNotContain("A new purpose");
      Matcher shown = Pattern.compile("name=\"shown\" value=\"([0-9a-f]{64})\"").matcher(prompt.body());
      assertThat(shown.find()).isTrue();
      Access asQ = Access.subject(q.id(), null);
      assertThat(shown.group(1)).isEqualTo(running.platform.domain().versions().promptFor(asQ, q.id(), Texts.of(Locale.GERMAN)).orElseThrow().textSha256())
          .isNotEqualTo(running.platform.domain().versions().promptFor(asQ, q.id()).orElseThrow().textSha256());
      HttpResponse<String> answered = running.send("POST", "/account/policy-changes", "application/x-www-form-urlencoded",
          "csrf=" + q.session()[3] + "&shown=" + shown.group(1) + "&purpose=personalise&answer=agree", "Cookie", cookie, "Accept-Language", "de");
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(303);
      assertThat(read(q, "personalise")).isEqualTo(200);
      assertThat(running.platform.domain().versions().promptFor(asQ, q.id())).isEmpty();
      // the policy's own pages in German too
      assertThat(running.get("/policy", "Accept-Language", "de").body()).contains("Unsere Datenschutzerklärung", "Fassung 2", "in Kraft", "E-Mail-Adresse");
      assertThat(running.get("/api/v1/policy/versions/2/diff", "Accept", "text/html", "Accept-Language", "de").body()).contains("Was sich in dieser Fassung geändert hat");

      p = signIn(p); // a day later: their session of yesterday has ended
      HttpResponse<String> given = consent(p, "{\"purpose\":\"personalise\"}");
      assertThat(given.statusCode()).as(given.body()).isEqualTo(201);
      assertThat(json.readTree(given.body()).get("policy_version").asInt()).isEqualTo(2);
      assertThat(read(p, "personalise")).isEqualTo(200);
      JsonNode answer = json.readTree(running.get("/api/v1/me/consents", p.session()).body());
      JsonNode consents = answer.isArray() ? answer : answer.get("consents");
      List<String> bound = new ArrayList<>();
      consents.forEach(c -> bound.add(c.get("purpose").asText() + "@" + c.get("policy_version").asInt()));
      assertThat(bound).containsExactlyInAnyOrder("develop@1", "personalise@2");

      if (other == null) {
        return;
      }
      // the other node, started before the version was published, enforces it too, without a restart
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      int seen = 0;
      while (System.nanoTime() < deadline && seen != 200) {
        seen = running.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other.server().port() + "/api/v1/subjects/" + p.id()
            + "?purpose=personalise&fields=email")).header("Authorization", "Bearer " + mail).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        Thread.sleep(200);
      }
      assertThat(seen).isEqualTo(200);
      assertThat(other.platform().policy().version()).isEqualTo(2);
    }
  }

  @Test
  @Order(4)
  void C36_aVersionThatRemovesAPurposeStopsItsUseAtOnce() throws Exception {
    Person p = person();
    assertThat(consent(p, "{\"purpose\":\"personalise\"}").statusCode()).isEqualTo(201);
    assertThat(read(p, "personalise")).isEqualTo(200);
    HttpResponse<String> published = publish(PolicyTexts.same(3), today());
    assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
    assertThat(json.readTree(published.body()).get("version").get("status").asText()).isEqualTo("in-force");
    HttpResponse<String> stopped = running.get("/api/v1/subjects/" + p.id() + "?purpose=personalise&fields=email", "Authorization", "Bearer " + mail);
    assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(403);
    assertThat(stopped.body()).contains("purpose-removed").contains("C36");
    assertThat(read(p, "provide")).isEqualTo(200);
  }

  private long notices(String subjectId) {
    return running.platform.domain().messages().mailbox(Access.system("test"), subjectId, 100).messages().stream()
        .filter(m -> m.service().equals("account") && m.kind().equals("service")).count();
  }

  private void awaitNotified(int version) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode v : versions()) {
        if (v.get("version").asInt() == version && !v.get("notified_at").isNull()) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("version " + version + " was not notified: " + versions());
  }

  @Test
  @Order(5)
  void C36_everyoneRegisteredIsToldOnceEvenAcrossARestart() throws Exception {
    awaitNotified(3);
    List<Person> people = List.of(person(), person(), person());
    people.forEach(p -> assertThat(notices(p.id())).isZero());
    // the server stops; version 4 is published as the command line does, and its notice is cut short after one person
    running.server.stop();
    running.platform.domain().versions().publish(Access.system("cli"), PolicyTexts.same(4), "plenary-v4.yaml", today());
    int toldBefore = running.platform.domain().versions().notifyPending(1);
    assertThat(toldBefore).isLessThanOrEqualTo(1);
    // as if the process died after queuing a message and before recording how far it had gone
    running.platform.domain().messages().noticeOnce(people.get(1).id(), Kind.SERVICE, "Our privacy policy is changing",
        "body", "test", "policy-version-4\n" + people.get(1).id());
    running.restart();
    awaitNotified(4);
    for (Person p : people) {
      assertThat(notices(p.id())).as("notices to %s", p.id()).isEqualTo(1);
    }
    // a further run, or a further restart, tells nobody again
    assertThat(running.platform.domain().versions().notifyAll(100)).isZero();
    running.restart();
    Thread.sleep(1500);
    for (Person p : people) {
      assertThat(notices(p.id())).isEqualTo(1);
    }
  }

  @Test
  @Order(6)
  void C36_twoNoticeRunsAtOnceAndThenARestartTellEachPersonOnce() throws Exception {
    awaitNotified(4);
    List<Person> people = List.of(person(), person(), person(), person(), person());
    running.server.stop();
    running.platform.domain().versions().publish(Access.system("cli"), PolicyTexts.same(5), "plenary-v5.yaml", today());
    // two nodes' runs over the same database at once, in groups of two: the people's locks order them, the keys dedupe them
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> runs = List.of(nodes.submit(() -> running.platform.domain().versions().notifyAll(2)),
          nodes.submit(() -> running.platform.domain().versions().notifyAll(2)));
      for (Future<Integer> run : runs) {
        assertThat(run.get(60, TimeUnit.SECONDS)).isNotNegative();
      }
    } finally {
      nodes.shutdownNow();
    }
    for (Person p : people) {
      assertThat(notices(p.id())).as("notices to %s", p.id()).isEqualTo(1);
    }
    running.restart();
    awaitNotified(5);
    assertThat(running.platform.domain().versions().notifyAll(100)).isZero();
    for (Person p : people) {
      assertThat(notices(p.id())).as("notices to %s after the restart", p.id()).isEqualTo(1);
    }
  }
}
