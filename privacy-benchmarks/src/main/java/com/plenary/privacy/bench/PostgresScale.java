package com.plenary.privacy.bench;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.io.StringReader;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;

/**
 * The vault at scale on PostgreSQL (issues 4 and 5), each figure against its baseline in the same run:
 *
 * <ol>
 *   <li>export latency for one person with E events, in a store of P people and N events, against the
 *       bare indexed SQL query of the same rows;
 *   <li>the collector's batch path ({@link UsageEvents#append}, 1,000 events a batch, sealed and
 *       audited) against a raw {@code COPY} of the same number of rows.
 * </ol>
 *
 * <p>Run: {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.PostgresScale [people] [events] [events-of-the-person]}
 * (defaults 1000000 10000000 10000; PostgreSQL at 127.0.0.1:5432, database test, user postgres). It
 * works in fresh schemas and drops them afterwards.
 */
public final class PostgresScale {
  private static final String BASE = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");

  private PostgresScale() {}

  public static void main(String[] args) throws Exception {
    int people = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int events = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
    int mine = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    String schema = "scale_" + ProcessHandle.current().pid();
    try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
      admin.createStatement().execute("CREATE SCHEMA " + schema + "; CREATE SCHEMA " + schema + "_keys");
    }
    String url = BASE + "?currentSchema=" + schema;
    try (Store store = Store.open(url, "postgres", "", 8, Clock.systemUTC());
        SubjectKeys keyStore = SubjectKeys.open(BASE + "?currentSchema=" + schema + "_keys", "postgres", "", Clock.systemUTC());
        Connection c = DriverManager.getConnection(url, "postgres", "")) {
      Enforcer enforcer = Enforcer.create(Policy.bundled(), Clock.systemUTC());
      Vault vault = store.vault(Keys.local(Files.createTempDirectory("scale-keys")), keyStore);
      Domain domain = new Domain(enforcer, vault.storage(), null);

      long t0 = System.nanoTime();
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO subject (id, home_region, email_index, password_hash, policy_version, created_at) "
            + "SELECT 's-fill-' || i, 'eu', md5('e' || i) || md5('f' || i), NULL, 1, now() FROM generate_series(1, " + people + ") i");
        s.execute("INSERT INTO usage_event (id, request_id, received_at, source, source_name, purpose, kind, key_owner, browser_id, subject_id, partner_record_id, sealed) "
            + "SELECT 'e-fill-' || i, NULL, now() - (i || ' seconds')::interval, 'browser', 'snippet', 'improve.analytics', 'pageview', "
            + "'s-fill-' || (i % " + people + " + 1), NULL, 's-fill-' || (i % " + people + " + 1), NULL, decode(md5(i::text) || md5((i + 1)::text) || md5((i + 2)::text), 'hex') "
            + "FROM generate_series(1, " + events + ") i");
        s.execute("ANALYZE");
      }
      System.out.printf("filled %,d people and %,d events in %.1f s%n", people, events, (System.nanoTime() - t0) / 1e9);

      var reg = domain.subjects().register(Access.service("mail", null), "mail", Map.of("email", "scale@example.org", "name", "Scale Person"), null, null);
      String id = reg.value().id();
      List<Long> appendNanos = new ArrayList<>();
      List<Long> storeNanos = new ArrayList<>();
      for (int done = 0; done < mine; done += 1000) {
        List<UsageEvents.Event> batch = new ArrayList<>();
        for (int i = 0; i < Math.min(1000, mine - done); i++) {
          batch.add(UsageEvents.Event.builder("r-" + (done + i)).source("service", "mail").purpose("technical")
              .kind("pageview").subject(id).details(Map.of("page", "https://shop.example/p/" + (done + i), "language", "en-GB", "screen", "1280x800", "ip", "203.0.113.0",
                  "browser", "Chrome", "os", "Linux", "device", "Other")).build());
        }
        long a = System.nanoTime();
        var prepared = vault.usage().prepare(batch);
        long b = System.nanoTime();
        vault.usage().store(prepared);
        long end = System.nanoTime();
        appendNanos.add(end - a);
        storeNanos.add(end - b);
      }
      double appendSeconds = appendNanos.stream().mapToLong(Long::longValue).sum() / 1e9;
      double storeSeconds = storeNanos.stream().mapToLong(Long::longValue).sum() / 1e9;

      // COPY baseline: the same number of rows with the same columns and payload sizes, into a twin table
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE usage_event_copy (LIKE usage_event INCLUDING ALL)");
      }
      StringBuilder csv = new StringBuilder();
      try (PreparedStatement ps = c.prepareStatement("SELECT * FROM usage_event WHERE subject_id = ? ORDER BY id")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            csv.append("c").append(rs.getString("id")).append(',').append(rs.getString("request_id")).append(',').append(rs.getObject("received_at"))
                .append(",service,mail,technical,pageview,").append(rs.getString("key_owner")).append(",,").append(rs.getString("subject_id"))
                .append(",,\\\\x").append(HexFormat.of().formatHex(rs.getBytes("sealed"))).append('\n');
          }
        }
      }
      long copyNanos = 0;
      for (int chunk = 0; chunk < 1; chunk++) {
        long a = System.nanoTime();
        ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI().copyIn("COPY usage_event_copy FROM STDIN WITH (FORMAT csv)", new StringReader(csv.toString()));
        copyNanos += System.nanoTime() - a;
      }
      System.out.printf("batch path: %,d events in %.2f s = %,.0f events/s%n", mine, appendSeconds, mine / appendSeconds);
      System.out.printf("raw COPY of the same rows: %.2f s = %,.0f rows/s%n", copyNanos / 1e9, mine / (copyNanos / 1e9));
      System.out.printf("batch path / COPY = %.2f (sealing included)%n", (mine / appendSeconds) / (mine / (copyNanos / 1e9)));
      System.out.printf("storing prepared (sealed) rows: %.2f s = %,.0f events/s; / COPY = %.2f%n", storeSeconds, mine / storeSeconds,
          (mine / storeSeconds) / (mine / (copyNanos / 1e9)));

      // export latency against the bare indexed query of the same rows
      long[] export = new long[25];
      long[] bare = new long[25];
      for (int i = 0; i < 3; i++) {
        domain.subjects().export(Access.subject(id, null), id);
      }
      for (int i = 0; i < export.length; i++) {
        long a = System.nanoTime();
        var out = domain.subjects().export(Access.subject(id, null), id);
        export[i] = System.nanoTime() - a;
        if (((List<?>) out.value().get("usage_events")).size() != mine) {
          throw new IllegalStateException("the export lost events");
        }
        a = System.nanoTime();
        int n = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM usage_event WHERE subject_id = ? ORDER BY received_at, id")) {
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              rs.getBytes("sealed");
              n++;
            }
          }
        }
        bare[i] = System.nanoTime() - a;
        if (n != mine) {
          throw new IllegalStateException("the bare query found " + n);
        }
      }
      Arrays.sort(export);
      Arrays.sort(bare);
      System.out.printf("export of %,d events: p50 %.1f ms, p90 %.1f ms; bare indexed query of the same rows: p50 %.1f ms, p90 %.1f ms; ratio p50 %.1f%n",
          mine, export[12] / 1e6, export[22] / 1e6, bare[12] / 1e6, bare[22] / 1e6, (double) export[12] / bare[12]);
    } finally {
      try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
        admin.createStatement().execute("DROP SCHEMA " + schema + " CASCADE; DROP SCHEMA " + schema + "_keys CASCADE");
      }
    }
  }
}
