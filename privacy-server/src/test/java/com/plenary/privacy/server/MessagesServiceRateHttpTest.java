package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.MutableClock;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The per-service rate limit (C16) over bulk sends of more than one group (a thousand people a
 * transaction), through real HTTP on a real server, on H2 and PostgreSQL: the limit holds across the
 * groups of one send and across concurrent sends of one service, without the groups waiting on each
 * other for the service's rate (they used to hold its lock until they committed, so a slow group made
 * the others time out and a bulk send answered 500), and what a group took and did not queue is given back.
 * Each test begins a minute of its own, on the platform's clock moved by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MessagesServiceRateHttpTest {
  /** The per-service limit of this server: more than one group, less than two. */
  private static final int PER_MINUTE = 1_200;
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private MutableClock clock;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    clock = MutableClock.startingNow();
    running = Running.on(database, Map.of("mail.rate.per_service_per_minute", String.valueOf(PER_MINUTE)), clock);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  /** The shop's key, in a minute of its own: the minutes of the tests before have passed. */
  private String shopInANewMinute() {
    clock.advance(Duration.ofMinutes(2));
    return shop;
  }

  /** Registers {@code n} people with the service of {@code key} (each visible to it), none opted in to marketing. */
  private List<String> register(int n, String key) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String body = json.writeValueAsString(Map.of("fields", Map.of("email", "rate" + System.nanoTime() + "@example.org", "name", "Ada", "address", "1 Analytical Way")));
      HttpResponse<String> r = running.postJson("/api/v1/subjects", body, key);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      ids.add(json.readTree(r.body()).get("id").asText());
    }
    return ids;
  }

  private HttpResponse<String> bulk(List<String> ids, String kind, String purpose, String key) throws Exception {
    return bulk(ids, kind, purpose, key, null);
  }

  private HttpResponse<String> bulk(List<String> ids, String kind, String purpose, String key, String idempotencyKey) throws Exception {
    Map<String, Object> body = new HashMap<>(Map.of("subject_ids", ids, "kind", kind, "purpose", purpose, "subject", "Your receipt", "body", "Thanks."));
    if (idempotencyKey != null) {
      body.put("idempotency_key", idempotencyKey);
    }
    return running.postJson("/api/v1/messages/bulk", json.writeValueAsString(body), key);
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** What the shop has taken of its minute, as the database counts it. */
  private long shopRateUsed() throws Exception {
    return running.platform.store().rateWindows().used("m" + sha256("shop"), Duration.ofMinutes(1), clock.instant());
  }

  private long queuedFor(List<String> people) {
    Set<String> those = new HashSet<>(people);
    return running.platform.domain().messages().newest(null, 1_000_000).stream().filter(e -> those.contains(e.subjectId())).count();
  }

  @Test
  void C16_aBulkSendOfMoreThanOneGroupQueuesExactlyTheServiceLimitAndRefusesTheRestByTheRate() throws Exception {
    String key = shopInANewMinute();
    List<String> people = register(1_500, key);
    HttpResponse<String> r = bulk(people, "transactional", "provide", key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode b = json.readTree(r.body());
    assertThat(b.get("queued").asInt()).isEqualTo(PER_MINUTE);
    assertThat(b.get("refused").get("service-rate-limit").asInt()).isEqualTo(1_500 - PER_MINUTE);
    assertThat(b.get("refused").size()).isEqualTo(1);
    assertThat(queuedFor(people)).isEqualTo(PER_MINUTE);
    assertThat(shopRateUsed()).isEqualTo(PER_MINUTE);
    // the minute is spent: one more is refused, by the rate, naming its clause
    HttpResponse<String> more = bulk(people.subList(0, 1), "transactional", "provide", key);
    assertThat(more.statusCode()).as(more.body()).isEqualTo(202);
    assertThat(json.readTree(more.body()).get("refused").get("service-rate-limit").asInt()).isEqualTo(1);
    assertThat(queuedFor(people)).isEqualTo(PER_MINUTE);
  }

  @Test
  void C16_concurrentBulkSendsOfOneServiceTogetherNeverPassTheLimitAndNoneFails() throws Exception {
    String key = shopInANewMinute();
    List<String> people = register(2 * 1_100, key);
    List<List<String>> sends = List.of(people.subList(0, 1_100), people.subList(1_100, 2_200));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    for (List<String> those : sends) {
      Callable<HttpResponse<String>> one = () -> {
        go.await();
        return bulk(those, "transactional", "provide", key);
      };
      answers.add(pool.submit(one));
    }
    go.countDown();
    int queued = 0;
    int refused = 0;
    for (Future<HttpResponse<String>> f : answers) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      JsonNode b = json.readTree(r.body());
      queued += b.get("queued").asInt();
      refused += b.path("refused").path("service-rate-limit").asInt();
      assertThat(b.get("refused").size()).as(r.body()).isLessThanOrEqualTo(1);
    }
    pool.shutdown();
    assertThat(queued).isEqualTo(PER_MINUTE);
    assertThat(refused).isEqualTo(2_200 - PER_MINUTE);
    assertThat(queuedFor(people)).isEqualTo(PER_MINUTE);
    assertThat(shopRateUsed()).isEqualTo(PER_MINUTE);
  }

  @Test
  void C16_whatABulkSendTookOfTheServiceRateAndDidNotQueueIsGivenBack() throws Exception {
    String key = shopInANewMinute();
    List<String> people = register(1_100, key);
    // marketing to people who never opted in: each counts against the rate until the engine refuses them
    HttpResponse<String> marketing = bulk(people, "marketing", "communicate.marketing", key);
    assertThat(marketing.statusCode()).as(marketing.body()).isEqualTo(202);
    JsonNode m = json.readTree(marketing.body());
    assertThat(m.get("queued").asInt()).isZero();
    assertThat(m.get("refused").has("service-rate-limit")).as(marketing.body()).isFalse();
    assertThat(m.get("refused").get("marketing-needs-opt-in").asInt()).as(marketing.body()).isEqualTo(1_100);
    // none of it was kept: the whole minute is still the service's
    assertThat(shopRateUsed()).isZero();
    HttpResponse<String> r = bulk(people, "transactional", "provide", key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(json.readTree(r.body()).get("queued").asInt()).as(r.body()).isEqualTo(1_100);
    HttpResponse<String> over = bulk(people.subList(0, 101), "transactional", "provide", key);
    JsonNode o = json.readTree(over.body());
    assertThat(o.get("queued").asInt()).as(over.body()).isEqualTo(PER_MINUTE - 1_100);
    assertThat(o.get("refused").get("service-rate-limit").asInt()).isEqualTo(1);
  }

  @Test
  void C16_aGroupWaitingInItsTransactionHoldsNoLockOnTheServiceRateAndAGroupThatFailsGivesItsRateBack() throws Exception {
    String key = shopInANewMinute();
    List<String> people = register(1_100 + 2, key);
    List<String> named = List.copyOf(new TreeSet<>(people.subList(0, 1_100)));
    List<String> firstGroup = named.subList(0, 1_000);
    String held = named.get(1_050);
    String bystander = people.get(1_100);
    String alone = people.get(1_101);
    String idempotencyKey = "rate-held-" + System.nanoTime();
    // another transaction writes, and holds uncommitted, the shop's message under the key the second group will give one of its
    // people: the second group waits on that row in its transaction (and, once it is committed, fails on it)
    ExecutorService background = Executors.newFixedThreadPool(3);
    CountDownLatch written = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<Object> holder = background.submit(() -> running.platform.vault().storage().inTransaction(w -> {
      w.messages().addAll(List.of(new MessageRecords.Queued("msg-" + UUID.randomUUID(), bystander, "shop", "transactional", "provide",
          sha256Unchecked(idempotencyKey + "\n" + held), "Held", "Held.", clock.instant())), clock.instant());
      written.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return null;
    }));
    try {
      assertThat(written.await(30, TimeUnit.SECONDS)).isTrue();
      Future<HttpResponse<String>> sent = background.submit(() -> bulk(named, "transactional", "provide", key, idempotencyKey));
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (queuedFor(firstGroup) < firstGroup.size() && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      assertThat(queuedFor(firstGroup)).as("the first group queued while the second waits").isEqualTo(firstGroup.size());
      Thread.sleep(500);
      if (database.equals("postgresql")) {
        // (H2 gives up on the row after its lock timeout of two seconds: there the second group has failed by now)
        assertThat(sent.isDone()).as("the second group still waits").isFalse();
      }
      // the shop sends a message of its own while the second group waits: the service's rate is not locked by that group
      long start = System.nanoTime();
      HttpResponse<String> single;
      try {
        single = background.submit(() -> running.postJson("/api/v1/messages", json.writeValueAsString(
            Map.of("subject_id", alone, "kind", "transactional", "purpose", "provide", "subject", "Receipt", "body", "Thanks.")), key))
            .get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("a single send of the shop waited on the rate while a group of its bulk send waited in its transaction", e);
      }
      assertThat(single.statusCode()).as(single.body()).isEqualTo(202);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      release.countDown();
      holder.get(30, TimeUnit.SECONDS);
      HttpResponse<String> answer = sent.get(60, TimeUnit.SECONDS);
      assertThat(answer.statusCode()).as(answer.body()).isNotEqualTo(202);
      assertThat(answer.body()).doesNotContain(held).doesNotContain("example.org");
    } finally {
      release.countDown();
      background.shutdown();
    }
    // the second group queued nothing and gave back all it took: the first group's thousand and the single send are the minute's
    assertThat(queuedFor(named.subList(1_000, 1_100))).isZero();
    assertThat(shopRateUsed()).isEqualTo(firstGroup.size() + 1);
  }

  private static String sha256Unchecked(String text) {
    try {
      return sha256(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
