package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerTest {
  private final ObjectMapper json = new ObjectMapper();
  private Running running;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private void assertProblem(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
    JsonNode p = body(r);
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("type").asText()).startsWith("/problems/");
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(r.body()).doesNotContain("at com.").doesNotContain("Exception");
  }

  @Test
  void healthAnswersLiveAndReadyWithTheDatabase() throws Exception {
    assertThat(running.get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = running.get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(body(ready).get("database").asText()).isEqualTo("H2");
  }

  @Test
  void everyResponseCarriesARequestIdAndTheSecurityHeaders() throws Exception {
    for (HttpResponse<String> r : List.of(running.get("/health/live"), running.get("/nothing-here"))) {
      assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
      assertThat(r.headers().firstValue("Content-Security-Policy")).get().asString().contains("frame-ancestors 'none'");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(r.headers().firstValue("Referrer-Policy")).contains("no-referrer");
      assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
    }
    assertThat(running.get("/health/live", "X-Request-Id", "abc-123").headers().firstValue("X-Request-Id")).contains("abc-123");
  }

  @Test
  void unknownPathsAndMethodsAreProblems() throws Exception {
    assertProblem(running.get("/nothing-here"), 404);
    assertProblem(running.send("DELETE", "/health/live", null, ""), 405);
  }

  @Test
  void aBodyTooLargeIs413AndAWrongMediaTypeIs415() throws Exception {
    String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail-size").key();
    String huge = "[" + "1,".repeat(600_000) + "1]";
    assertProblem(running.send("POST", "/api/v1/decisions", "application/json", huge, "Authorization", "Bearer " + key), 413);
    assertProblem(running.send("POST", "/api/v1/decisions", "text/plain", "{}", "Authorization", "Bearer " + key), 415);
  }

  @Test
  void malformedJsonIsA400WithoutEchoingTheBody() throws Exception {
    String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail-json").key();
    HttpResponse<String> r = running.postJson("/api/v1/decisions", "{\"secret@example.com", key);
    assertProblem(r, 400);
    assertThat(r.body()).doesNotContain("secret@example.com");
  }

  @Test
  void metricsArePrometheusText() throws Exception {
    running.get("/health/live");
    HttpResponse<String> r = running.get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("plenary_http_requests_seconds_count");
  }

  @Test
  void metricsGiveTheEmbeddedFilesSizeAndLiveShare() throws Exception {
    String body = running.get("/metrics").body();
    Path file = running.dir.resolve("plenary.mv.db");
    assertThat(Files.size(file)).isPositive();
    double reported = Double.parseDouble(body.lines().filter(l -> l.startsWith("plenary_store_file_bytes{store=\"data\"}")).findFirst().orElseThrow().split(" ")[1]);
    // the file only grows between the scrape and this read while the platform idles
    assertThat(reported).isPositive().isLessThanOrEqualTo(Files.size(file));
    assertThat(body).containsPattern("plenary_store_file_bytes\\{store=\"keys\"\\} [1-9]")
        .containsPattern("plenary_store_file_live_ratio\\{store=\"data\"\\} (0\\.[0-9]+|1\\.0)");
  }

  @Test
  void theOpenApiDocumentListsEveryRegisteredRoute() throws Exception {
    JsonNode doc = body(running.get("/openapi.json"));
    assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
    assertThat(running.server.registeredEndpoints()).isNotEmpty().allSatisfy(endpoint -> {
      String[] parts = endpoint.split(" ", 2);
      assertThat(doc.path("paths").path(parts[1]).has(parts[0])).as("OpenAPI documents %s", endpoint).isTrue();
    });
  }

  /**
   * The endpoints as the API documentation promises them, written out by hand: the served document
   * must hold exactly these, so an endpoint added, removed or renamed without a decision shows here.
   */
  private static final Set<String> DOCUMENTED = Set.of(
      "get /health/live", "get /health/ready", "get /metrics", "get /openapi.json", "get /api/v1/policy", "get /api/v1/whoami",
      "post /api/v1/decisions", "get /api/v1/services", "get /api/v1/partners", "get /api/v1/datamap",
      "post /api/v1/subjects", "get /api/v1/subjects/{id}", "patch /api/v1/subjects/{id}", "post /api/v1/subjects/{id}/content",
      "get /api/v1/subjects/{id}/consents", "post /api/v1/subjects/{id}/consents", "post /api/v1/subjects/{id}/consent-requests",
      "post /api/v1/subjects/{id}/partner-links", "delete /api/v1/subjects/{id}/partner-links/{link}",
      "post /api/v1/session", "delete /api/v1/session",
      "get /api/v1/me", "patch /api/v1/me", "delete /api/v1/me", "get /api/v1/me/export", "get /api/v1/me/consents", "post /api/v1/me/consents",
      "get /api/v1/me/consents/{id}/receipt", "get /api/v1/me/consent-requests", "post /api/v1/me/consent-requests/{id}", "get /api/v1/me/messages",
      "get /api/v1/me/partner-links", "delete /api/v1/me/partner-links/{link}",
      "get /api/v1/audit", "get /api/v1/audit/verify", "get /api/v1/audit/checkpoint", "get /api/v1/audit/public-key",
      "get /api/v1/audit/proofs/inclusion", "get /api/v1/audit/proofs/consistency",
      "get /api/v1/consents/verify",
      "post /api/v1/reviews", "get /api/v1/reviews", "get /api/v1/reviews/{id}", "post /api/v1/reviews/{id}/sign-off",
      "post /api/v1/staff/{id}/grants", "get /api/v1/staff/{id}/grants", "delete /api/v1/staff/{id}/grants/{grant}",
      "post /api/v1/recipients", "get /api/v1/recipients", "get /api/v1/recipients/{id}", "post /api/v1/recipients/{id}/agreements",
      "get /api/v1/recipients/{id}/agreements",
      "post /collect", "post /api/v1/events", "post /api/v1/partner-events",
      "post /api/v1/messages", "post /api/v1/messages/bulk", "get /unsubscribe/{token}", "post /unsubscribe/{token}",
      "post /api/v1/messages/from-template", "post /api/v1/messages/bulk/from-template", "post /api/v1/messages/audience",
      "post /api/v1/messages/audience/from-template", "post /api/v1/message-templates", "get /api/v1/message-templates",
      "post /api/v1/audiences", "get /api/v1/audiences",
      "get /snippet.js", "get /banner.js", "get /banner.css", "get /api/v1/cookies", "get /.well-known/gpc.json",
      "get /privacy/cookies", "post /privacy/cookie-choices",
      "get /account", "get /account/export", "post /account/register", "post /account/sign-in", "post /account/sign-out",
      "post /account/correct", "post /account/consents", "post /account/consent-requests", "post /account/subscriptions", "post /account/erase", "get /assets/plenary.css",
      // the privacy center's further pages (issue 15)
      "get /account/erase", "get /account/continue", "get /account/forgot", "post /account/forgot", "get /account/password", "post /account/password", "get /account/reset/{token}",
      "post /account/reset/{token}", "post /api/v1/regions/sign-in", "post /api/v1/regions/password-reset", "post /api/v1/regions/collect",
      // policy versions (C36)
      "get /policy", "get /policy/versions/{n}", "get /account/policy-changes", "post /account/policy-changes", "post /api/v1/policy/versions",
      "get /api/v1/policy/versions", "get /api/v1/policy/versions/{n}", "get /api/v1/policy/versions/{n}/diff",
      // staff accountability and reviews (C30, C32, C33)
      "post /api/v1/staff/{id}/agreements", "get /api/v1/staff/{id}/agreements", "post /api/v1/grant-requests", "get /api/v1/grant-requests",
      "post /api/v1/grant-requests/{request}/approve", "post /api/v1/grant-requests/{request}/reject", "post /api/v1/break-glass", "get /api/v1/break-glass",
      "get /api/v1/incidents", "get /api/v1/incidents/{incident}", "post /api/v1/incidents/{incident}/close", "get /api/v1/reviews/{id}/report.html",
      "get /api/v1/reviews/{id}/report.csv", "get /api/v1/records-of-processing", "get /api/v1/records-of-processing.csv",
      "get /api/v1/records-of-processing.html",
      // sharing (C17, C23-C28, C35)
      "post /api/v1/disclosures", "post /api/v1/disclosures/audience", "post /api/v1/recipients/{id}/webhook", "get /api/v1/me/correction-notices",
      "post /api/v1/legal-requests", "get /api/v1/legal-requests", "get /api/v1/legal-requests/report", "post /api/v1/legal-requests/{id}/approve",
      "post /api/v1/legal-requests/{id}/reject", "post /api/v1/legal-requests/{id}/narrow", "post /api/v1/legal-requests/{id}/release",
      "post /api/v1/aggregates",
      // the admin console (issue 17) and the figures of its home
      "get /api/v1/dashboard", "get /console", "get /console/sign-in", "post /console/sign-in", "post /console/sign-out", "get /console/oidc",
      "get /console/oidc/callback", "get /console/audit", "get /console/audit/proof", "get /console/grants", "post /console/grants",
      "post /console/grants/{id}/approve", "post /console/grants/{id}/reject", "get /console/incidents", "post /console/incidents/{id}/close",
      "get /console/reviews", "post /console/reviews", "get /console/reviews/{id}", "post /console/reviews/{id}/sign-off", "get /console/legal-requests",
      "post /console/legal-requests/{id}/approve", "post /console/legal-requests/{id}/reject", "get /console/data-map", "get /console/recipients",
      "get /assets/uplot.js", "get /assets/uplot.css", "get /assets/console.js");

  @Test
  void theOpenApiDocumentHoldsExactlyTheDocumentedEndpoints() throws Exception {
    JsonNode doc = body(running.get("/openapi.json"));
    Set<String> served = new TreeSet<>();
    for (var path : doc.path("paths").properties()) {
      path.getValue().properties().forEach(op -> served.add(op.getKey() + " " + path.getKey()));
    }
    assertThat(served).containsExactlyInAnyOrderElementsOf(DOCUMENTED);
  }

  @Test
  void thePolicyIsPublic() throws Exception {
    HttpResponse<String> r = running.get("/api/v1/policy");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body(r).get("version").asInt()).isEqualTo(1);
  }
}
