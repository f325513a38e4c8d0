package com.plenary.privacy.kafka;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.testkit.KafkaBroker;
import com.plenary.privacy.testkit.Postgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One deployment for a test: fresh PostgreSQL schemas (data and key store), a data directory, and
 * a platform whose collector sink is the given broker, on a topic and group of its own.
 */
final class Deployment implements AutoCloseable {
  private static final Pattern COLLECTED = Pattern.compile("collected:(\\d+)");
  final Postgres data;
  final Postgres keys;
  final Path dir;
  final Map<String, String> settings;
  final Platform platform;

  Deployment(KafkaBroker broker, Map<String, String> extra) throws IOException {
    data = Postgres.freshSchema();
    keys = Postgres.freshSchema();
    dir = Files.createTempDirectory("plenary-kafka-test");
    String name = "t-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, String> s = new HashMap<>(Map.of(
        "data_dir", dir.toString(),
        "database.url", data.url(), "database.user", data.user(),
        "keystore.url", keys.url(), "keystore.user", keys.user(),
        "collector.sink", "kafka",
        "kafka.bootstrap_servers", broker.bootstrapServers(),
        "kafka.topic", "events-" + name,
        "kafka.group_id", "ingest-" + name,
        "kafka.ack_timeout", "PT3S"));
    s.putAll(extra);
    settings = Map.copyOf(s);
    platform = Platform.open(Config.load(null, Map.of(), settings), Clock.systemUTC());
  }

  EventStream stream() {
    return platform.eventStream().orElseThrow();
  }

  UsageEvents usage() {
    return platform.vault().usage();
  }

  /** A browser's page view, its details carrying {@code marker} in the page address. */
  static UsageEvents.Event pageView(String requestId, String cookie, String marker) {
    Map<String, Object> details = new HashMap<>();
    details.put("page", "https://shop.example/" + marker);
    details.put("ip", "203.0.113.0");
    details.put("browser", "Firefox");
    return UsageEvents.Event.builder(requestId).source("browser", "snippet").purpose("analytics").kind("page_view")
        .browser(cookie).details(details).build();
  }

  /** How many rows each of the request ids has in the table: the test's measure of exactly once. */
  Map<String, Integer> rowsByRequest() {
    Map<String, Integer> out = new HashMap<>();
    query("SELECT request_id, COUNT(*) FROM usage_event GROUP BY request_id", rs -> out.put(rs.getString(1), rs.getInt(2)));
    return out;
  }

  long rows() {
    long[] n = {0};
    query("SELECT COUNT(*) FROM usage_event", rs -> n[0] = rs.getLong(1));
    return n[0];
  }

  /** Audit entries of collected batches name their counts ({@code collected:N}); their sum is what the batches stored. */
  long auditedCollected() {
    List<String> rules = new ArrayList<>();
    query("SELECT rules FROM audit_log_entry WHERE action = 'collect'", rs -> rules.add(rs.getString(1)));
    long total = 0;
    for (String r : rules) {
      Matcher m = COLLECTED.matcher(r);
      while (m.find()) {
        total += Long.parseLong(m.group(1));
      }
    }
    return total;
  }

  interface Row {
    void read(ResultSet rs) throws SQLException;
  }

  void query(String sql, Row row) {
    try (Connection c = DriverManager.getConnection(data.url(), data.user(), "");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        row.read(rs);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until {@code value} reaches {@code target} (or {@code timeout} passes); answers the last value. */
  static long await(LongSupplier value, long target, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long v = value.getAsLong();
    while (v < target && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      v = value.getAsLong();
    }
    return v;
  }

  @Override
  public void close() {
    platform.close();
    data.close();
    keys.close();
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
