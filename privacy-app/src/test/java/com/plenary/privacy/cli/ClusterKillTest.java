package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.testkit.KafkaBroker;
import com.plenary.privacy.testkit.Postgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's test of the whole: three real {@code plenary serve} processes on one PostgreSQL schema
 * with {@code collector.sink: kafka} and one real KRaft broker. A load generator sends beacons and
 * service batches to all three; mid-run one node is killed with SIGKILL and the broker is killed and
 * started again; afterwards every event that was answered 2xx is in the database exactly once (and
 * every batch that was answered 200 is there whole, once).
 */
class ClusterKillTest {
  private static final int BATCH = 10;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<ServerProcess> started = new ArrayList<>();
  private Postgres pg;
  private Postgres pgKeys;
  private KafkaBroker broker;

  @AfterEach
  void stop() throws Exception {
    for (ServerProcess s : started) {
      s.process().destroy();
    }
    for (ServerProcess s : started) {
      if (!s.process().waitFor(30, TimeUnit.SECONDS)) {
        s.process().destroyForcibly().waitFor();
      }
    }
    if (broker != null) {
      broker.close();
    }
    if (pg != null) {
      pg.close();
    }
    if (pgKeys != null) {
      pgKeys.close();
    }
  }

  private Map<String, String> env() {
    String name = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> env = new HashMap<>();
    env.put("PLENARY_DATABASE_URL", pg.url());
    env.put("PLENARY_DATABASE_USER", pg.user());
    env.put("PLENARY_KEYSTORE_URL", pgKeys.url());
    env.put("PLENARY_KEYSTORE_USER", pgKeys.user());
    env.put("PLENARY_CLUSTER", "true");
    env.put("PLENARY_COLLECTOR_SINK", "kafka");
    env.put("PLENARY_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
    env.put("PLENARY_KAFKA_TOPIC", "cluster-" + name);
    env.put("PLENARY_KAFKA_GROUP_ID", "cluster-ingest-" + name);
    env.put("PLENARY_KAFKA_ACK_TIMEOUT", "PT2S");
    env.put("PLENARY_KAFKA_INGEST_BATCH", "500");
    // four JVMs and PostgreSQL on what may be two cores: small heaps, the quick compiler only
    env.put("JAVA_TOOL_OPTIONS", "-Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    return env;
  }

  private Path nodeDir(String name, Path keysFrom) throws Exception {
    return ServerProcess.nodeDir(dir, name, keysFrom);
  }

  private ServerProcess node(Path d, Map<String, String> env) throws Exception {
    ServerProcess s = ServerProcess.startNode(d, env, http);
    started.add(s);
    return s;
  }

  @Test
  void threeNodesOneKilledAndTheBrokerRestartedStoreEveryAcknowledgedEventExactlyOnce() throws Exception {
    broker = KafkaBroker.start();
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    Map<String, String> env = env();
    Path first = nodeDir("node-1", null);
    ServerProcess one = node(first, env);
    Path second = nodeDir("node-2", first);
    Path third = nodeDir("node-3", first);
    CompletableFuture<ServerProcess> starting = CompletableFuture.supplyAsync(() -> {
      try {
        return node(second, env);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    ServerProcess three = node(third, env);
    ServerProcess two = starting.join();
    List<ServerProcess> nodes = List.of(one, two, three);
    String key;
    try (Store store = Store.open(pg.url(), pg.user(), "", 2, Clock.systemUTC())) {
      key = store.credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    }

    // the load: beacons from five threads and service batches from one, to the three nodes in turn
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> batches = ConcurrentHashMap.newKeySet();
    AtomicInteger afterRestart = new AtomicInteger();
    AtomicBoolean restarted = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger sent = new AtomicInteger();
    ExecutorService load = Executors.newFixedThreadPool(6);
    for (int t = 0; t < 6; t++) {
      int thread = t;
      load.execute(() -> {
        int i = 0;
        while (running.get()) {
          ServerProcess to = nodes.get((thread + i++) % 3);
          String id = "ck-" + thread + "-" + i;
          sent.incrementAndGet();
          try {
            if (thread == 5) {
              String events = "{\"events\":[" + String.join(",", Collections.nCopies(BATCH,
                  "{\"browser\":\"CCCCCCCCCCCCCCCCCCCCC" + (i % 10) + "\",\"page\":\"https://mail.example/b\"}")) + "]}";
              HttpResponse<String> r = http.send(HttpRequest.newBuilder(to.uri("/api/v1/events")).timeout(Duration.ofSeconds(15))
                  .header("Content-Type", "application/json").header("Authorization", "Bearer " + key).header("X-Request-Id", id)
                  .POST(HttpRequest.BodyPublishers.ofString(events)).build(), HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                batches.add(id);
                if (restarted.get()) {
                  afterRestart.incrementAndGet();
                }
              }
            } else {
              HttpResponse<Void> r = http.send(HttpRequest.newBuilder(to.uri("/collect")).timeout(Duration.ofSeconds(15))
                  .header("Content-Type", "text/plain").header("X-Request-Id", id)
                  .header("Cookie", "pl_bid=DDDDDDDDDDDDDDDDDDDD" + thread + (i % 10) + "; pl_consent=v1.p1.a1")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"page\":\"https://shop.example/cluster\"}")).build(), HttpResponse.BodyHandlers.discarding());
              if (r.statusCode() == 204 && "yes".equals(r.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
                acknowledged.add(id);
                if (restarted.get()) {
                  afterRestart.incrementAndGet();
                }
              }
            }
          } catch (Exception refusedOrCutOff) {
            // the killed node, or an answer cut off: not acknowledged
            sleep(20);
          }
        }
      });
    }

    awaitAtLeast(acknowledged, 100);
    int beforeKill = acknowledged.size();
    two.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, with requests in flight
    awaitAtLeast(acknowledged, beforeKill + 100); // the two nodes left go on
    int beforeBroker = acknowledged.size();
    broker.kill();
    broker.restart(); // down for as long as a broker takes to start: seconds
    restarted.set(true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (afterRestart.get() < 100 && System.nanoTime() < deadline) {
      sleep(100);
    }
    running.set(false);
    load.shutdown();
    assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(beforeKill).as("events acknowledged before the kill").isGreaterThanOrEqualTo(100);
    assertThat(beforeBroker).as("events acknowledged between the kill and the broker's restart").isGreaterThanOrEqualTo(beforeKill + 100);
    assertThat(afterRestart.get()).as("acknowledgements after the broker came back").isGreaterThanOrEqualTo(100);
    assertThat(batches).as("service batches acknowledged").isNotEmpty();

    // the two nodes left consume everything (the killed node's partitions move to them after 10 s)
    Map<String, Integer> rows = Map.of();
    long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < drain) {
      rows = rowsByRequest();
      Map<String, Integer> seen = rows;
      if (acknowledged.stream().allMatch(seen::containsKey) && batches.stream().allMatch(b -> seen.getOrDefault(b, 0) >= BATCH)) {
        break;
      }
      sleep(250);
    }
    sleep(1_000); // nothing more arrives twice
    rows = rowsByRequest();
    Map<String, Integer> finalRows = rows;
    assertThat(acknowledged).as("every acknowledged beacon is stored (%d of %d sent)", acknowledged.size(), sent.get())
        .allMatch(finalRows::containsKey);
    assertThat(acknowledged).as("and stored once").allMatch(id -> finalRows.get(id) == 1);
    assertThat(batches).as("every acknowledged batch is stored whole, once").allMatch(id -> finalRows.get(id) == BATCH);
    assertThat(rows.entrySet()).as("nothing is stored twice, acknowledged or not")
        .allMatch(e -> e.getValue() == (e.getKey().startsWith("ck-5-") ? BATCH : 1));
  }

  /** Waits until {@code acknowledged} holds {@code n} events, 30 s at most. */
  private static void awaitAtLeast(Set<String> acknowledged, int n) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (acknowledged.size() < n && System.nanoTime() < deadline) {
      sleep(50);
    }
  }

  /** Rows per request id in the shared database. */
  private Map<String, Integer> rowsByRequest() throws Exception {
    Map<String, Integer> out = new HashMap<>();
    try (Connection c = DriverManager.getConnection(pg.url(), pg.user(), "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT request_id, COUNT(*) FROM usage_event GROUP BY request_id")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getInt(2));
      }
    }
    return out;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
