package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.store.AuditLog;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bulk sends (C16) through real HTTP on a real server, on H2 and PostgreSQL: a bulk send is decided
 * set-wise, a thousand people a transaction, and still refuses each person by the rule that applies,
 * audits each person once, holds the marketing limit under concurrent bulk sends and queues nothing
 * twice for a repeated idempotency key. Delivery (to the embedded mail drop here) is tested beside
 * the single sends in {@link MessagesHttpTest}; this test looks at what was queued.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MessagesBulkHttpTest {
  private static final String SHOWN = "a".repeat(64);
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String shop;
  private String mail;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  /** Registers {@code n} people with the shop; {@code optedIn} gives the marketing opt-in at registration, with the text shown (C19). */
  private List<String> register(int n, boolean optedIn) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, Object> body = new HashMap<>();
      body.put("fields", Map.of("email", "bulk" + System.nanoTime() + "@example.org", "name", "Ada", "address", "1 Analytical Way"));
      if (optedIn) {
        body.put("consents", List.of(Map.of("purpose", "communicate.marketing", "shown_sha256", SHOWN)));
      }
      HttpResponse<String> r = running.postJson("/api/v1/subjects", json.writeValueAsString(body), shop);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      ids.add(json.readTree(r.body()).get("id").asText());
    }
    return ids;
  }

  private HttpResponse<String> bulk(List<String> ids, String kind, String purpose, String key) throws Exception {
    Map<String, Object> body = new HashMap<>(Map.of("subject_ids", ids, "kind", kind, "purpose", purpose, "subject", "Our news", "body", "Warm socks."));
    if (key != null) {
      body.put("idempotency_key", key);
    }
    return running.postJson("/api/v1/messages/bulk", json.writeValueAsString(body), shop);
  }

  private long queuedFor(String subjectId) {
    return running.platform.domain().messages().newest(null, 1_000_000).stream().filter(e -> e.subjectId().equals(subjectId)).count();
  }

  private List<AuditLog.Entry> messageDecisions(String subjectId) {
    return running.platform.store().audit().about(subjectId, 1_000).stream().filter(e -> e.action().equals("message")).toList();
  }

  @Test
  void C16_aBulkSendDecidesEachPersonCountsRefusalsByRuleAndAuditsEachPersonOnce() throws Exception {
    // more people than one transaction of a bulk send takes, so that groups meet
    List<String> people = register(1_050, false);
    List<String> suppressed = people.subList(0, 3);
    List<String> unsubscribed = people.subList(1_020, 1_022);
    Access operator = Access.service("shop", null);
    suppressed.forEach(id -> running.platform.domain().messages().suppress(operator, id, "complaint"));
    unsubscribed.forEach(id -> running.platform.domain().messages().unsubscribe(id, Kind.SERVICE, null));
    String elsewhere = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"m" + System.nanoTime() + "@example.org\",\"name\":\"Bo\"}}", mail).body();
    String strangerId = json.readTree(elsewhere).get("id").asText();
    List<String> named = new ArrayList<>(people);
    named.add(strangerId);
    named.add("s-00000000-0000-0000-0000-000000000000");
    named.add(people.get(5)); // named twice, sent once

    HttpResponse<String> r = bulk(named, "service", "provide", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode b = json.readTree(r.body());
    assertThat(b.get("queued").asInt()).isEqualTo(1_050 - 3 - 2);
    assertThat(b.get("refused").get("suppression-list").asInt()).isEqualTo(3);
    assertThat(b.get("refused").get("no-message-after-unsubscribe").asInt()).isEqualTo(2);
    assertThat(b.get("refused").get("not-visible").asInt()).isEqualTo(2);
    assertThat(b.get("refused").size()).isEqualTo(3);
    assertThat(r.body()).doesNotContain(people.get(0)).doesNotContain("example.org");

    for (String id : people) {
      List<AuditLog.Entry> decisions = messageDecisions(id);
      assertThat(decisions).as("the audit entries of one person's message").hasSize(1);
      AuditLog.Entry d = decisions.get(0);
      if (suppressed.contains(id)) {
        assertThat(d.effect()).isEqualTo("deny");
        assertThat(d.rules()).containsExactly("suppression-list");
        assertThat(queuedFor(id)).isZero();
      } else if (unsubscribed.contains(id)) {
        assertThat(d.effect()).isEqualTo("deny");
        assertThat(d.rules()).containsExactly("no-message-after-unsubscribe");
      } else {
        assertThat(d.effect()).isEqualTo("permit");
        assertThat(d.rules()).contains("service-messages");
        assertThat(d.categories()).containsExactly("user.contact.email");
      }
    }
    assertThat(messageDecisions(strangerId)).singleElement().satisfies(d -> {
      assertThat(d.effect()).isEqualTo("deny");
      assertThat(d.rules()).containsExactly("not-visible");
    });
    Set<String> outbox = running.platform.domain().messages().newest(null, 1_000_000).stream()
        .map(MessageRecords.Entry::subjectId).filter(people::contains).collect(Collectors.toSet());
    assertThat(outbox).hasSize(1_045);
    assertThat(queuedFor(people.get(5))).isEqualTo(1);
    assertThat(queuedFor(strangerId)).isZero();
  }

  @Test
  void C16_marketingInBulkNeedsTheOptInAndTheLimitHoldsUnderConcurrentBulkSends() throws Exception {
    List<String> in = register(3, true);
    List<String> out = register(2, false);
    List<String> all = new ArrayList<>(in);
    all.addAll(out);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Callable<HttpResponse<String>> send = () -> {
        go.await();
        return bulk(all, "marketing", "communicate.marketing", null);
      };
      answers.add(pool.submit(send));
    }
    go.countDown();
    Map<String, Integer> refused = new HashMap<>();
    int queued = 0;
    for (Future<HttpResponse<String>> f : answers) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      JsonNode b = json.readTree(r.body());
      queued += b.get("queued").asInt();
      b.get("refused").properties().forEach(e -> refused.merge(e.getKey(), e.getValue().asInt(), Integer::sum));
    }
    pool.shutdown();
    // at most two marketing messages a person a week: three people, two each, however the sends interleave
    assertThat(queued).isEqualTo(6);
    assertThat(refused).containsOnly(Map.entry("marketing-rate-limit", threads * 3 - 6), Map.entry("marketing-needs-opt-in", threads * 2));
    in.forEach(id -> assertThat(queuedFor(id)).isEqualTo(2));
    out.forEach(id -> assertThat(queuedFor(id)).isZero());
    in.forEach(id -> assertThat(messageDecisions(id)).hasSize(threads));
  }

  @Test
  void C16_aRepeatedBulkSendWithTheSameIdempotencyKeyQueuesNothingTwice() throws Exception {
    List<String> people = register(20, false);
    String key = "notice-" + System.nanoTime();
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Callable<HttpResponse<String>> send = () -> {
        go.await();
        return bulk(people, "service", "provide", key);
      };
      answers.add(pool.submit(send));
    }
    go.countDown();
    int queued = 0;
    for (Future<HttpResponse<String>> f : answers) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      assertThat(json.readTree(r.body()).get("refused").size()).isZero();
      queued += json.readTree(r.body()).get("queued").asInt();
    }
    pool.shutdown();
    assertThat(queued).isEqualTo(20);
    people.forEach(id -> assertThat(queuedFor(id)).isEqualTo(1));
    HttpResponse<String> again = bulk(people, "service", "provide", key);
    assertThat(json.readTree(again.body()).get("queued").asInt()).isZero();
    // the same key for another message is refused, and queues nothing
    HttpResponse<String> other = bulk(people, "transactional", "provide", key);
    assertThat(json.readTree(other.body()).get("refused").get("idempotency-key-reused").asInt()).isEqualTo(20);
    people.forEach(id -> assertThat(queuedFor(id)).isEqualTo(1));
  }
}
