package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.PlenaryServer;
import com.plenary.privacy.store.Credentials;
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

/** keys rotate, retention run and audit verify, against a server that keeps serving on the same data. */
class KeysAndJobsTest {
  @TempDir
  Path dir;

  private String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    all[0] = "--data-dir";
    all[1] = dir.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void C29_keysRotateRewrapsEveryDataKeyWhileTheServerKeepsServing() throws Exception {
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.toString(), "server.port", "0", "server.host", "127.0.0.1"));
    try (Platform platform = Platform.open(config, Clock.systemUTC()); PlenaryServer server = PlenaryServer.start(platform)) {
      String key = platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      HttpClient http = HttpClient.newHttpClient();
      URI base = URI.create("http://127.0.0.1:" + server.port());
      HttpResponse<String> reg = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/subjects")).header("Authorization", "Bearer " + key)
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"fields\":{\"email\":\"rot@example.org\",\"name\":\"Rosalind\"}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(reg.statusCode()).isEqualTo(201);
      String id = reg.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
      int before = platform.keyStore().get(id).orElseThrow().version();

      String[] rotated = run("keys", "rotate", "--json");
      assertThat(rotated[0]).as(rotated[2]).isEqualTo("0");
      assertThat(rotated[1]).contains("\"rewrapped\":1");
      assertThat(platform.keyStore().get(id).orElseThrow().version()).isNotEqualTo(before);

      HttpResponse<String> read = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/subjects/" + id + "?purpose=provide"))
          .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
      assertThat(read.body()).contains("Rosalind");

      String[] verify = run("audit", "verify");
      assertThat(verify[0]).isEqualTo("0");
      assertThat(verify[1]).contains("chain intact");
      String[] retention = run("retention", "run", "--json");
      assertThat(retention[0]).isEqualTo("0");
      assertThat(retention[1]).contains("\"deleted\":{}");
    }
  }
}
