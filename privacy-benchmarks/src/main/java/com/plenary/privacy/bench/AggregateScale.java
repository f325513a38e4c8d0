package com.plenary.privacy.bench;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.aggregates.Aggregates;
import com.plenary.privacy.domain.aggregates.Dimension;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.postgresql.PGConnection;

/**
 * Aggregate statistics at scale on PostgreSQL (issue 16, C27): {@code POST /api/v1/aggregates}'s use
 * case — distinct people by three dimensions (day, page, browser) over a month of events, grouped in the
 * database over the dimension tokens the collector wrote (V52, V53; only the distinct groups opened),
 * suppressed and released inside the enforcer — against the raw SQL
 * {@code GROUP BY} of the same values kept in plain columns of a twin table, on the same database in
 * the same run. The goal is a ratio of at most 1.5.
 *
 * <p>Run: {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.AggregateScale [events] [people] [browsers]}
 * (defaults 10000000 10000 200000; PostgreSQL at 127.0.0.1:5432, database test, user postgres). The
 * people are registered with a country; half the events are theirs, half of browsers of no one. It
 * works in fresh schemas and drops them afterwards; with {@code PLENARY_BENCH_SCHEMA} set, it works in
 * that schema (and its {@code _keys} twin, with the master key in {@code ~/.plenary-bench/<schema>-keys}),
 * fills it once and keeps it: a later run finds the fill complete, skips it (the arguments are then
 * those of the kept fill), clears the earlier runs' releases and budgets, and measures at once.
 */
public final class AggregateScale {
  private static final String BASE = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  private static final int DAYS = 30;
  private static final String[] BROWSERS = {"Chrome", "Firefox", "Safari", "Edge", "Opera", "Samsung Internet"};
  private static final String[] COUNTRIES = {"DE", "FR", "NL", "IT", "ES", "AT", "BE", "SE", "PL", "GB"};

  private AggregateScale() {}

  /** A clock the fill moves through the month, so events fall on thirty days. */
  private static final class Moving extends Clock {
    volatile Instant now;

    Moving(Instant start) {
      now = start;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** The fill's first day, when {@code schema} holds a finished fill; null when it holds none (or one that did not finish). */
  private static LocalDate filled(Connection admin, String schema) throws Exception {
    try (var st = admin.prepareStatement("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'aggregate_baseline_filled'")) {
      st.setString(1, schema);
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
      }
    }
    try (Statement s = admin.createStatement(); ResultSet rs = s.executeQuery("SELECT first_day FROM " + schema + ".aggregate_baseline_filled")) {
      return rs.next() ? rs.getObject(1, LocalDate.class) : null;
    }
  }

  /** Registers the people and stores the events through the collector's path, with the plain twin beside them; the events made. */
  private static int fill(Domain domain, Vault vault, Connection c, Moving clock, LocalDate first, int events, int people, int browsers) throws Exception {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE aggregate_baseline (day DATE NOT NULL, page VARCHAR(200) NOT NULL, browser VARCHAR(40) NOT NULL, unit VARCHAR(60) NOT NULL)");
    }
    long t0 = System.nanoTime();
    SplittableRandom random = new SplittableRandom(16);
    List<String> ids = new ArrayList<>(people);
    for (int i = 0; i < people; i++) {
      var reg = domain.subjects().register(Access.service("mail", null), "mail",
          Map.of("email", "agg-" + i + "@example.org", "name", "Person " + i, "country", COUNTRIES[i % COUNTRIES.length]), null, null);
      ids.add(reg.value().id());
    }
    int perDay = events / DAYS;
    int made = 0;
    for (int day = 0; day < DAYS; day++) {
      clock.now = first.plusDays(day).atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofHours(12));
      String dayText = first.plusDays(day).toString();
      int today = day == DAYS - 1 ? events - made : perDay;
      for (int done = 0; done < today; done += 1000) {
        List<UsageEvents.Event> batch = new ArrayList<>(1000);
        StringBuilder twin = new StringBuilder();
        for (int i = 0; i < Math.min(1000, today - done); i++) {
          String page = "https://shop.example/p/" + random.nextInt(50);
          String browser = BROWSERS[random.nextInt(BROWSERS.length)];
          Map<String, Object> details = Map.of("page", page, "language", "en-GB", "screen", "1280x800", "ip", "203.0.113.0",
              "browser", browser, "os", "Linux", "device", "Other");
          UsageEvents.Event.Builder e = UsageEvents.Event.builder(null).source("service", "mail").purpose("technical").kind("pageview").details(details);
          String unit;
          if (random.nextBoolean()) {
            unit = ids.get(random.nextInt(ids.size()));
            e.subject(unit);
          } else {
            String cookie = "bench-browser-" + random.nextInt(browsers);
            unit = cookie;
            e.browser(cookie);
          }
          batch.add(e.build());
          twin.append(dayText).append(',').append(Dimension.PAGE.ofEvent(details, clock.now)).append(',').append(browser).append(',').append(unit).append('\n');
        }
        vault.usage().store(vault.usage().prepare(batch));
        ((PGConnection) c.unwrap(PGConnection.class)).getCopyAPI().copyIn("COPY aggregate_baseline FROM STDIN WITH (FORMAT csv)", new StringReader(twin.toString()));
        made += batch.size();
      }
    }
    try (Statement s = c.createStatement()) {
      s.execute("ANALYZE");
      // the mark of a finished fill, which a run with PLENARY_BENCH_SCHEMA reuses
      s.execute("CREATE TABLE aggregate_baseline_filled (first_day DATE NOT NULL)");
      s.execute("INSERT INTO aggregate_baseline_filled VALUES (DATE '" + first + "')");
    }
    System.out.printf("filled %,d people, %,d events over %d days (and the plain twin) in %.1f s%n", people, made, DAYS, (System.nanoTime() - t0) / 1e9);
    return made;
  }

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 10_000_000;
    int people = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
    int browsers = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
    String kept = System.getenv("PLENARY_BENCH_SCHEMA");
    if (kept != null && !kept.matches("[a-z_][a-z0-9_]{0,40}")) {
      throw new IllegalArgumentException("PLENARY_BENCH_SCHEMA is a lower-case SQL name");
    }
    String schema = kept != null ? kept : "aggscale_" + ProcessHandle.current().pid();
    Path keyDir = kept != null ? Files.createDirectories(Path.of(System.getProperty("user.home"), ".plenary-bench", schema + "-keys"))
        : Files.createTempDirectory("aggscale-keys");
    LocalDate filledFrom = null;
    try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
      if (kept != null) {
        filledFrom = filled(admin, schema);
        if (filledFrom == null) { // none, or a fill that did not finish: made again
          admin.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE; DROP SCHEMA IF EXISTS " + schema + "_keys CASCADE");
        }
      }
      if (filledFrom == null) {
        admin.createStatement().execute("CREATE SCHEMA " + schema + "; CREATE SCHEMA " + schema + "_keys");
      }
    }
    String url = BASE + "?currentSchema=" + schema;
    LocalDate first = filledFrom != null ? filledFrom : LocalDate.now(ZoneOffset.UTC).minusDays(DAYS + 1L);
    Moving clock = new Moving(first.atStartOfDay(ZoneOffset.UTC).toInstant());
    try (Store store = Store.open(url, "postgres", "", 8, clock);
        SubjectKeys keyStore = SubjectKeys.open(BASE + "?currentSchema=" + schema + "_keys", "postgres", "", clock);
        Connection c = DriverManager.getConnection(url, "postgres", "")) {
      Enforcer enforcer = Enforcer.create(Policy.bundled(), clock);
      Vault vault = store.vault(Keys.local(keyDir), keyStore);
      Domain domain = new Domain(enforcer, vault.storage(), null);
      int made = 0;
      if (filledFrom != null) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM aggregate_baseline")) {
          rs.next();
          made = rs.getInt(1);
          // earlier runs' releases would be checked for differencing, more of them each run: each run starts from none
          s.execute("DELETE FROM aggregate_release; DELETE FROM aggregate_budget");
        }
        System.out.printf("kept fill of schema %s: %,d events over %d days from %s (arguments ignored)%n", schema, made, DAYS, first);
      } else {
        made = fill(domain, vault, c, clock, first, events, people, browsers);
      }

      clock.now = Instant.now();
      LocalDate last = first.plusDays(DAYS - 1L);
      Aggregates.Query query = new Aggregates.Query("people", List.of("day", "page", "browser"), first, last, "improve", null, null);
      String sql = "SELECT day, page, browser, COUNT(DISTINCT unit) FROM aggregate_baseline WHERE day BETWEEN '" + first + "' AND '" + last + "' GROUP BY day, page, browser";
      int runs = 5;
      long[] ours = new long[runs];
      long[] raw = new long[runs];
      int cells = 0;
      int groups = 0;
      for (int i = -1; i < runs; i++) { // one warm-up round
        long a = System.nanoTime();
        var out = domain.aggregates().count(Access.service("mail", null), query);
        long b = System.nanoTime();
        cells = out.value().cells().size();
        int n = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
          while (rs.next()) {
            n++;
          }
        }
        long end = System.nanoTime();
        groups = n;
        if (i >= 0) {
          ours[i] = b - a;
          raw[i] = end - b;
        }
      }
      Arrays.sort(ours);
      Arrays.sort(raw);
      System.out.printf("aggregate of %,d events by day, page, browser: median %.2f s (%,d groups released); raw GROUP BY of the plain twin: median %.2f s "
          + "(%,d groups); ratio %.2f (goal <= 1.5)%n", made, ours[runs / 2] / 1e9, cells, raw[runs / 2] / 1e9, groups, (double) ours[runs / 2] / raw[runs / 2]);
    } finally {
      if (kept == null) {
        try (Connection admin = DriverManager.getConnection(BASE, "postgres", "")) {
          admin.createStatement().execute("DROP SCHEMA " + schema + " CASCADE; DROP SCHEMA " + schema + "_keys CASCADE");
        }
      }
    }
  }
}
