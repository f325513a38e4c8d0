package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plenary db compact} must never stop a running server: SHUTDOWN COMPACT sent to a database a
 * server holds open would shut the server's database down. A real server process holds the files.
 */
class DbCompactWhileServingTest {
  @TempDir
  Path dir;

  @Test
  void compactingIsRefusedWhileAServerHoldsTheFileAndTheServerGoesOn() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    ServerProcess started = ServerProcess.start(dir, "server.log", Map.of(), http);
    Process server = started.process();
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.run(new String[] {"--data-dir", dir.toString(), "db", "compact"}, new PrintWriter(out, true), new PrintWriter(err, true));
      assertThat(code).as(out + "" + err).isEqualTo(1);
      assertThat(err.toString()).contains("open in a running server").contains("stop it");
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(started.uri("/health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(server.isAlive()).isTrue();
    } finally {
      server.destroy();
      server.waitFor();
    }
    // stopped, the same command compacts
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    assertThat(Main.run(new String[] {"--data-dir", dir.toString(), "db", "compact"}, new PrintWriter(out, true), new PrintWriter(err, true)))
        .as(err.toString()).isZero();
    assertThat(out.toString()).contains("data: ").contains("keys: ");
  }
}
