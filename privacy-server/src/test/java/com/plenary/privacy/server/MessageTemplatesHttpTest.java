package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Message templates, named audiences and the per-service rate limit of the message gateway (C16),
 * through real HTTP on a real server, on H2 and PostgreSQL, delivering to the mail drop folder.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MessageTemplatesHttpTest {
  /** The per-service limit of this server; only the mail service's test comes near it. */
  private static final int PER_MINUTE = 30;
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private Callers callers;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database, Map.of("mail.rate.per_service_per_minute", String.valueOf(PER_MINUTE)));
    callers = new Callers(running);
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private HttpResponse<String> send(Callers.Credential as, String method, String path, Object body) throws Exception {
    return callers.send(as, method, path, body == null ? null : json.writeValueAsString(body));
  }

  private JsonNode defineTemplate(String name, String kind, String purpose, String subject, String body) throws Exception {
    HttpResponse<String> r = send(callers.staff.get("privacy-officer"), "POST", "/api/v1/message-templates",
        Map.of("name", name, "kind", kind, "purpose", purpose, "subject", subject, "body", body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body());
  }

  private int outboxSize() {
    return running.platform.domain().messages().newest(null, 1_000_000).size();
  }

  private String dropped(String messageId) throws Exception {
    Path file = running.dir.resolve("mail-drop").resolve(messageId + ".eml");
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Files.exists(file) && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  @Test
  void C16_aTemplateVariableThatNamesAFieldThePurposeMayNotReadIsRefusedAndNothingIsQueued() throws Exception {
    String name = "where-" + System.nanoTime();
    defineTemplate(name, "service", "provide", "About your delivery", "We will come to {{address}}.");
    Callers.Person p = callers.person();
    int before = outboxSize();
    HttpResponse<String> r = send(callers.owner, "POST", "/api/v1/messages/from-template", Map.of("subject_id", p.id(), "template", name));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
    assertThat(json.readTree(r.body()).get("detail").asText()).contains("{{address}}").doesNotContain("Test Road");
    HttpResponse<String> bulk = send(callers.owner, "POST", "/api/v1/messages/bulk/from-template", Map.of("subject_ids", List.of(p.id()), "template", name));
    assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(400);
    assertThat(outboxSize()).isEqualTo(before);
  }

  @Test
  void C16_aTemplateIsFilledWithTheCallersVariablesAndThePersonsFieldAtSendTimeAndIsVersioned() throws Exception {
    String name = "shipped-" + System.nanoTime();
    JsonNode v1 = defineTemplate(name, "transactional", "provide", "Order {{order}} has shipped", "Dear {{name}}, order {{order}} arrives {{day}}.");
    assertThat(v1.get("version").asInt()).isEqualTo(1);
    assertThat(v1.get("variables").toString()).isEqualTo("[\"order\",\"day\"]");
    assertThat(v1.get("fields").toString()).isEqualTo("[\"name\"]");
    JsonNode v2 = defineTemplate(name, "transactional", "provide", "Order {{order}} is on its way", "Hello {{name}}: {{order}} comes {{day}}.");
    assertThat(v2.get("version").asInt()).isEqualTo(2);
    HttpResponse<String> listed = send(callers.owner, "GET", "/api/v1/message-templates", null);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.body()).contains("\"name\":\"" + name + "\",\"version\":2");

    Callers.Person p = callers.person();
    HttpResponse<String> r = send(callers.owner, "POST", "/api/v1/messages/from-template",
        Map.of("subject_id", p.id(), "template", name, "template_version", 1, "variables", Map.of("order", "A-1001", "day", "on Tuesday")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String eml = dropped(json.readTree(r.body()).get("id").asText());
    assertThat(eml).contains("Subject: Order A-1001 has shipped").contains("Dear Person ").contains("order A-1001 arrives on Tuesday.")
        .doesNotContain("{{");

    HttpResponse<String> newest = send(callers.owner, "POST", "/api/v1/messages/from-template",
        Map.of("subject_id", p.id(), "template", name, "variables", Map.of("order", "A-1002", "day", "soon")));
    assertThat(dropped(json.readTree(newest.body()).get("id").asText())).contains("Subject: Order A-1002 is on its way").contains("Hello Person ");
  }

  @Test
  void C16_aMessageFromATemplateRefusesBadInputNamingTheFieldAndQueuesNothing() throws Exception {
    String name = "receipt-" + System.nanoTime();
    defineTemplate(name, "transactional", "provide", "Receipt {{order}}", "Thanks for {{order}}.");
    Callers.Person p = callers.person();
    int before = outboxSize();
    Map<String, Map<String, Object>> bad = Map.of(
        "variables.order", Map.of("subject_id", p.id(), "template", name),
        "variables.colour", Map.of("subject_id", p.id(), "template", name, "variables", Map.of("order", "1", "colour", "red")),
        "variables.name", Map.of("subject_id", p.id(), "template", name, "variables", Map.of("order", "1", "name", "Mallory")),
        "subject", Map.of("subject_id", p.id(), "template", name, "subject", "Hi", "variables", Map.of("order", "1")));
    for (Map.Entry<String, Map<String, Object>> e : bad.entrySet()) {
      HttpResponse<String> r = send(callers.owner, "POST", "/api/v1/messages/from-template", e.getValue());
      assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(400);
      assertThat(json.readTree(r.body()).get("field").asText()).as(r.body()).isEqualTo(e.getKey());
    }
    // a plain message holds no variables: its text would otherwise be filled from the vault
    HttpResponse<String> plain = send(callers.owner, "POST", "/api/v1/messages",
        Map.of("subject_id", p.id(), "kind", "service", "purpose", "provide", "subject", "Hi", "body", "Dear {{name}}"));
    assertThat(plain.statusCode()).isEqualTo(400);
    assertThat(json.readTree(plain.body()).get("field").asText()).isEqualTo("body");
    assertThat(send(callers.owner, "POST", "/api/v1/messages/from-template", Map.of("subject_id", p.id(), "template", "no-such-template")).statusCode())
        .isEqualTo(404);
    HttpResponse<String> injected = send(callers.owner, "POST", "/api/v1/messages/from-template",
        Map.of("subject_id", p.id(), "template", name, "variables", Map.of("order", "1\r\nBcc: someone@example.org")));
    assertThat(injected.statusCode()).isEqualTo(400);
    assertThat(json.readTree(injected.body()).get("field").asText()).isEqualTo("subject");
    // only the privacy officer defines templates
    assertThat(send(callers.owner, "POST", "/api/v1/message-templates",
        Map.of("name", "x", "kind", "service", "purpose", "provide", "subject", "s", "body", "b")).statusCode()).isEqualTo(403);
    assertThat(outboxSize()).isEqualTo(before);
  }

  @Test
  void C16_aNamedAudienceKeepsOnlyTheCallersPeopleAndABulkSendToItDecidesEachMember() throws Exception {
    Callers.Person a = callers.person();
    Callers.Person b = callers.person();
    Callers.Person suppressed = callers.person();
    running.platform.domain().messages().suppress(Access.service("shop", null), suppressed.id(), "complaint");
    HttpResponse<String> other = send(callers.otherService, "POST", "/api/v1/subjects",
        Map.of("fields", Map.of("email", "elsewhere" + System.nanoTime() + "@example.org", "name", "Eve")));
    String elsewhere = json.readTree(other.body()).get("id").asText();
    String audience = "regulars-" + System.nanoTime();
    HttpResponse<String> saved = send(callers.owner, "POST", "/api/v1/audiences",
        Map.of("name", audience, "subject_ids", List.of(a.id(), b.id(), suppressed.id(), elsewhere, "s-00000000-0000-0000-0000-000000000000")));
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(201);
    assertThat(json.readTree(saved.body()).get("members").asInt()).isEqualTo(3);
    assertThat(json.readTree(saved.body()).get("left_out").asInt()).isEqualTo(2);
    assertThat(saved.body()).doesNotContain(elsewhere);
    assertThat(send(callers.owner, "GET", "/api/v1/audiences", null).body()).contains("{\"name\":\"" + audience + "\",\"members\":3");
    // another service sees none of it
    assertThat(send(callers.otherService, "GET", "/api/v1/audiences", null).body()).doesNotContain(audience);

    HttpResponse<String> sent = send(callers.owner, "POST", "/api/v1/messages/audience",
        Map.of("audience", audience, "kind", "service", "purpose", "provide", "subject", "News", "body", "Hello."));
    assertThat(sent.statusCode()).as(sent.body()).isEqualTo(202);
    assertThat(json.readTree(sent.body()).get("queued").asInt()).isEqualTo(2);
    assertThat(json.readTree(sent.body()).get("refused").get("suppression-list").asInt()).isEqualTo(1);
    HttpResponse<String> unknown = send(callers.otherService, "POST", "/api/v1/messages/audience",
        Map.of("audience", audience, "kind", "service", "purpose", "provide", "subject", "News", "body", "Hello."));
    assertThat(unknown.statusCode()).isEqualTo(404);
  }

  @Test
  void C16_theServiceRateLimitHoldsAcrossConcurrentSendsAndIsCountedInBulk() throws Exception {
    // the mail service sends nothing else in this class
    List<String> people = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      HttpResponse<String> r = send(callers.otherService, "POST", "/api/v1/subjects",
          Map.of("fields", Map.of("email", "rate" + i + "-" + System.nanoTime() + "@example.org", "name", "Rae")));
      people.add(json.readTree(r.body()).get("id").asText());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    for (String id : people.subList(0, 36)) {
      Callable<HttpResponse<String>> one = () -> {
        go.await();
        return send(callers.otherService, "POST", "/api/v1/messages",
            Map.of("subject_id", id, "kind", "transactional", "purpose", "provide", "subject", "Receipt", "body", "Thanks."));
      };
      answers.add(pool.submit(one));
    }
    go.countDown();
    Map<Integer, Integer> statuses = new HashMap<>();
    for (Future<HttpResponse<String>> f : answers) {
      HttpResponse<String> r = f.get();
      statuses.merge(r.statusCode(), 1, Integer::sum);
      if (r.statusCode() == 403) {
        assertThat(json.readTree(r.body()).get("rules").toString()).contains("service-rate-limit");
        assertThat(json.readTree(r.body()).get("clauses").toString()).contains("C16");
      }
    }
    pool.shutdown();
    assertThat(statuses).containsOnly(Map.entry(202, PER_MINUTE), Map.entry(403, 36 - PER_MINUTE));
    HttpResponse<String> bulk = send(callers.otherService, "POST", "/api/v1/messages/bulk",
        Map.of("subject_ids", people.subList(36, 40), "kind", "transactional", "purpose", "provide", "subject", "Receipt", "body", "Thanks."));
    assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(202);
    assertThat(json.readTree(bulk.body()).get("queued").asInt()).isZero();
    assertThat(json.readTree(bulk.body()).get("refused").get("service-rate-limit").asInt()).isEqualTo(4);
  }

}
