package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.store.Schedule;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.testkit.Postgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real {@code plenary serve} processes on one PostgreSQL schema, as behind a load balancer (issue
 * 18): each with a data directory of its own and a copy of the first node's key files. The retention job
 * and the audit sealer run once a period, not once a node; failed sign-ins spread over the three nodes
 * are counted together; a session made on one node works on another; a node with keys of its own and a
 * second node on an embedded H2 database are refused with a message that says why.
 */
class SeveralNodesTest {
  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ServerProcess> started = new ArrayList<>();
  private Postgres pg;
  /** The key store: a database (here a schema) of its own, as in production. */
  private Postgres pgKeys;

  @AfterEach
  void stop() throws Exception {
    for (ServerProcess s : started) {
      s.process().destroy();
    }
    for (ServerProcess s : started) {
      if (!s.process().waitFor(30, TimeUnit.SECONDS)) {
        s.process().destroyForcibly().waitFor();
      }
    }
    if (pg != null) {
      pg.close();
    }
    if (pgKeys != null) {
      pgKeys.close();
    }
  }

  private Map<String, String> postgresEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("PLENARY_DATABASE_URL", pg.url());
    env.put("PLENARY_DATABASE_USER", pg.user());
    env.put("PLENARY_KEYSTORE_URL", pgKeys.url());
    env.put("PLENARY_KEYSTORE_USER", pgKeys.user());
    env.put("PLENARY_CLUSTER", "true");
    env.put("PLENARY_RETENTION_INTERVAL", "PT1S");
    env.put("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT", "5");
    return env;
  }

  private Path nodeDir(String name, Path keysFrom) throws Exception {
    return ServerProcess.nodeDir(dir, name, keysFrom);
  }

  private ServerProcess node(Path d, Map<String, String> env) throws Exception {
    ServerProcess s = ServerProcess.startNode(d, env, http);
    started.add(s);
    return s;
  }

  private HttpResponse<String> post(ServerProcess node, String path, String json, Map<String, String> headers) throws Exception {
    var b = HttpRequest.newBuilder(node.uri(path)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void threeNodesOnOnePostgresShareJobsThrottlingAndSessions() throws Exception {
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    Path first = nodeDir("node-1", null);
    ServerProcess one = node(first, postgresEnv());
    ServerProcess two = node(nodeDir("node-2", first), postgresEnv());
    ServerProcess three = node(nodeDir("node-3", first), postgresEnv());
    List<ServerProcess> nodes = List.of(one, two, three);
    Instant since = Instant.now();

    // a person registered through node 3, with a password
    String key;
    try (Store store = Store.open(pg.url(), pg.user(), "", 2, Clock.systemUTC())) {
      key = store.credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    }
    var registered = post(three, "/api/v1/subjects", "{\"fields\":{\"email\":\"nodes@example.org\",\"name\":\"Nadia\"},\"password\":\"correct horse battery\"}",
        Map.of("Authorization", "Bearer " + key));
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);

    // a session made on node 1 works on node 2 (and its CSRF token with it)
    var signedIn = post(one, "/api/v1/session", "{\"email\":\"nodes@example.org\",\"password\":\"correct horse battery\"}", Map.of());
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
    String cookie = signedIn.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pl_session=")).findFirst().orElseThrow().split(";")[0];
    var me = http.send(HttpRequest.newBuilder(two.uri("/api/v1/me")).header("Cookie", cookie).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(me.body()).contains("Nadia");

    // failed sign-ins spread over the three nodes are counted together: five fail, the sixth is throttled wherever it lands
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      statuses.add(post(nodes.get(i % 3), "/api/v1/session", "{\"email\":\"target@example.org\",\"password\":\"guess " + i + "\"}", Map.of()).statusCode());
    }
    assertThat(statuses).containsExactly(401, 401, 401, 401, 401, 429, 429);

    // the retention job (every second) and the audit sealer (every 250 ms) run once a period, on whichever node claims it
    Thread.sleep(6_000);
    try (Store store = Store.open(pg.url(), pg.user(), "", 2, Clock.systemUTC())) {
      for (String job : List.of("retention", "audit-seal")) {
        List<Schedule.Run> runs = store.schedule().runs(job, since);
        Map<Instant, Long> perPeriod = runs.stream().collect(Collectors.groupingBy(Schedule.Run::period, Collectors.counting()));
        assertThat(perPeriod.values()).as("runs of %s per period", job).allMatch(n -> n == 1);
        Duration every = job.equals("retention") ? Duration.ofSeconds(1) : Duration.ofMillis(250);
        long periods = Duration.between(runs.get(0).period(), runs.get(runs.size() - 1).period()).toMillis() / every.toMillis() + 1;
        assertThat((long) runs.size()).as("%s runs in %d periods", job, periods).isGreaterThanOrEqualTo(periods * 3 / 4).isLessThanOrEqualTo(periods);
        Set<String> by = new HashSet<>();
        runs.forEach(r -> by.add(r.node()));
        assertThat(by).as("nodes that ran %s", job).isNotEmpty();
      }
      // every audit entry written through any node is sealed into one chain
      var verified = store.audit().verify();
      assertThat(verified.intact()).as(verified.detail()).isTrue();
    }
  }

  @Test
  void aNodeWithKeysOfItsOwnIsRefusedAndSaysWhy() throws Exception {
    pg = Postgres.freshSchema();
    pgKeys = Postgres.freshSchema();
    node(nodeDir("node-1", null), postgresEnv());
    Path stranger = nodeDir("stranger", null);
    ServerProcess refused = ServerProcess.launch(stranger, "node.log", postgresEnv(), List.of());
    started.add(refused);
    assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.process().exitValue()).isNotZero();
    assertThat(Files.readString(stranger.resolve("node.log"))).contains("differs from the one node").contains("copy data_dir/keys from a running node");
  }

  @Test
  void aSecondNodeOnTheEmbeddedH2DatabaseIsRefusedAndSaysWhy() throws Exception {
    Path shared = nodeDir("h2", null);
    started.add(ServerProcess.start(shared, "first.log", Map.of(), http));
    ServerProcess second = ServerProcess.launch(shared, "second.log", Map.of(), List.of());
    started.add(second);
    assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.process().exitValue()).isNotZero();
    assertThat(Files.readString(shared.resolve("second.log"))).contains("serves one node only").contains("PostgreSQL");
  }

  @Test
  void aClusterSettingWithTheEmbeddedH2DatabaseIsRefusedAndSaysWhy() throws Exception {
    Path d = nodeDir("h2-cluster", null);
    ServerProcess refused = ServerProcess.launch(d, "node.log", Map.of("PLENARY_CLUSTER", "true"), List.of());
    started.add(refused);
    assertThat(refused.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.process().exitValue()).isNotZero();
    assertThat(Files.readString(d.resolve("node.log"))).contains("'cluster' is true").contains("serves one node only");
  }
}
