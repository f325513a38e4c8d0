package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Decision batches, internal errors as problems, and a graceful stop that loses nothing acknowledged. */
class LifecycleTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void C14_aBatchOfDecisionsIsAnsweredInOrder() throws Exception {
    try (Running running = new Running()) {
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      String batch = "[{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.name\"]},"
          + "{\"action\":\"use\",\"purpose\":\"develop\",\"categories\":[\"user.name\"]},"
          + "{\"action\":\"disclose\",\"purpose\":\"sale\",\"recipient\":\"adbroker\",\"categories\":[\"user.contact.email\"]}]";
      HttpResponse<String> r = running.postJson("/api/v1/decisions", batch, key);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode d = json.readTree(r.body()).get("decisions");
      assertThat(d.size()).isEqualTo(3);
      assertThat(d.get(0).get("effect").asText()).isEqualTo("permit");
      assertThat(d.get(1).get("rules").get(0).asText()).isEqualTo("service-consented-use");
      assertThat(d.get(2).get("effect").asText()).isEqualTo("deny");
      assertThat(d.get(2).get("clauses").toString()).contains("C17");
      // a purpose the policy does not know is no question to answer: a 400 naming the request and the field
      HttpResponse<String> unknown = running.postJson("/api/v1/decisions", batch.replace("\"sale\"", "\"profiling\""), key);
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(json.readTree(unknown.body()).get("field").asText()).isEqualTo("[2].purpose");
      HttpResponse<String> bad = running.postJson("/api/v1/decisions", "[{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.name\"]},{\"action\":\"fly\"}]", key);
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(json.readTree(bad.body()).get("field").asText()).startsWith("[1]");
    }
  }

  @Test
  void aServerFailureIsA500ProblemWithoutDetailsOfTheFailure() throws Exception {
    try (Running running = new Running()) {
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      running.platform.store().close(); // the database goes away under the server
      HttpResponse<String> r = running.postJson("/api/v1/decisions", "{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.name\"]}", key);
      assertThat(r.statusCode()).isEqualTo(500);
      assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
      JsonNode p = json.readTree(r.body());
      assertThat(p.get("type").asText()).isEqualTo("/problems/internal");
      assertThat(p.get("instance").asText()).isEqualTo("urn:request:" + r.headers().firstValue("X-Request-Id").orElseThrow());
      assertThat(r.body()).doesNotContain("Exception").doesNotContain("at com.").doesNotContain("Hikari");
      assertThat(running.get("/health/ready").statusCode()).isEqualTo(503);
    }
  }

  @Test
  void aGracefulStopFinishesRequestsInFlightAndLosesNothingAcknowledged() throws Exception {
    Running running = new Running();
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> unanswered = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String id = "stop-" + i;
      all.add(running.http.sendAsync(HttpRequest.newBuilder(running.uri("/collect")).header("Content-Type", "text/plain").header("X-Request-Id", id)
              .header("Cookie", "pl_bid=FFFFFFFFFFFFFFFFFFFFF" + (i % 5) + "; pl_consent=v1.p1.a1")
              .POST(HttpRequest.BodyPublishers.ofString("{\"page\":\"https://shop.example/stop\"}")).build(), HttpResponse.BodyHandlers.discarding())
          .handle((r, e) -> {
            if (r == null) {
              unanswered.add(id); // never reached the server, or reached it and was cut off: told apart below
              return -1;
            }
            if (r.statusCode() == 204 && "yes".equals(r.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
              acknowledged.add(id);
            }
            return r.statusCode();
          }));
    }
    Thread.sleep(30);
    running.server.stop();
    List<Integer> statuses = new ArrayList<>();
    for (var f : all) {
      statuses.add(f.get());
    }
    // every request the server took is answered: stored (204) or turned away to retry (503); one the client
    // could not get an answer for (its connection refused or reset as the server stopped listening, which a
    // loaded machine makes likely for some of 300 sent at once) never reached the collector: none of those is
    // stored, so none was taken and then cut off
    assertThat(statuses).allSatisfy(s -> assertThat(s).isIn(204, 503, -1));
    assertThat(acknowledged).isNotEmpty();
    assertThat(running.platform.vault().usage().countByRequestIds(acknowledged)).isEqualTo(acknowledged.size());
    assertThat(running.platform.vault().usage().countByRequestIds(unanswered)).as("a request stored but never answered was cut off").isZero();
    running.platform.close();
  }
}
