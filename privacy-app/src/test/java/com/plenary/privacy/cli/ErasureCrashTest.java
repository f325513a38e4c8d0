package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.Credentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Erasure survives a crash at each of its steps (C29, C34): a real {@code plenary serve} process is
 * stopped dead (as {@code kill -9} would) right after the data is deleted, and right after a key is
 * destroyed. The person is never half-erased without a record, no data is left whose key is gone,
 * and the next start — or {@code plenary erasure resume} — completes the erasure.
 */
class ErasureCrashTest {
  private final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @ParameterizedTest(name = "killed at {0}, completed by {1}")
  @ValueSource(strings = {"erase.after-data", "erase.after-key"})
  void anErasureKilledAtAnyStepIsCompletedOnTheNextStart(String failpoint) throws Exception {
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.toString()));
    String key;
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      key = platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ServerProcess server = ServerProcess.start(dir, "server.log", Map.of("JAVA_TOOL_OPTIONS", "-Dplenary.failpoint=" + failpoint), http);
    String id;
    try {
      String email = "ada." + System.nanoTime() + "@example.org";
      HttpResponse<String> registered = http.send(HttpRequest.newBuilder(server.uri("/api/v1/subjects")).header("Authorization", "Bearer " + key)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},\"password\":\"a long passphrase\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
      id = json.readTree(registered.body()).get("id").asText();
      HttpResponse<String> signIn = http.send(HttpRequest.newBuilder(server.uri("/api/v1/session")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"a long passphrase\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
      String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
      JsonNode session = json.readTree(signIn.body());
      HttpRequest erase = HttpRequest.newBuilder(server.uri("/api/v1/me")).header("Cookie", cookie.substring(0, cookie.indexOf(';')))
          .header("X-CSRF-Token", session.get("csrf").asText()).DELETE().build();
      assertThatThrownBy(() -> http.send(erase, HttpResponse.BodyHandlers.ofString())).as("the process dies in the middle of the erasure")
          .isInstanceOf(IOException.class);
      assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(server.process().exitValue()).isEqualTo(137);
    } finally {
      server.process().destroyForcibly().waitFor();
    }

    // as the crash left it: the data is gone and the erasure is on record, unfinished; no key is gone whose data remains
    try (Connection db = DriverManager.getConnection(config.databaseUrl(), config.databaseUser(), config.databasePassword());
        Connection keys = DriverManager.getConnection(config.keystoreUrl(), config.keystoreUser(), config.keystorePassword())) {
      assertThat(count(db, "SELECT COUNT(*) FROM subject WHERE id = ?", id)).isZero();
      assertThat(count(db, "SELECT COUNT(*) FROM subject_field WHERE subject_id = ?", id)).isZero();
      assertThat(count(db, "SELECT COUNT(*) FROM erasure_record WHERE subject_id = ? AND completed_at IS NULL", id)).isEqualTo(1);
      assertThat(count(db, "SELECT COUNT(*) FROM erasure_pending_key WHERE owner = ?", id)).isEqualTo(1);
      assertThat(count(keys, "SELECT COUNT(*) FROM subject_key WHERE subject_id = ?", id)).isEqualTo(failpoint.equals("erase.after-data") ? 1 : 0);
    }

    if (failpoint.equals("erase.after-data")) {
      // the operator's command completes it
      StringWriter out = new StringWriter();
      int code = Main.run(new String[] {"--data-dir", dir.toString(), "erasure", "resume", "--json"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
      assertThat(code).isZero();
      assertThat(json.readTree(out.toString()).get("completed").asInt()).isEqualTo(1);
    } else {
      // the next start completes it
      // and it has stopped before the checks below open its embedded database: a process still shutting down holds the H2 file's lock,
      // and the command below could not open it (it did, on a loaded machine)
      Process restarted = ServerProcess.start(dir, "restart.log", Map.of(), http).process();
      restarted.destroy();
      assertThat(restarted.waitFor(60, TimeUnit.SECONDS)).as("the restarted server stops").isTrue();
    }

    try (Connection db = DriverManager.getConnection(config.databaseUrl(), config.databaseUser(), config.databasePassword());
        Connection keys = DriverManager.getConnection(config.keystoreUrl(), config.keystoreUser(), config.keystorePassword())) {
      assertThat(count(db, "SELECT COUNT(*) FROM erasure_record WHERE subject_id = ? AND completed_at IS NOT NULL", id)).isEqualTo(1);
      assertThat(count(db, "SELECT COUNT(*) FROM erasure_pending_key WHERE owner = ?", id)).isZero();
      assertThat(count(keys, "SELECT COUNT(*) FROM subject_key WHERE subject_id = ?", id)).isZero();
    }
    // and nothing is left to do
    StringWriter again = new StringWriter();
    StringWriter againErr = new StringWriter();
    int againCode = Main.run(new String[] {"--data-dir", dir.toString(), "erasure", "resume", "--json"}, new PrintWriter(again, true), new PrintWriter(againErr, true));
    assertThat(againCode).as(againErr.toString()).isZero();
    assertThat(json.readTree(again.toString()).get("completed").asInt()).isZero();
  }

  private static int count(Connection c, String sql, String id) throws Exception {
    try (var s = c.prepareStatement(sql)) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
