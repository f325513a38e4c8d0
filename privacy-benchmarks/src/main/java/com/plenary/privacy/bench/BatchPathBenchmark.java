package com.plenary.privacy.bench;

import com.plenary.privacy.Ids;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.PGConnection;

/**
 * The collector's batch path into PostgreSQL (issue 5) against a raw {@code COPY} of the same rows,
 * in the same run: both store batches of 1,000 events, each batch committed on its own, into a table
 * of the same shape with the same indexes.
 *
 * <ul>
 *   <li>{@code rawCopy} (the baseline): a binary {@code COPY} of 1,000 ready rows — ids of the same
 *       length and time order, times, and a ciphertext the batch path stored — and a commit. Nothing is decided, sealed or
 *       audited.
 *   <li>{@code batchPath}: {@link UsageEvents#append} of 1,000 service events — each gets its id,
 *       its details written as JSON and sealed with the person's key — the rows stored, one audit
 *       entry for the batch, a commit.
 *   <li>{@code prepareOnly}: the same events made ready (ids, JSON, sealing) but not stored — the
 *       CPU work of the batch path that streaming overlaps with PostgreSQL's.
 * </ul>
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar BatchPathBenchmark} (PostgreSQL
 * at 127.0.0.1:5432, database test, user postgres; {@code PLENARY_BENCH_PG_URL} to change). It works
 * in fresh schemas and drops them afterwards. Throughput is in events per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class BatchPathBenchmark {
  static final int BATCH = 1000;
  private static final String BASE = System.getenv().getOrDefault("PLENARY_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
  private static final long PG_EPOCH_MICROS = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L;

  private String schema;
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private Domain domain;
  private Connection copy;
  private String person;
  private byte[] ciphertext;
  private long next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    schema = "batch_" + ProcessHandle.current().pid();
    try (Connection admin = DriverManager.getConnection(BASE, "postgres", ""); Statement s = admin.createStatement()) {
      s.execute("CREATE SCHEMA " + schema + "; CREATE SCHEMA " + schema + "_keys");
    }
    String url = BASE + "?currentSchema=" + schema;
    store = Store.open(url, "postgres", "", 4, Clock.systemUTC());
    keyStore = SubjectKeys.open(BASE + "?currentSchema=" + schema + "_keys", "postgres", "", Clock.systemUTC());
    Enforcer enforcer = Enforcer.create(Policy.bundled(), Clock.systemUTC());
    vault = store.vault(Keys.local(Files.createTempDirectory("batch-keys")), keyStore);
    domain = new Domain(enforcer, vault.storage(), null);
    person = domain.subjects().register(Access.service("mail", null), "mail", Map.of("email", "batch@example.org", "name", "Batch Person"), null, null).value().id();
    vault.usage().append(events());
    copy = DriverManager.getConnection(url, "postgres", "");
    try (Statement s = copy.createStatement()) {
      s.execute("CREATE TABLE usage_event_copy (LIKE usage_event INCLUDING ALL)");
      try (ResultSet rs = s.executeQuery("SELECT sealed FROM usage_event LIMIT 1")) {
        rs.next();
        ciphertext = rs.getBytes(1);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    try (Statement s = copy.createStatement()) {
      s.execute("DROP SCHEMA " + schema + " CASCADE; DROP SCHEMA " + schema + "_keys CASCADE");
    }
    copy.close();
    store.close();
    keyStore.close();
  }

  private List<UsageEvents.Event> events() {
    List<UsageEvents.Event> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      long n = next++;
      batch.add(UsageEvents.Event.builder("r-" + n).source("service", "mail").purpose("technical")
          .kind("pageview").subject(person).details(Map.of("page", "https://shop.example/p/" + n, "language", "en-GB", "screen", "1280x800", "ip", "203.0.113.0",
              "browser", "Chrome", "os", "Linux", "device", "Other")).build());
    }
    return batch;
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int batchPath() {
    return vault.usage().append(events());
  }

  /** The batch path's own CPU work without storing: ids, JSON, sealing (to see what the overlap hides). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public Object prepareOnly() {
    return vault.usage().prepare(events());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long rawCopy() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(BATCH * 320);
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
    out.writeInt(0);
    out.writeInt(0);
    Instant now = Instant.now();
    long idHigh = Ids.timeOrdered(now.toEpochMilli()).getMostSignificantBits();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000 - PG_EPOCH_MICROS;
    for (int i = 0; i < BATCH; i++) {
      long n = next++;
      out.writeShort(12);
      text(out, "e-" + new UUID(idHigh, n)); // the same length and time order as the batch path's ids
      text(out, "r-" + n);
      out.writeInt(8);
      out.writeLong(micros);
      text(out, "service");
      text(out, "mail");
      text(out, "technical");
      text(out, "pageview");
      text(out, person);
      out.writeInt(-1);
      text(out, person);
      out.writeInt(-1);
      out.writeInt(ciphertext.length);
      out.write(ciphertext);
    }
    out.writeShort(-1);
    long rows = copy.unwrap(PGConnection.class).getCopyAPI().copyIn(
        "COPY usage_event_copy (id, request_id, received_at, source, source_name, purpose, kind, key_owner, browser_id, subject_id, partner_record_id, sealed) "
            + "FROM STDIN WITH (FORMAT binary)", new ByteArrayInputStream(bytes.toByteArray()));
    return rows;
  }

  private static void text(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }
}
