package com.plenary.privacy.bench;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.testkit.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The collector's Kafka sink (issue 18), each figure against its baseline in the same run, on the
 * same broker and the same PostgreSQL:
 *
 * <ol>
 *   <li>events per second through Kafka into PostgreSQL — published through the platform's event
 *       stream (idempotent, {@code acks=all}, each awaited) and written by the consumers of the group,
 *       from the first publish until the last row is in the table — against a bare Kafka producer's
 *       own throughput (same settings, same encoded events, to a topic of its own);
 *   <li>the consumer's rows per second (a fresh group reading the whole topic, idempotent by event
 *       id, offsets committed after the rows) against the store's raw binary COPY of the same rows in
 *       batches of the same size.
 * </ol>
 *
 * <p>Run: {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.KafkaThroughput [events] [batch] [nodes]}
 * (defaults 200000, 2000 and 1,2,3: the first figure is taken once for each number of nodes, each node a
 * platform of its own in this process — its own producer, connection pool and member of the consumer
 * group, on a fresh topic of four partitions). It starts a KRaft broker on loopback from the kafka_2.13 classes on its
 * class path (or uses {@code PLENARY_BENCH_KAFKA}, bootstrap servers), works in fresh PostgreSQL
 * schemas at 127.0.0.1:5432 ({@code PLENARY_BENCH_PG_URL}) and drops them afterwards.
 */
public final class KafkaThroughput {
  private static final String BASE = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");

  private KafkaThroughput() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
    int[] nodes = Arrays.stream((args.length > 2 ? args[2] : "1,2,3").split(",")).mapToInt(Integer::parseInt).toArray();
    String external = System.getenv("PLENARY_BENCH_KAFKA");
    KafkaBroker broker = external == null ? KafkaBroker.start() : null;
    String bootstrap = external != null ? external : broker.bootstrapServers();
    String schema = "kbench_" + ProcessHandle.current().pid();
    try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
      admin.createStatement().execute("CREATE SCHEMA " + schema + "; CREATE SCHEMA " + schema + "_keys");
    }
    Path dir = Files.createTempDirectory("kafka-bench");
    String name = UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> settings = new HashMap<>(Map.of("data_dir", dir.toString(),
        "database.url", BASE + "?currentSchema=" + schema, "database.user", "postgres",
        "keystore.url", BASE + "?currentSchema=" + schema + "_keys", "keystore.user", "postgres",
        "collector.sink", "kafka", "kafka.bootstrap_servers", bootstrap, "kafka.topic", "bench-" + name, "kafka.group_id", "bench-" + name,
        "kafka.ingest_batch", String.valueOf(batch)));
    settings.put("kafka.ack_timeout", "PT8S");
    try (Platform platform = Platform.open(Config.load(null, Map.of(), settings), Clock.systemUTC());
        Connection c = DriverManager.getConnection(BASE + "?currentSchema=" + schema, "postgres", "")) {
      UsageEvents usage = platform.vault().usage();

      long t0 = System.nanoTime();
      List<UsageEvents.Prepared> rows = prepare(usage, events);
      System.out.printf("prepared (sealed) %,d events in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);

      // baseline 1: a bare producer, same settings, same bytes, its own topic
      double bare = bareProducer(bootstrap, "bench-bare-" + name, rows);

      // 1: through the event stream into PostgreSQL, with 1, 2, 3 … nodes: each node publishes its share of the
      // events through its own stream and consumes with its own member of the group (the topic has four partitions)
      Map<Integer, Double> curve = new LinkedHashMap<>();
      for (int n : nodes) {
        truncate(c);
        String topic = "bench-" + name + "-" + n;
        List<Platform> extra = new ArrayList<>();
        List<EventStream> streams = new ArrayList<>();
        List<EventStream.Ingest> ingests = new ArrayList<>();
        try {
          for (int i = 0; i < n; i++) {
            Map<String, String> node = new HashMap<>(settings);
            node.put("kafka.topic", topic);
            node.put("kafka.group_id", topic);
            node.put("data_dir", Files.createTempDirectory("kafka-bench-node").toString());
            Platform p = Platform.open(Config.load(null, Map.of(), node), Clock.systemUTC());
            extra.add(p);
            streams.add(p.eventStream().orElseThrow());
          }
          for (int i = 0; i < n; i++) {
            ingests.add(streams.get(i).ingest(extra.get(i).vault().usage()));
          }
          long start = System.nanoTime();
          List<CompletableFuture<Void>> acks = new ArrayList<>(rows.size());
          for (int i = 0; i < rows.size(); i++) {
            acks.add(streams.get(i % n).publish(rows.get(i)));
          }
          for (CompletableFuture<Void> a : acks) {
            a.get(60, TimeUnit.SECONDS);
          }
          double published = events / ((System.nanoTime() - start) / 1e9);
          waitForRows(c, events);
          double endToEnd = events / ((System.nanoTime() - start) / 1e9);
          curve.put(n, endToEnd);
          long written = ingests.stream().mapToLong(EventStream.Ingest::ingested).sum();
          long again = ingests.stream().mapToLong(EventStream.Ingest::duplicates).sum();
          System.out.printf("%d node(s): publish, every ack awaited     %,12.0f events/s  (%.2f of bare)%n", n, published, published / bare);
          System.out.printf("%d node(s): through Kafka into PostgreSQL  %,12.0f events/s  (%.2f of bare)%n", n, endToEnd, endToEnd / bare);
          System.out.printf("  (consumers wrote %,d, found %,d stored already)%n", written, again);
        } finally {
          for (EventStream.Ingest i : ingests) {
            i.close();
          }
          for (Platform p : extra) {
            p.close();
          }
        }
      }
      System.out.printf("bare producer (acks=all, idempotent)        %,12.0f events/s%n", bare);
      curve.forEach((n, rate) -> System.out.printf("scaling: %d node(s) %,12.0f events/s  (%.2f of one node, %.2f of bare)%n", n, rate,
          rate / curve.values().iterator().next(), rate / bare));

      // 2: the consumer alone, a fresh group reading the whole topic into an empty table
      truncate(c);
      Map<String, String> again = new HashMap<>(settings);
      // the topic of the last run above holds every event; the base topic was never published to
      again.put("kafka.topic", "bench-" + name + "-" + nodes[nodes.length - 1]);
      again.put("kafka.group_id", "bench-again-" + name);
      double consumer;
      try (Platform second = Platform.open(Config.load(null, Map.of(), again), Clock.systemUTC())) {
        long s2 = System.nanoTime();
        try (EventStream.Ingest ingest = second.eventStream().orElseThrow().ingest(second.vault().usage())) {
          waitForRows(c, events);
          consumer = events / ((System.nanoTime() - s2) / 1e9);
          System.out.printf("  (fresh group wrote %,d)%n", ingest.ingested());
        }
      }
      // baseline 2: the store's binary COPY of the same rows, batches of the same size, one transaction each
      truncate(c);
      long s3 = System.nanoTime();
      for (int i = 0; i < rows.size(); i += batch) {
        usage.store(rows.subList(i, Math.min(rows.size(), i + batch)));
      }
      double copy = events / ((System.nanoTime() - s3) / 1e9);
      System.out.printf("raw binary COPY, batches of %,d            %,12.0f rows/s%n", batch, copy);
      System.out.printf("consumer (poll, dedupe by id, COPY, commit) %,12.0f rows/s  (%.2f of COPY)%n", consumer, consumer / copy);
    } finally {
      try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
        admin.createStatement().execute("DROP SCHEMA " + schema + " CASCADE; DROP SCHEMA " + schema + "_keys CASCADE");
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** Page views of 1,000 browsers, sealed as the collector seals them. */
  private static List<UsageEvents.Prepared> prepare(UsageEvents usage, int events) {
    List<UsageEvents.Prepared> out = new ArrayList<>(events);
    for (int done = 0; done < events; done += 1000) {
      List<UsageEvents.Event> group = new ArrayList<>();
      for (int i = done; i < Math.min(events, done + 1000); i++) {
        Map<String, Object> details = Map.of("page", "https://shop.example/p/" + (i % 500), "ip", "203.0.113.0", "browser", "Firefox", "os", "Linux");
        group.add(UsageEvents.Event.builder("r-" + i).source("browser", "snippet").purpose("analytics").kind("page_view")
            .browser("bench-browser-" + (i % 1000)).details(details).build());
      }
      out.addAll(usage.prepare(group));
    }
    return out;
  }

  private static double bareProducer(String bootstrap, String topic, List<UsageEvents.Prepared> rows) throws Exception {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    List<byte[]> values = rows.stream().map(UsageEvents.Prepared::encode).toList();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      producer.partitionsFor(topic); // the topic exists before the clock starts, as the stream's does
      AtomicLong failed = new AtomicLong();
      long start = System.nanoTime();
      for (int i = 0; i < values.size(); i++) {
        producer.send(new ProducerRecord<>(topic, rows.get(i).streamKey(), values.get(i)), (m, e) -> {
          if (e != null) {
            failed.incrementAndGet();
          }
        });
      }
      producer.flush();
      double rate = rows.size() / ((System.nanoTime() - start) / 1e9);
      if (failed.get() > 0) {
        throw new IllegalStateException(failed.get() + " records of the bare producer failed");
      }
      return rate;
    }
  }

  private static void waitForRows(Connection c, long target) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM usage_event")) {
        rs.next();
        if (rs.getLong(1) >= target) {
          return;
        }
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("the consumer did not write " + target + " rows in time");
  }

  private static void truncate(Connection c) throws Exception {
    try (Statement s = c.createStatement()) {
      s.execute("TRUNCATE usage_event");
    }
  }
}
