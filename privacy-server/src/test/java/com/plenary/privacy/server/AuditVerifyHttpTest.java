package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The audit chain's check through HTTP while the server is busy: no false alarm, and a real break is a problem document. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditVerifyHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private String mail;
  private String auditor;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    var member = running.platform.vault().staff().add("Aud", "employee", List.of("auditor"), Instant.now());
    auditor = "Bearer " + running.platform.issuer().issue(member.id(), Duration.ofMinutes(10));
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private void tamper(String sql) throws Exception {
    try (var c = DriverManager.getConnection(running.platform.config().databaseUrl(), "sa", "")) {
      c.createStatement().executeUpdate(sql);
    }
  }

  @Test
  void C29_theChainVerifiesWhileFourCallersReadAndABrokenChainIsAProblemDocument() throws Exception {
    HttpResponse<String> reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"ada." + System.nanoTime() + "@example.org\",\"name\":\"Ada\"}}", mail);
    assertThat(reg.statusCode()).as(reg.body()).isEqualTo(201);
    String id = json.readTree(reg.body()).get("id").asText();
    var stop = new AtomicBoolean();
    var pool = Executors.newFixedThreadPool(4);
    List<Future<?>> readers = new ArrayList<>();
    try {
      for (int t = 0; t < 4; t++) {
        readers.add(pool.submit(() -> {
          while (!stop.get()) {
            var r = running.get("/api/v1/subjects/" + id + "?purpose=provide", "Authorization", "Bearer " + mail);
            assertThat(r.statusCode()).isEqualTo(200);
          }
          return null;
        }));
      }
      List<String> alarms = new ArrayList<>();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      int checks = 0;
      while (System.nanoTime() < until || checks < 20) {
        HttpResponse<String> v = running.get("/api/v1/audit/verify", "Authorization", auditor);
        checks++;
        if (v.statusCode() != 200) {
          alarms.add(v.statusCode() + " " + v.body());
        }
      }
      assertThat(alarms).as("false alarms in %d checks", checks).isEmpty();
    } finally {
      stop.set(true);
      for (var f : readers) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }

    long seq = running.platform.store().audit().about(id, 10).get(1).seq();
    tamper("UPDATE audit_log_entry SET purpose = 'develop' WHERE seq = " + seq);
    try {
      HttpResponse<String> broken = running.get("/api/v1/audit/verify", "Authorization", auditor);
      assertThat(broken.statusCode()).isEqualTo(409);
      assertThat(broken.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      JsonNode problem = json.readTree(broken.body());
      assertThat(problem.get("type").asText()).isEqualTo("/problems/audit-chain-broken");
      assertThat(problem.get("first_broken_seq").asLong()).isEqualTo(seq);
      assertThat(problem.get("detail").asText()).contains("entry " + seq);
    } finally {
      tamper("UPDATE audit_log_entry SET purpose = 'provide' WHERE seq = " + seq);
    }
    assertThat(running.get("/api/v1/audit/verify", "Authorization", auditor).statusCode()).isEqualTo(200);
  }
}
