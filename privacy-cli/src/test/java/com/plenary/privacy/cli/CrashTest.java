package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.server.Config;
import com.plenary.privacy.server.Platform;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing acknowledged is lost: a real server process takes beacons from a load generator and is
 * killed with SIGKILL mid-load, five times over the same data; afterwards (the events a kill left in
 * the collector's journal replayed by the next start, or by whatever opens the platform next) every
 * event whose request got a 2xx is in the store, matched by request id. With the journal, the
 * embedded default, and without it.
 */
class CrashTest {
  private static final int ROUNDS = 5;
  private static final String BEACON = "{\"type\":\"pageview\",\"page\":\"https://shop.example/crash\",\"language\":\"en\",\"screen\":{\"w\":800,\"h\":600}}";

  @TempDir
  Path dir;

  /** The embedded default: beacons are acknowledged once their group is in the collector's journal. */
  @Test
  void killMinus9DuringLoadLosesNoAcknowledgedEvent() throws Exception {
    killDuringLoad("auto");
  }

  /** Without the journal, as on PostgreSQL: beacons are acknowledged once their group is committed. */
  @Test
  void killMinus9DuringLoadLosesNoAcknowledgedEventWithoutTheJournal() throws Exception {
    killDuringLoad("off");
  }

  /**
   * SIGTERM stops in order — the server handles the signal itself, so H2's own exit hook cannot close
   * the database under the last work — without an error or a warning: the journal is emptied into
   * the store and every acknowledged beacon is there.
   */
  @Test
  void aCleanStopKeepsEveryAcknowledgedEvent() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ServerProcess server = ServerProcess.start(dir, "server.log", Map.of(), http);
    Set<String> acknowledged = new java.util.HashSet<>();
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
    try (Platform platform = Platform.open(Config.load(null, Map.of(), Map.of("data_dir", dir.toString())), Clock.systemUTC())) {
      assertThat(platform.vault().usage().countByRequestIds(acknowledged)).isEqualTo(50);
    }
  }

  private void killDuringLoad(String journal) throws Exception {
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (int round = 0; round < ROUNDS; round++) {
      ServerProcess started = ServerProcess.start(dir, "server-" + round + ".log", Map.of("PLENARY_COLLECTOR_JOURNAL", journal), http);
      Process server = started.process();
      URI collect = started.uri("/collect");
      try {
        AtomicBoolean go = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        int r = round;
        for (int t = 0; t < 4; t++) {
          int thread = t;
          Thread th = new Thread(() -> {
            for (int n = 0; go.get() && n < 100_000; n++) {
              String id = "crash-" + r + "-" + thread + "-" + n;
              try {
                HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(collect)
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "text/plain").header("X-Request-Id", id)
                    .header("Cookie", "pl_bid=CCCCCCCCCCCCCCCCCCCCC" + thread + "; pl_consent=v1.p1.a1")
                    .POST(HttpRequest.BodyPublishers.ofString(BEACON)).build(), HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() / 100 == 2 && "yes".equals(resp.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
                  acknowledged.add(id);
                }
              } catch (Exception e) {
                return; // the server is gone
              }
            }
          });
          th.start();
          load.add(th);
        }
        Thread.sleep(1_500);
        server.destroyForcibly(); // SIGKILL: no shutdown hook runs
        server.waitFor();
        go.set(false);
        for (Thread th : load) {
          th.join(10_000);
        }
      } finally {
        server.destroyForcibly();
      }
    }
    assertThat(acknowledged).as("the load generator got acknowledgements").hasSizeGreaterThan(ROUNDS * 10);
    if (!"off".equals(journal)) {
      assertThat(Files.exists(dir.resolve("collector-journal"))).as("the server used its journal").isTrue();
    }
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.toString()));
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      assertThat(platform.vault().usage().countByRequestIds(acknowledged)).as("acknowledged events in the store").isEqualTo(acknowledged.size());
      // and every stored event still opens: no owner's key was lost with the crash
      assertThat(platform.vault().usage().newest((int) platform.vault().usage().count())).allSatisfy(e -> assertThat(e.get("details").toString()).contains("shop.example/crash"));
    }
  }
}
