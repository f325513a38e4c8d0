package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.audit.NoteSigner;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.PlenaryServer;
import com.plenary.privacy.store.AuditCheckpoints;
import com.plenary.privacy.store.Credentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code plenary audit verify --url --key} against a real server on port 0 (C29): it trusts only the
 * public key and the last checkpoint it saw, and finds a history rewritten, a tail cut off and a fork,
 * each done by someone who can write the database and the server's files but does not hold the key.
 */
class RemoteAuditVerifyTest {
  private static final String ZERO = "0".repeat(64);
  private final HttpClient http = HttpClient.newHttpClient();

  /** A running server with a few audited registrations, and what an outside auditor holds. */
  private final class World implements AutoCloseable {
    final Path dir = Files.createTempDirectory("plenary-remote-audit");
    final Platform platform;
    final PlenaryServer server;
    final String service;
    final String token;
    final String key;
    final Path state = dir.resolve("auditor/last.checkpoint");

    World() throws Exception {
      Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString(), "server.port", "0", "server.host", "127.0.0.1"));
      platform = Platform.open(config, Clock.systemUTC());
      server = PlenaryServer.start(platform);
      service = platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      var member = platform.vault().staff().add("Aud", "employee", List.of("auditor"), Instant.now());
      token = platform.issueStaffToken(member.id(), Duration.ofMinutes(10));
      key = platform.store().audit().checkpoints().orElseThrow().verifier().verifierKey(); // handed to the auditor out of band
      register(4);
    }

    void register(int n) throws Exception {
      for (int i = 0; i < n; i++) {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/subjects"))
            .header("Authorization", "Bearer " + service).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"fields\":{\"email\":\"r" + System.nanoTime() + "@example.org\",\"name\":\"Rae\"}}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      }
      platform.store().audit().seal();
    }

    /** The auditor's check; returns the exit code and what was printed. */
    String[] verify(boolean entries) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      List<String> args = new ArrayList<>(List.of("audit", "verify", "--url", "http://127.0.0.1:" + server.port(), "--key", key, "--state", state.toString()));
      if (entries) {
        args.addAll(List.of("--entries", "--token", token));
      }
      int code = Main.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
      return new String[] {String.valueOf(code), out + err.toString()};
    }

    /** SQL in one transaction, so the server's sealer sees all of it or none. */
    void sql(String... statements) throws Exception {
      try (Connection c = DriverManager.getConnection(platform.config().databaseUrl(), "sa", "")) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          for (String sql : statements) {
            s.executeUpdate(sql);
          }
        }
        c.commit();
      }
    }

    /** Someone with the database rewrites an early entry and rebuilds the chain and the tree to match, then has it sealed. */
    void rewriteHistory() throws Exception {
      sql("UPDATE audit_log_entry SET effect = 'deny' WHERE seq = 2", "UPDATE audit_log_entry SET seq = NULL, prev_hash = NULL, hash = NULL",
          "DELETE FROM audit_tree_node", "UPDATE audit_head SET seq = 0, hash = '" + ZERO + "', tree_size = 0");
      platform.store().audit().seal();
    }

    /**
     * ... and, holding the server's files, throws away its checkpoints, as a restart on a wiped data
     * directory would, with those the nodes signed into the database.
     */
    void forgetCheckpoints() throws Exception {
      sql("DELETE FROM audit_checkpoint");
      Files.delete(dir.resolve("data").resolve(AuditCheckpoints.LOG_FILE));
      platform.store().audit().keepCheckpoints(AuditCheckpoints.open(platform.config().keyDir(), platform.config().dataDir()));
      platform.store().audit().seal();
    }

    @Override
    public void close() {
      server.close();
      platform.close();
    }
  }

  @Test
  void C29_anHonestLogVerifiesFromOutsideAndEachCheckExtendsTheLast() throws Exception {
    try (World w = new World()) {
      String[] first = w.verify(true);
      assertThat(first[0]).as(first[1]).isEqualTo("0");
      assertThat(first[1]).contains("the first seen", "root recomputed from every entry");
      w.register(3);
      String[] second = w.verify(true);
      assertThat(second[0]).as(second[1]).isEqualTo("0");
      assertThat(second[1]).contains("consistent with the");
      String[] third = w.verify(false);
      assertThat(third[0]).as(third[1]).isEqualTo("0");
    }
  }

  @Test
  void C29_aRewrittenHistoryIsFoundAgainstTheLastCheckpointSeen() throws Exception {
    try (World w = new World()) {
      assertThat(w.verify(false)[0]).isEqualTo("0");
      w.rewriteHistory();
      String[] sameSize = w.verify(true); // the server still serves the old checkpoint: only the entries betray it
      assertThat(sameSize[0]).as(sameSize[1]).isEqualTo("1");
      assertThat(sameSize[1]).contains("do not make the signed root");
      w.register(2); // the server now signs the rewritten tree
      String[] grown = w.verify(false);
      assertThat(grown[0]).as(grown[1]).isEqualTo("1");
      assertThat(grown[1]).contains("rewritten or forked");
    }
  }

  @Test
  void C29_aTailCutOffIsFoundAgainstTheLastCheckpointSeen() throws Exception {
    try (World w = new World()) {
      assertThat(w.verify(false)[0]).isEqualTo("0");
      w.sql("DELETE FROM audit_log_entry WHERE seq > 3", "UPDATE audit_log_entry SET seq = NULL, prev_hash = NULL, hash = NULL", "DELETE FROM audit_tree_node",
          "UPDATE audit_head SET seq = 0, hash = '" + ZERO + "', tree_size = 0");
      w.forgetCheckpoints();
      String[] cut = w.verify(false);
      assertThat(cut[0]).as(cut[1]).isEqualTo("1");
      assertThat(cut[1]).contains("cut short");
    }
  }

  @Test
  void C29_aForkOfTheSameSizeIsFound() throws Exception {
    try (World w = new World()) {
      assertThat(w.verify(false)[0]).isEqualTo("0");
      w.rewriteHistory();
      w.forgetCheckpoints();
      String[] fork = w.verify(false);
      assertThat(fork[0]).as(fork[1]).isEqualTo("1");
      assertThat(fork[1]).contains("forked");
      // the server's own check cannot see this one: whoever wiped its checkpoints left none to contradict; the auditor's kept one does
      assertThat(w.platform.store().audit().verify().intact()).isTrue();
    }
  }

  @Test
  void C29_aKeyOtherThanTheServersIsRefused() throws Exception {
    try (World w = new World()) {
      StringWriter err = new StringWriter();
      String other = NoteSigner.generate(w.key.substring(0, w.key.indexOf('+'))).verifier().verifierKey();
      int code = Main.run(new String[] {"audit", "verify", "--url", "http://127.0.0.1:" + w.server.port(), "--key", other, "--state", w.state.toString()},
          new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
      assertThat(code).isEqualTo(1);
      assertThat(err.toString()).contains("not signed by the key given");
    }
  }
}
