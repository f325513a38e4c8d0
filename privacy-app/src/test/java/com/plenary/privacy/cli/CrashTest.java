package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Engineers;
import com.plenary.privacy.platform.Platform;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost, and nothing is stored twice: a real server process takes beacons from
 * a load generator and is killed with SIGKILL at random moments (seeded; the seed is printed and
 * {@code -Dcrash.seed=…} repeats a run) — while it starts, while it replays the collector's journal
 * that the previous kill left, and under load — ten times over the same data, each run of the
 * server with the journal (the embedded default: a beacon is acknowledged once its group is in the
 * journal) or without it (as on PostgreSQL: once its group is committed), chosen at random, so a
 * server without the journal also recovers what one with it left. Afterwards (what the last kill left
 * replayed by whatever opens the platform next) every event whose request got a 2xx is in the store
 * exactly once, counted row by row per request id, and no event at all is stored twice.
 *
 * <p>Each start after a kill takes H2 some seconds (it waits out the killed process's lock files),
 * which is most of this test's time.
 */
class CrashTest {
  private static final int KILLS = Integer.getInteger("crash.kills", 10);
  private static final String BEACON = "{\"type\":\"pageview\",\"page\":\"https://shop.example/crash\",\"language\":\"en\",\"screen\":{\"w\":800,\"h\":600}}";

  @TempDir
  Path dir;

  @Test
  void killMinus9AtRandomMomentsLosesNoAcknowledgedEventAndStoresNoneTwice() throws Exception {
    String given = System.getProperty("crash.seed", System.getenv("CRASH_SEED"));
    long seed = given == null || given.isBlank() ? new SecureRandom().nextLong() : Long.parseLong(given.trim());
    killAtRandom(seed);
  }

  /**
   * SIGTERM stops in order — the server handles the signal itself, so H2's own exit hook cannot close
   * the database under the last work — without an error or a warning: the journal is emptied into
   * the store and every acknowledged beacon is there, once.
   */
  @Test
  void aCleanStopKeepsEveryAcknowledgedEvent() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ServerProcess server = ServerProcess.start(dir, "server.log", Map.of(), http);
    Set<String> acknowledged = new HashSet<>();
    try {
      for (int n = 0; n < 50; n++) {
        HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(server.uri("/collect"))
            .header("Content-Type", "text/plain").header("X-Request-Id", "stop-" + n).header("Cookie", "pl_bid=SSSSSSSSSSSSSSSSSSSSSS; pl_consent=v1.p1.a1")
            .POST(HttpRequest.BodyPublishers.ofString(BEACON)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(resp.statusCode()).isEqualTo(204);
        acknowledged.add("stop-" + n);
      }
    } finally {
      server.process().destroy(); // SIGTERM
      server.process().waitFor();
    }
    String log = Files.readString(dir.resolve("server.log"));
    assertThat(log).contains("stopped").doesNotContain(" ERROR ").doesNotContain(" WARN ");
    try (var files = Files.list(dir.resolve("collector-journal"))) {
      assertThat(files.map(f -> f.getFileName().toString())).as("the stop emptied the journal into the store").noneMatch(f -> f.endsWith(".journal"));
    }
    Map<String, Integer> rows = rowsPerRequestId("stop-");
    assertThat(acknowledged).allSatisfy(id -> assertThat(rows.getOrDefault(id, 0)).as("rows stored for %s", id).isEqualTo(1));
    assertThat(rows).hasSize(50);
  }

  /** The moment of a kill: while the process starts (and replays what the last kill left), or under load once it serves. */
  private enum Moment { STARTING, LOADED }

  private void killAtRandom(long seed) throws Exception {
    System.out.println("CrashTest seed=" + seed + " kills=" + KILLS + " (repeat with -Dcrash.seed=" + seed + ")");
    Random random = new Random(seed);
    // the first round creates the database under load; then a shuffled mix, two in five of the kills while starting
    List<Moment> moments = new ArrayList<>();
    List<String> journals = new ArrayList<>();
    for (int i = 1; i < KILLS; i++) {
      moments.add(i <= Math.max(3, KILLS * 2 / 5) ? Moment.STARTING : Moment.LOADED);
      journals.add(i % 2 == 0 ? "auto" : "off");
    }
    Collections.shuffle(moments, random);
    Collections.shuffle(journals, random);
    moments.add(0, Moment.LOADED);
    journals.add(0, "auto");

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> sent = ConcurrentHashMap.newKeySet();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long startup = 0;
    List<String> story = new ArrayList<>();
    for (int round = 0; round < moments.size(); round++) {
      int waiting = journalSegments();
      long launched = System.nanoTime();
      Path log = dir.resolve("server-" + round + ".log");
      // C1 only: the server starts in about half the time, and a crash test wants many starts
      String journal = journals.get(round);
      ServerProcess started = ServerProcess.launch(dir, log.getFileName().toString(), Map.of("PLENARY_COLLECTOR_JOURNAL", journal), List.of("-XX:TieredStopAtLevel=1"));
      Process server = started.process();
      AtomicBoolean go = new AtomicBoolean(true);
      List<Thread> load = load(http, started, round, go, sent, acknowledged);
      String when;
      try {
        if (moments.get(round) == Moment.STARTING) {
          // anywhere in the start-up as the last one took: opening the database, replaying the journal, starting HTTP
          long killAt = random.nextInt((int) Math.max(1, startup));
          Thread.sleep(killAt);
          when = killAt + " ms after launch";
        } else {
          awaitServing(log, server);
          startup = (System.nanoTime() - launched) / 1_000_000;
          long after = 300 + random.nextInt(1500);
          Thread.sleep(after);
          when = after + " ms into the load (served after " + startup + " ms)";
        }
      } finally {
        server.destroyForcibly(); // SIGKILL: no shutdown hook runs
        server.waitFor();
        go.set(false);
      }
      for (Thread th : load) {
        th.join(10_000);
      }
      String text = Files.readString(log);
      String phase = text.contains("serving on port") ? "while serving"
          : waiting == 0 ? "while starting"
          : text.contains("events replayed") ? "while starting, after replaying " + waiting + " journal segment(s)"
          : "while starting, before " + waiting + " journal segment(s) were replayed";
      story.add(String.format("round %d (journal %s): killed %s, %s", round, journal, phase, when));
    }
    story.forEach(line -> System.out.println("CrashTest: " + line));
    System.out.println("CrashTest: " + acknowledged.size() + " beacons acknowledged");
    // a loaded two-core machine acknowledges a few hundred in all; fifty is enough for the counts below to mean something
    assertThat(acknowledged).as("the load generator got acknowledgements").hasSizeGreaterThan(50);
    assertThat(story).as("kills while starting").anyMatch(l -> l.contains("while starting"));
    assertThat(story).as("kills while serving").anyMatch(l -> l.contains("while serving"));
    assertThat(Files.exists(dir.resolve("collector-journal"))).as("the server used its journal").isTrue();
    Map<String, Integer> rows = rowsPerRequestId("crash-");
    List<String> lost = acknowledged.stream().filter(id -> !rows.containsKey(id)).sorted().toList();
    Map<String, Integer> twice = new TreeMap<>();
    rows.forEach((id, n) -> {
      if (n != 1) {
        twice.put(id, n);
      }
    });
    assertThat(lost).as("acknowledged events missing from the store (seed %d)", seed).isEmpty();
    assertThat(twice).as("events stored more than once (seed %d)", seed).isEmpty();
    assertThat(sent).as("every stored event was sent").containsAll(rows.keySet());
  }

  /** Four threads sending beacons as soon as the port takes them, until {@code go} ends or the server is gone. */
  private static List<Thread> load(HttpClient http, ServerProcess server, int round, AtomicBoolean go, Set<String> sent, Set<String> acknowledged) {
    URI collect = server.uri("/collect");
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        boolean served = false;
        for (int n = 0; go.get() && n < 100_000; n++) {
          String id = "crash-" + round + "-" + thread + "-" + n;
          try {
            sent.add(id);
            HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(collect)
                .timeout(Duration.ofSeconds(5)).header("Content-Type", "text/plain").header("X-Request-Id", id)
                .header("Cookie", "pl_bid=CCCCCCCCCCCCCCCCCCCCC" + thread + "; pl_consent=v1.p1.a1")
                .POST(HttpRequest.BodyPublishers.ofString(BEACON)).build(), HttpResponse.BodyHandlers.discarding());
            served = true;
            if (resp.statusCode() / 100 == 2 && "yes".equals(resp.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
              acknowledged.add(id);
            }
          } catch (ConnectException notYet) {
            if (served) {
              return; // the server is gone
            }
            sleep(20); // still starting
          } catch (Exception e) {
            return; // the server is gone
          }
        }
      });
      th.start();
      load.add(th);
    }
    return load;
  }

  private static void awaitServing(Path log, Process server) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline && server.isAlive()) {
      if (Files.exists(log) && Files.readString(log).contains("serving on port")) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the first server did not start: " + (Files.exists(log) ? Files.readString(log) : "no log"));
  }

  private int journalSegments() throws Exception {
    Path journal = dir.resolve("collector-journal");
    if (!Files.isDirectory(journal)) {
      return 0;
    }
    try (var files = Files.list(journal)) {
      return (int) files.filter(f -> f.getFileName().toString().endsWith(".journal")).count();
    }
  }

  /**
   * The rows of usage_event per request id with the prefix, counted one by one (not DISTINCT, which
   * would hide a duplicate), after opening the platform has replayed what the last kill left.
   */
  private Map<String, Integer> rowsPerRequestId(String prefix) throws Exception {
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.toString()));
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      long total = platform.vault().usage().count(); // waits until the journal is in the table
      // and every stored event still opens: no owner's key was lost with the crash
      assertThat(Engineers.newest(platform, (int) total)).allSatisfy(e -> assertThat(e.get("details").toString()).contains("shop.example/crash"));
      Map<String, Integer> rows = new HashMap<>();
      try (Connection c = DriverManager.getConnection(config.databaseUrl(), config.databaseUser(), config.databasePassword());
          PreparedStatement q = c.prepareStatement("SELECT request_id, COUNT(*) FROM usage_event WHERE request_id LIKE ? GROUP BY request_id")) {
        q.setString(1, prefix + "%");
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getString(1), rs.getInt(2));
          }
        }
      }
      return rows;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
