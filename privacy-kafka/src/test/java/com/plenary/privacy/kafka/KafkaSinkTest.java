package com.plenary.privacy.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.testkit.KafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The collector's Kafka sink against a real KRaft broker on loopback and real PostgreSQL: what is
 * acknowledged is in the table exactly once, whatever happens to the broker and the consumers, and
 * the broker never holds a plaintext value.
 */
class KafkaSinkTest {
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

  /** Publishes {@code n} page views of a few browsers; answers the request ids whose event the broker acknowledged. */
  private static List<String> publish(Deployment d, int n, String marker) throws InterruptedException {
    List<String> ids = new ArrayList<>();
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String requestId = "r-" + UUID.randomUUID();
      UsageEvents.Prepared p = d.usage().prepare(List.of(Deployment.pageView(requestId, "cookie-" + marker + "-" + (i % 7), marker))).get(0);
      ids.add(requestId);
      acks.add(d.stream().publish(p));
    }
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        acks.get(i).get(30, TimeUnit.SECONDS);
        acknowledged.add(ids.get(i));
      } catch (ExecutionException | TimeoutException notAcknowledged) {
        // not acknowledged: its sender was told 503 and may send it again
      }
    }
    return acknowledged;
  }

  @Test
  void storesEveryAcknowledgedEventOnceAndAuditsTheBatches() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of())) {
      List<String> acknowledged = publish(d, 300, "m" + UUID.randomUUID().toString().substring(0, 8));
      assertThat(acknowledged).hasSize(300);
      try (EventStream.Ingest ingest = d.stream().ingest(d.usage())) {
        assertThat(Deployment.await(d::rows, 300, Duration.ofSeconds(60))).isEqualTo(300);
        Thread.sleep(500); // nothing more arrives
        assertThat(ingest.ingested()).isEqualTo(300);
      }
      Map<String, Integer> rows = d.rowsByRequest();
      assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
      assertThat(rows.values()).allMatch(c -> c == 1);
      assertThat(d.auditedCollected()).isEqualTo(300);
      assertThat(Deployment.await(() -> d.stream().lag() == 0 ? 1 : 0, 1, Duration.ofSeconds(20))).as("the group's lag falls to 0").isEqualTo(1);
    }
  }

  @Test
  void theBrokerHoldsNoPlaintext() throws Exception {
    String marker = "plain" + UUID.randomUUID().toString().replace("-", "");
    try (Deployment d = new Deployment(broker, Map.of())) {
      List<String> acknowledged = publish(d, 50, marker);
      assertThat(acknowledged).hasSize(50);
      String topic = d.settings.get("kafka.topic");
      byte[] everything = segments(topic);
      String raw = new String(everything, StandardCharsets.ISO_8859_1);
      // the records are there (their request ids are not personal), and nothing of their values is
      assertThat(raw).contains(acknowledged.get(0));
      assertThat(raw).doesNotContain(marker).doesNotContain("shop.example").doesNotContain("cookie-" + marker).doesNotContain("203.0.113")
          .doesNotContain("Firefox");
    }
  }

  /** The bytes of every segment of {@code topic}'s partitions in the broker's log directory, read from disk. */
  private static byte[] segments(String topic) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    try (Stream<Path> files = Files.walk(broker.logDir())) {
      for (Path p : files.filter(f -> f.getParent().getFileName().toString().startsWith(topic + "-") && f.toString().endsWith(".log")).toList()) {
        all.write(Files.readAllBytes(p));
      }
    }
    assertThat(all.size()).as("the topic's segments hold its records").isGreaterThan(0);
    return all.toByteArray();
  }

  @Test
  void aBrokerRestartedMidRunLosesNothingAcknowledgedAndStoresNothingTwice() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of("kafka.ack_timeout", "PT1S"))) {
      Set<String> acknowledged = new HashSet<>();
      try (EventStream.Ingest ingest = d.stream().ingest(d.usage())) {
        acknowledged.addAll(publish(d, 200, "before"));
        assertThat(acknowledged).hasSize(200);
        broker.kill();
        List<String> whileDown = publish(d, 20, "down");
        assertThat(whileDown).as("no acknowledgement while the broker is down").isEmpty();
        broker.restart();
        acknowledged.addAll(publishUntilAcknowledged(d, 200));
        assertThat(Deployment.await(d::rows, acknowledged.size(), Duration.ofSeconds(90))).isGreaterThanOrEqualTo(acknowledged.size());
        Thread.sleep(1000);
        assertThat(ingest.ingested()).isEqualTo(d.rows());
      }
      Map<String, Integer> rows = d.rowsByRequest();
      assertThat(rows.keySet()).containsAll(acknowledged);
      assertThat(rows.values()).as("no event stored twice").allMatch(c -> c == 1);
    } finally {
      if (!broker.running()) {
        broker.restart();
      }
    }
  }

  /** After a restart the producer needs a moment to find the broker again; publishes until {@code n} are acknowledged. */
  private static List<String> publishUntilAcknowledged(Deployment d, int n) throws InterruptedException {
    List<String> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (out.size() < n && System.nanoTime() < deadline) {
      out.addAll(publish(d, Math.min(50, n - out.size()), "after"));
    }
    assertThat(out).hasSize(n);
    return out;
  }

  @Test
  void aRebalanceBetweenTwoConsumersStoresEachEventOnce() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of("kafka.ingest_batch", "50"))) {
      List<String> acknowledged = new ArrayList<>(publish(d, 2_000, "rebalance"));
      EventStream.Ingest first = d.stream().ingest(d.usage());
      Deployment.await(d::rows, 300, Duration.ofSeconds(60));
      EventStream.Ingest second = d.stream().ingest(d.usage()); // the group rebalances: partitions move to it
      acknowledged.addAll(publish(d, 500, "rebalance2"));
      Deployment.await(d::rows, 1_200, Duration.ofSeconds(60));
      first.close(); // and again: all of them to the second
      assertThat(Deployment.await(d::rows, acknowledged.size(), Duration.ofSeconds(90))).isEqualTo(acknowledged.size());
      second.close();
      Map<String, Integer> rows = d.rowsByRequest();
      assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
      assertThat(rows.values()).allMatch(c -> c == 1);
      assertThat(d.auditedCollected()).isEqualTo(acknowledged.size());
    }
  }

  @Test
  void aConsumerKilledAndRestartedLosesNothingAndStoresNothingTwice() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of("kafka.ingest_batch", "100"))) {
      List<String> acknowledged = publish(d, 3_000, "kill");
      assertThat(acknowledged).hasSize(3_000);
      Process consumer = ingestProcess(d);
      long before = Deployment.await(d::rows, 400, Duration.ofSeconds(90));
      consumer.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, between or inside batches
      assertThat(before).isGreaterThanOrEqualTo(400);
      long atKill = d.rows();
      Process again = ingestProcess(d);
      try {
        assertThat(Deployment.await(d::rows, 3_000, Duration.ofSeconds(120))).isEqualTo(3_000);
        Thread.sleep(1000);
      } finally {
        again.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      assertThat(atKill).as("killed part-way").isLessThan(3_000);
      Map<String, Integer> rows = d.rowsByRequest();
      assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(acknowledged);
      assertThat(rows.values()).allMatch(c -> c == 1);
      assertThat(d.auditedCollected()).isEqualTo(3_000);
    }
  }

  /** {@link IngestProcess} on the deployment's settings, once it has joined the group. */
  private static Process ingestProcess(Deployment d) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")), IngestProcess.class.getName()));
    d.settings.forEach((k, v) -> cmd.add(k + "=" + v));
    Path log = Files.createTempFile(d.dir, "ingest", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.readString(log).contains("ingesting")) {
      assertThat(p.isAlive()).as("the consumer process runs: %s", Files.readString(log)).isTrue();
      assertThat(System.nanoTime()).as("the consumer process starts").isLessThan(deadline);
      Thread.sleep(100);
    }
    return p;
  }

  @Test
  void anEventDeliveredAgainIsStoredOnce() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of())) {
      UsageEvents.Prepared p = d.usage().prepare(List.of(Deployment.pageView("r-again", "cookie-again", "again"))).get(0);
      assertThat(d.usage().ingest(List.of(p, p))).isEqualTo(1);
      assertThat(d.usage().ingest(List.of(UsageEvents.Prepared.decode(p.encode())))).isZero();
      assertThat(d.rowsByRequest()).containsEntry("r-again", 1);
    }
  }

  @Test
  void anEventWhoseOwnerWasErasedWhileInTheTopicIsNotWritten() throws Exception {
    try (Deployment d = new Deployment(broker, Map.of())) {
      UsageEvents.Prepared p = d.usage().prepare(List.of(Deployment.pageView("r-erased", "cookie-erased", "erased"))).get(0);
      // an erasure deletes the person's browsers with their keys (UsageEvents.eraseFor); here only the browser's row goes
      try (Connection c = DriverManager.getConnection(d.data.url(), d.data.user(), ""); Statement st = c.createStatement()) {
        st.execute("DELETE FROM browser WHERE id = '" + p.streamKey() + "'");
      }
      assertThat(d.usage().ingest(List.of(p))).isZero();
      assertThat(d.rowsByRequest()).doesNotContainKey("r-erased");
    }
  }
}
