package com.plenary.privacy.bench;

import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The collector's writer on the embedded H2 store: how the cost of storing an event depends on the
 * size of the group committed at once. Each invocation stores one group of already prepared browser
 * page views in one transaction (as the collector's writer does) into an H2 file opened as the
 * platform opens it ({@code WRITE_DELAY=0}: every commit is written to the file before it returns).
 * Throughput is in groups per second; events per second is that times {@code group}. With
 * {@code journal} set, the same groups go through the collector's journal instead.
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar H2GroupBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class H2GroupBenchmark {
  @Param({"10", "30", "100", "300"})
  public int group;

  /**
   * {@code off}: each group is one H2 transaction (the baseline); {@code synced} and {@code unsynced}:
   * each group is appended to the collector's journal (with and without {@code fdatasync}) and the
   * journal's applier moves groups into the table beside it, so the rate is that of acknowledging
   * groups while the table keeps up (200,000 events behind, appends wait for it).
   */
  @Param({"off", "synced", "unsynced"})
  public String journal;

  private Path dir;
  private Store store;
  private SubjectKeys keyStore;
  private Vault vault;
  private long next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("h2-group");
    store = Store.open("jdbc:h2:file:" + dir.resolve("plenary") + ";WRITE_DELAY=0", "sa", "", 4, Clock.systemUTC());
    keyStore = SubjectKeys.open("jdbc:h2:file:" + dir.resolve("keystore") + ";WRITE_DELAY=0", "sa", "", Clock.systemUTC());
    vault = store.vault(Keys.local(dir.resolve("keys")), keyStore);
    if (!"off".equals(journal)) {
      vault.usage().startJournal(dir.resolve("collector-journal"), "synced".equals(journal));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    vault.usage().stopJournal(Duration.ofMinutes(5));
    store.close();
    keyStore.close();
  }

  @Benchmark
  public int storeGroup() {
    List<UsageEvents.Event> events = new ArrayList<>(group);
    for (int i = 0; i < group; i++) {
      long n = next++;
      events.add(UsageEvents.Event.builder("r-" + n).source("browser", "snippet").purpose("analytics")
          .kind("pageview").browser("DDDDDDDDDDDDDDDDDDDDDD").details(Map.of("page", "https://shop.example/p/" + n, "language", "en-GB", "screen", "1280x800", "ip", "203.0.113.0",
              "browser", "Chrome", "os", "Linux", "device", "Other")).build());
    }
    return vault.usage().store(vault.usage().prepare(events));
  }
}
