package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The credentials {@code serve --demo} prints work only while a server runs with --demo, and only until the next demo start. */
class DemoCredentialsTest {
  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  record Demo(String service, String partner, String token) {}

  private Demo readDemo(String log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    String text = "";
    while (System.nanoTime() < deadline) {
      text = Files.readString(dir.resolve(log));
      if (text.contains("Health:")) {
        break;
      }
      Thread.sleep(100);
    }
    return new Demo(find(text, "service 'mail' key:\\s+(\\S+)"), find(text, "partner 'acme-ads' key:\\s+(\\S+)"), find(text, "token \\(valid [^)]*\\):\\s+(\\S+)"));
  }

  private static String find(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in:%n%s", regex, text).isTrue();
    return m.group(1);
  }

  private int get(ServerProcess server, String path, String bearer) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + bearer).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private int events(ServerProcess server, String path, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[]}")).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static void stop(ServerProcess server) throws Exception {
    server.process().destroy();
    server.process().waitFor();
  }

  @Test
  void demoCredentialsWorkOnlyWhileTheServerRunsWithDemoAndANewDemoStartRevokesTheOldOnes() throws Exception {
    ServerProcess first = ServerProcess.start(dir, "first.log", Map.of(), http, "--demo");
    Demo old;
    try {
      old = readDemo("first.log");
      assertThat(get(first, "/api/v1/services", old.token())).isEqualTo(200);
      assertThat(get(first, "/api/v1/subjects/s-nobody?purpose=provide", old.service())).isEqualTo(404);
      assertThat(events(first, "/api/v1/partner-events", old.partner())).isNotEqualTo(401);
    } finally {
      stop(first);
    }

    ServerProcess plain = ServerProcess.start(dir, "plain.log", Map.of(), http);
    try {
      assertThat(get(plain, "/api/v1/services", old.token())).isEqualTo(401);
      assertThat(get(plain, "/api/v1/subjects/s-nobody?purpose=provide", old.service())).isEqualTo(401);
      assertThat(events(plain, "/api/v1/partner-events", old.partner())).isEqualTo(401);
    } finally {
      stop(plain);
    }

    ServerProcess second = ServerProcess.start(dir, "second.log", Map.of(), http, "--demo");
    try {
      Demo fresh = readDemo("second.log");
      assertThat(get(second, "/api/v1/services", old.token())).isEqualTo(401);
      assertThat(get(second, "/api/v1/subjects/s-nobody?purpose=provide", old.service())).isEqualTo(401);
      assertThat(events(second, "/api/v1/partner-events", old.partner())).isEqualTo(401);
      assertThat(get(second, "/api/v1/services", fresh.token())).isEqualTo(200);
      assertThat(get(second, "/api/v1/subjects/s-nobody?purpose=provide", fresh.service())).isEqualTo(404);
    } finally {
      stop(second);
    }
  }
}
