package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.KafkaBroker;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code collector.sink: kafka} over real HTTP: a beacon is answered 2xx only after the broker's
 * acknowledgement, the node's consumer puts it in PostgreSQL exactly once, a broker that does not
 * acknowledge in time makes it a 503 problem, and the group's lag is in {@code /metrics}. Service and
 * partner batches go through the broker too, all of a batch or none; and a node whose broker cannot
 * be reached says it is not ready.
 */
class KafkaCollectorTest {
  private static KafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = KafkaBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Running node(String ackTimeout) throws Exception {
    return node(ackTimeout, Map.of());
  }

  private static Running node(String ackTimeout, Map<String, String> extra) throws Exception {
    String name = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new HashMap<>(Map.of("collector.sink", "kafka", "kafka.bootstrap_servers", broker.bootstrapServers(),
        "kafka.topic", "collect-" + name, "kafka.group_id", "ingest-" + name, "kafka.ack_timeout", ackTimeout));
    settings.putAll(extra);
    return Running.on("postgresql", settings);
  }

  private static CompletableFuture<HttpResponse<String>> beacon(Running running, String requestId, int browser) {
    return running.http.sendAsync(HttpRequest.newBuilder(running.uri("/collect")).header("Content-Type", "text/plain").header("X-Request-Id", requestId)
        .header("Cookie", "pl_bid=KKKKKKKKKKKKKKKKKKKKK" + (browser % 10) + "; pl_consent=v1.p1.a1")
        .POST(HttpRequest.BodyPublishers.ofString("{\"page\":\"https://shop.example/kafka\"}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Rows per request id in the node's database. */
  private static Map<String, Integer> rowsByRequest(Running running) throws Exception {
    Map<String, Integer> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection(running.platform.config().databaseUrl(), running.platform.config().databaseUser(), "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT request_id, COUNT(*) FROM usage_event GROUP BY request_id")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    }
    return out;
  }

  @Test
  void C7_aBeaconAcknowledgedByTheBrokerIsInTheDatabaseOnce() throws Exception {
    try (Running running = node("PT5S")) {
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String id = "kc-" + i;
        all.add(beacon(running, id, i).thenApply(r -> {
          if (r.statusCode() == 204 && "yes".equals(r.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
            acknowledged.add(id);
          }
          return r;
        }));
      }
      for (var f : all) {
        assertThat(f.get().statusCode()).isEqualTo(204);
      }
      assertThat(acknowledged).hasSize(100);
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (rowsByRequest(running).size() < 100 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      Map<String, Integer> rows = rowsByRequest(running);
      assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
      assertThat(rows.values()).allMatch(n -> n == 1);
      String metrics = running.get("/metrics").body();
      assertThat(metrics).contains("plenary_kafka_consumer_lag").contains("plenary_kafka_ingested_events_total");
    }
  }

  @Test
  void C7_aBrokerThatDoesNotAcknowledgeInTimeMakesA503Problem() throws Exception {
    try (Running running = node("PT1S")) {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (beacon(running, "kc-first", 1).get().statusCode() != 204) {
        assertThat(System.nanoTime()).as("a first beacon is acknowledged once the topic exists").isLessThan(deadline);
      }
      assertThat(beacon(running, "kc-second", 1).get().statusCode()).isEqualTo(204);
      broker.kill();
      try {
        HttpResponse<String> r = beacon(running, "kc-down", 2).get();
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.headers().firstValue("X-Plenary-Recorded")).isEmpty();
        assertThat(r.body()).contains("not recorded").doesNotContain("shop.example");
      } finally {
        broker.restart();
      }
    }
  }

  @Test
  void C7_beaconsBeyondTheCapacityWaitingForTheBrokerAre503AndEveryAcknowledgedOneIsStoredOnce() throws Exception {
    try (Running running = node("PT5S", Map.of("collector.queue_capacity", "1"))) {
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (beacon(running, "kc-warm", 1).get().statusCode() != 204) {
        assertThat(System.nanoTime()).as("a first beacon is acknowledged once the topic exists").isLessThan(deadline);
      }
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      acknowledged.add("kc-warm");
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String id = "kc-full-" + i;
        all.add(beacon(running, id, i).thenApply(r -> {
          if (r.statusCode() == 204) {
            acknowledged.add(id);
          }
          return r;
        }));
      }
      List<HttpResponse<String>> refused = new ArrayList<>();
      for (var f : all) {
        HttpResponse<String> r = f.get();
        assertThat(r.statusCode()).isIn(204, 503);
        if (r.statusCode() == 503) {
          refused.add(r);
        }
      }
      assertThat(refused).as("some beacons find one already waiting for the broker").isNotEmpty();
      assertThat(refused).allSatisfy(r -> assertThat(r.headers().firstValue("Retry-After")).isPresent());
      while (rowsByRequest(running).size() < acknowledged.size() && System.nanoTime() < deadline + 30_000_000_000L) {
        Thread.sleep(100);
      }
      Map<String, Integer> rows = rowsByRequest(running);
      assertThat(rows.keySet()).containsAll(acknowledged);
      assertThat(rows.values()).allMatch(n -> n == 1);
    }
  }

  /** Asks /health/ready until it answers {@code status} (or 30 s pass); answers the last answer. */
  private static HttpResponse<String> readyUntil(Running running, int status) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    HttpResponse<String> r = running.get("/health/ready");
    while (r.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = running.get("/health/ready");
    }
    return r;
  }

  @Test
  void aNodeWhoseBrokerCannotBeReachedIsNotReadyAndIsReadyAgainOnceItIsBack() throws Exception {
    try (Running running = node("PT1S")) {
      assertThat(readyUntil(running, 200).statusCode()).isEqualTo(200);
      broker.stop();
      try {
        HttpResponse<String> r = readyUntil(running, 503);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.get("detail").asText()).contains("the event broker cannot be reached").doesNotContain("database does not");
        assertThat(problem.get("checks").get("event_broker").asText()).isEqualTo("down");
        assertThat(problem.get("checks").get("database").asText()).isEqualTo("up");
        assertThat(running.get("/health/live").statusCode()).as("alive all the same").isEqualTo(200);
      } finally {
        broker.restart();
      }
      assertThat(readyUntil(running, 200).statusCode()).as("ready once the broker is back").isEqualTo(200);
    }
  }

  @Test
  void aNodeOnTheDatabaseAloneDoesNotAskForABroker() throws Exception {
    try (Running running = Running.on("postgresql", Map.of())) {
      HttpResponse<String> r = running.get("/health/ready");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(running.platform.eventStream()).isEmpty();
    }
  }

  /** Posts {@code body} to {@code path} until it is answered 200 (the topic is created with the first events), at most 30 s. */
  private static HttpResponse<String> postUntilStored(Running running, String path, String body, String key, String requestId) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    HttpResponse<String> r;
    do {
      r = running.send("POST", path, "application/json", body, "Authorization", "Bearer " + key, "X-Request-Id", requestId);
    } while (r.statusCode() != 200 && System.nanoTime() < deadline);
    return r;
  }

  @Test
  void C3_C4_serviceAndPartnerBatchesGoThroughTheBrokerAndAreStoredOnceByTheConsumer() throws Exception {
    // this node does not consume: what a batch's 200 promises is in the topic, and only a consumer writes it
    try (Running running = node("PT5S", Map.of("kafka.consume", "false"))) {
      String mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      String partner = running.platform.store().credentials().issue(Credentials.Kind.PARTNER, "acme-ads").key();
      HttpResponse<String> reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"batch." + System.nanoTime() + "@example.org\",\"name\":\"Bea\"}}", mail);
      String subject = JSON.readTree(reg.body()).get("id").asText();
      List<String> events = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        events.add(i % 2 == 0 ? "{\"subject\":\"" + subject + "\",\"type\":\"open\",\"page\":\"https://mail.example/inbox/" + i + "\"}"
            : "{\"browser\":\"BBBBBBBBBBBBBBBBBBBBB" + (i % 10) + "\",\"page\":\"https://mail.example/web/" + i + "\"}");
      }
      HttpResponse<String> services = postUntilStored(running, "/api/v1/events", "{\"events\":[" + String.join(",", events) + "]}", mail, "kb-service");
      assertThat(services.statusCode()).as(services.body()).isEqualTo(200);
      assertThat(JSON.readTree(services.body()).get("stored").asInt()).isEqualTo(40);
      HttpResponse<String> partners = postUntilStored(running, "/api/v1/partner-events",
          "{\"events\":[{\"identifier\":\"visitor-1@acme\",\"page\":\"https://acme.example/a\"},{\"identifier\":\"visitor-2@acme\",\"page\":\"https://acme.example/b\"}]}",
          partner, "kb-partner");
      assertThat(partners.statusCode()).as(partners.body()).isEqualTo(200);
      assertThat(JSON.readTree(partners.body()).get("partner").asText()).isEqualTo("acme-ads");
      Thread.sleep(500);
      assertThat(rowsByRequest(running)).as("not written by the request: only the consumer writes").doesNotContainKeys("kb-service", "kb-partner");

      // a batch refused while the broker is down is not stored, then or later
      broker.kill();
      try {
        HttpResponse<String> refused = running.send("POST", "/api/v1/events", "application/json", "{\"events\":[" + String.join(",", events) + "]}",
            "Authorization", "Bearer " + mail, "X-Request-Id", "kb-refused");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
        assertThat(refused.body()).contains("not recorded").doesNotContain("mail.example");
      } finally {
        broker.restart();
      }

      try (EventStream.Ingest ingest = running.platform.eventStream().orElseThrow().ingest(running.platform.vault().usage())) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ((rowsByRequest(running).getOrDefault("kb-service", 0) < 40 || rowsByRequest(running).getOrDefault("kb-partner", 0) < 2)
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        Thread.sleep(1_000); // nothing more arrives
        assertThat(ingest.ingested()).as("the two batches, nothing of the refused one").isEqualTo(42);
      }
      Map<String, Integer> rows = rowsByRequest(running);
      assertThat(rows).containsEntry("kb-service", 40).containsEntry("kb-partner", 2).doesNotContainKey("kb-refused");
    }
  }
}
