package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.PlenaryServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staff tokens the command issues and revokes, as the HTTP API then takes them: the command and a server on the same data. */
class StaffTokensTest {
  @TempDir
  Path dir;

  private String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--data-dir";
    all[1] = dir.resolve("data").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(code).as(String.join(" ", args) + ": " + err).isZero();
    return out.toString().trim();
  }

  private static int whoami(PlenaryServer server, String token) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1/whoami"))
        .header("Authorization", "Bearer " + token).build();
    return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void C32_staffRevokeTokensRefusesEveryTokenIssuedBeforeAndKeepsTheMember() throws Exception {
    String id = Output.JSON.readTree(run("staff", "add", "--name", "Roz", "--type", "employee", "--role", "auditor", "--json")).get("id").asText();
    String old = run("staff", "token", id);
    Thread.sleep(2); // a later millisecond
    run("staff", "revoke-tokens", id);
    String fresh = run("staff", "token", id);
    assertThat(Main.run(new String[] {"--data-dir", dir.resolve("data").toString(), "staff", "revoke-tokens", "st-nobody"},
        new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true))).isEqualTo(1);
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString(), "server.port", "0", "server.host", "127.0.0.1"));
    try (Platform platform = Platform.open(config, Clock.systemUTC()); PlenaryServer server = PlenaryServer.start(platform)) {
      assertThat(whoami(server, old)).isEqualTo(401);
      assertThat(whoami(server, fresh)).isEqualTo(200);
    }
  }
}
