package com.plenary.privacy.bench;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.ConsentRecords.Entry;
import com.plenary.privacy.domain.PersonRecords.Person;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The consent ledger (C19, C24) against a plain indexed table, in the same run and the same database:
 *
 * <ul>
 *   <li>{@code ledgerAppend}: one consent written as the platform writes it — the ledger's lock, the
 *       entry, its link in the hash chain, the new head and the derived state, in one transaction;</li>
 *   <li>{@code plainInsert}: the same row's values inserted into a table with one index on (person,
 *       purpose, recipient), in one transaction on a connection borrowed from a pool — the baseline for writes;</li>
 *   <li>{@code derivedLookup}: what the engine reads about a person before it decides, through the very
 *       call the enforcer makes ({@code Tx.facts} on the use case's {@code Work}: their accepted policy
 *       version, their consents in force from the derived state, and the message gateway's conditions),
 *       {@value #LOOKUPS} people a transaction;</li>
 *   <li>{@code plainSelect}: the same people's rows from the plain table by its index (a prepared statement),
 *       {@value #LOOKUPS} people a transaction on a connection borrowed from a pool — the baseline for the lookup.</li>
 * </ul>
 *
 * Both sides of each pair borrow a connection for each transaction from a HikariCP pool of the same size and
 * settings (the store's own pool on the platform's side, {@link #POOL} connections), as a plain JDBC program on a
 * pool does; the baselines are plain JDBC on it, with no Jdbi.
 *
 * Each person holds {@code consents} consents before measuring. Goals (issue 15): writes at least 0.5 of
 * the plain insert, the lookup at least 0.8 of the plain select. On the embedded H2 file by default;
 * {@code -p database=postgresql} uses {@code PLENARY_BENCH_PG_URL} (default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}) as {@code PLENARY_BENCH_PG_USER} (default postgres),
 * in the schema {@code bench_ledger}, dropped first.
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar ConsentLedgerBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ConsentLedgerBenchmark {
  /** How many people's facts one transaction reads, in the lookup and in its baseline alike. */
  static final int LOOKUPS = 20;
  /** The size of both pools: the store's and the baselines'. */
  static final int POOL = 4;
  private static final String[] PURPOSES = {"develop", "improve", "communicate", "provide", "convenience"};

  @Param({"h2"})
  public String database;

  @Param({"1000"})
  public int people;

  @Param({"5"})
  public int consents;

  private Path dir;
  private Store store;
  private SubjectKeys keyStore;
  private Storage storage;
  private HikariDataSource plain;
  private String[] ids;
  private long next;
  private final Access mail = Access.service("mail", null);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("consent-ledger");
    String url;
    String user;
    if (database.equals("postgresql")) {
      String base = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
      user = System.getenv().getOrDefault("PLENARY_BENCH_PG_USER", "postgres");
      try (Connection c = DriverManager.getConnection(base, user, ""); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS bench_ledger CASCADE");
        s.execute("CREATE SCHEMA bench_ledger");
      }
      url = base + (base.contains("?") ? "&" : "?") + "currentSchema=bench_ledger";
    } else {
      url = "jdbc:h2:file:" + dir.resolve("plenary") + ";WRITE_DELAY=0";
      user = "sa";
    }
    store = Store.open(url, user, "", POOL, Clock.systemUTC());
    keyStore = SubjectKeys.open("jdbc:h2:file:" + dir.resolve("keystore") + ";WRITE_DELAY=0", "sa", "", Clock.systemUTC());
    Vault vault = store.vault(Keys.local(dir.resolve("keys")), keyStore);
    storage = vault.storage();
    HikariConfig config = new HikariConfig(); // the store's pool settings (Store.pool), for the baselines' tables
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setMaximumPoolSize(POOL);
    config.setPoolName("plain");
    if (url.startsWith("jdbc:postgresql:")) {
      config.addDataSourceProperty("reWriteBatchedInserts", "true");
    }
    plain = new HikariDataSource(config);
    try (Connection c = plain.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE plain_consent (id VARCHAR(48) PRIMARY KEY, subject_id VARCHAR(40) NOT NULL, purpose VARCHAR(64) NOT NULL, "
          + "recipient_key VARCHAR(64) NOT NULL, granted BOOLEAN NOT NULL, policy_version INT NOT NULL, channel VARCHAR(32) NOT NULL, at TIMESTAMP NOT NULL)");
      s.execute("CREATE INDEX plain_consent_by_person ON plain_consent (subject_id, purpose, recipient_key)");
    }
    ids = new String[people];
    Instant now = Instant.now();
    for (int i = 0; i < people; i++) {
      String id = "s-" + UUID.randomUUID();
      ids[i] = id;
      storage.useTransaction(w -> w.people().create(new Person(id, "eu", 1, now), null, null, "mail"));
      for (int k = 0; k < consents; k++) {
        appendLedger(id, PURPOSES[k % PURPOSES.length]);
        insertPlain(id, PURPOSES[k % PURPOSES.length]);
      }
    }
    // the lookup and its baseline read the same rows: a person's consents in force (purpose, recipient, version)
    for (int i = 0; i < Math.min(10, people); i++) {
      String id = ids[i];
      List<String> derived = storage.inTransaction(w -> w.facts(mail, id, Instant.now())).consents().stream()
          .map(c -> c.purpose() + "/" + (c.recipient() == null ? "" : c.recipient()) + "/" + c.policyVersion()).sorted().toList();
      List<String> plainRows = new ArrayList<>();
      try (Connection c = plain.getConnection(); PreparedStatement q = c.prepareStatement(SELECT)) {
        q.setString(1, id);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            plainRows.add(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getInt(3));
          }
        }
      }
      plainRows.sort(null);
      if (consents <= PURPOSES.length && !derived.equals(plainRows)) {
        throw new IllegalStateException("the lookup read " + derived + " where the plain select read " + plainRows);
      }
    }
  }

  private static final String INSERT = "INSERT INTO plain_consent (id, subject_id, purpose, recipient_key, granted, policy_version, channel, at) "
      + "VALUES (?, ?, ?, '', TRUE, 1, 'api', ?)";
  private static final String SELECT = "SELECT purpose, recipient_key, policy_version FROM plain_consent WHERE subject_id = ? AND granted";

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    plain.close();
    store.close();
    keyStore.close();
    // the H2 files and the key files of this trial: deepest first
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private String person() {
    return ids[(int) (next++ % ids.length)];
  }

  private Entry appendLedger(String id, String purpose) {
    return storage.inTransaction(w -> {
      w.consents().lock();
      return w.consents().append(id, new Entry("cn-" + UUID.randomUUID(), 0, purpose, null, true, 1, "api", "subject:" + id, Instant.now(), null, null, null));
    });
  }

  /** One plain row in a transaction of its own, on a connection borrowed from the pool (which sets auto-commit back when it is returned). */
  private int insertPlain(String id, String purpose) throws Exception {
    try (Connection c = plain.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement(INSERT)) {
        insert.setString(1, "cn-" + UUID.randomUUID());
        insert.setString(2, id);
        insert.setString(3, purpose);
        insert.setTimestamp(4, Timestamp.from(Instant.now()));
        int n = insert.executeUpdate();
        c.commit();
        return n;
      }
    }
  }

  @Benchmark
  public Entry ledgerAppend() {
    return appendLedger(person(), PURPOSES[(int) (next % PURPOSES.length)]);
  }

  @Benchmark
  public int plainInsert() throws Exception {
    return insertPlain(person(), PURPOSES[(int) (next % PURPOSES.length)]);
  }

  /**
   * The engine's lookup as the enforcer makes it: {@code Tx.facts} on the {@code Work} of the use case's transaction
   * (the enforcer opens none of its own; the use case's transaction is there for its audit entry and its data anyway).
   * {@link #LOOKUPS} people a transaction, so the transaction's own begin and commit weigh alike on both sides.
   */
  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void derivedLookup(Blackhole bh) {
    storage.useTransaction(w -> {
      Instant now = Instant.now();
      for (int i = 0; i < LOOKUPS; i++) {
        bh.consume(w.facts(mail, person(), now));
      }
    });
  }

  /**
   * The baseline: the same people's rows from the plain table by its index, {@link #LOOKUPS} a transaction on a connection
   * borrowed from the pool, the statement prepared on it for each lookup as the store's lookup does (the driver keeps it).
   */
  @Benchmark
  @OperationsPerInvocation(LOOKUPS)
  public void plainSelect(Blackhole bh) throws Exception {
    try (Connection c = plain.getConnection()) {
      c.setAutoCommit(false);
      for (int i = 0; i < LOOKUPS; i++) {
        try (PreparedStatement select = c.prepareStatement(SELECT)) {
          select.setString(1, person());
          try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
              bh.consume(rs.getString(1));
              bh.consume(rs.getString(2));
              bh.consume(rs.getInt(3));
            }
          }
        }
      }
      c.commit();
    }
  }
}
