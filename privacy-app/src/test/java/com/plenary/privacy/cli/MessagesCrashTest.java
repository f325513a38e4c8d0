package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.plenary.privacy.platform.Config;
import jakarta.mail.internet.MimeMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code plenary serve} process is killed with SIGKILL while a bulk send goes out to a real
 * SMTP server (GreenMail), and started again: every queued message reaches the mail server at most
 * once (counted per Message-ID), and every one is delivered except those the kill left "sending" —
 * at most the batch in each sender's hands ({@code mail.senders} × {@code mail.send_batch}) — which are
 * never sent again by themselves (docs/operations.md, "At most once").
 */
class MessagesCrashTest {
  private static final int PEOPLE = 300;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private JsonNode cli(String... args) throws Exception {
    StringWriter out = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString()));
    all.addAll(List.of(args));
    int code = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
    assertThat(code).as("plenary %s", String.join(" ", args)).isZero();
    return Output.JSON.readTree(out.toString());
  }

  private HttpResponse<String> post(ServerProcess server, String path, String key, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void C16_killMinus9DuringABulkSendDeliversEveryMessageAtMostOnceAndAllButThoseInFlight() throws Exception {
    int smtpPort;
    try (var s = new ServerSocket(0)) {
      smtpPort = s.getLocalPort();
    }
    GreenMail green = new GreenMail(new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    green.start();
    try {
      String key = cli("service", "add", "shop", "--json").get("key").asText();
      Map<String, String> env = new HashMap<>(Map.of("PLENARY_MAIL_SMTP_HOST", "127.0.0.1", "PLENARY_MAIL_SMTP_PORT", String.valueOf(smtpPort),
          "PLENARY_MAIL_SMTP_STARTTLS", "false", "PLENARY_MAIL_RETRY_BASE", "PT0.2S"));
      ServerProcess server = ServerProcess.start(dir.resolve("data").toAbsolutePath(), "first.log", env, http);
      try {
        List<String> people = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
          HttpResponse<String> r = post(server, "/api/v1/subjects", key,
              "{\"fields\":{\"email\":\"crash" + i + "@example.org\",\"name\":\"P" + i + "\",\"address\":\"" + i + " Crash Road\"}}");
          assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
          people.add(Output.JSON.readTree(r.body()).get("id").asText());
        }
        // kill while the bulk send is still queueing and the sender is delivering what is queued
        String body = Output.JSON.writeValueAsString(Map.of("subject_ids", people, "kind", "transactional", "purpose", "provide",
            "subject", "Your receipt", "body", "Thanks."));
        CompletableFuture.runAsync(() -> {
          try {
            post(server, "/api/v1/messages/bulk", key, body);
          } catch (Exception killed) {
            // the kill cuts it off
          }
        });
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (green.getReceivedMessages().length < 20 && System.nanoTime() < end) {
          Thread.sleep(2);
        }
      } finally {
        server.process().destroyForcibly().waitFor();
      }
      int beforeRestart = green.getReceivedMessages().length;
      assertThat(beforeRestart).as("the kill came while messages were going out").isBetween(1, PEOPLE - 1);
      Thread.sleep(500); // the embedded H2 of the killed process lets go of its files

      ServerProcess again = ServerProcess.start(dir.resolve("data").toAbsolutePath(), "second.log", env, http);
      try {
        int total = cli("messages", "list", "--limit", "10000", "--json").get("messages").size();
        assertThat(total).as("messages queued before the kill").isGreaterThanOrEqualTo(beforeRestart);
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cli("messages", "list", "--status", "queued", "--json").get("messages").size() > 0 && System.nanoTime() < end) {
          Thread.sleep(200);
        }
        Thread.sleep(1000);
        Map<String, Integer> perMessageId = new HashMap<>();
        for (MimeMessage m : green.getReceivedMessages()) {
          perMessageId.merge(m.getMessageID(), 1, Integer::sum);
        }
        assertThat(perMessageId.values()).as("no Message-ID arrives twice").allMatch(n -> n == 1);
        JsonNode sending = cli("messages", "list", "--status", "sending", "--json").get("messages");
        JsonNode sent = cli("messages", "list", "--status", "sent", "--limit", "10000", "--json").get("messages");
        assertThat(sending.size()).as("left in the senders' hands by the kill: at most a batch a sender")
            .isLessThanOrEqualTo(Config.DEFAULT_MAIL_SENDERS * Config.DEFAULT_MAIL_SEND_BATCH);
        assertThat(sent.size() + sending.size()).as("every queued message is sent, but those in flight").isEqualTo(total);
        Set<String> sentIds = new HashSet<>();
        sent.forEach(m -> sentIds.add("<" + m.get("id").asText() + "@plenary.invalid>"));
        assertThat(perMessageId.keySet()).containsAll(sentIds);
      } finally {
        again.process().destroy();
        again.process().waitFor();
      }
    } finally {
      green.stop();
    }
  }
}
