package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** When the store falls behind, the collector answers 503 with Retry-After instead of queueing without bound. */
class BackPressureTest {
  @Test
  void C7_aFullQueueIs503WithRetryAfterAndEveryAcknowledgedEventIsStored() throws Exception {
    try (Running running = new Running(Map.of("collector.queue_capacity", "1"))) {
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String id = "bp-" + i;
        all.add(running.http.sendAsync(HttpRequest.newBuilder(running.uri("/collect")).header("Content-Type", "text/plain").header("X-Request-Id", id)
                .header("Cookie", "pl_bid=EEEEEEEEEEEEEEEEEEEEE" + (i % 10) + "; pl_consent=v1.p1.a1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"page\":\"https://shop.example/bp\"}")).build(), HttpResponse.BodyHandlers.ofString())
            .thenApply(r -> {
              if (r.statusCode() == 204 && "yes".equals(r.headers().firstValue("X-Plenary-Recorded").orElse(""))) {
                acknowledged.add(id);
              }
              return r;
            }));
      }
      List<HttpResponse<String>> responses = new ArrayList<>();
      for (var f : all) {
        responses.add(f.get());
      }
      List<HttpResponse<String>> refused = responses.stream().filter(r -> r.statusCode() == 503).toList();
      assertThat(refused).as("some beacons meet a full queue").isNotEmpty();
      assertThat(refused).allSatisfy(r -> {
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
      });
      assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(204, 503));
      assertThat(acknowledged).isNotEmpty();
      assertThat(running.platform.vault().usage().countByRequestIds(acknowledged)).isEqualTo(acknowledged.size());
    }
  }
}
