package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Internal reviews from live data, signed off by a second reviewer (C30). */
class ReviewTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void C30_aReviewReportListsEveryCategoryWithItsStoresAndAccessorsAndIsSignedOffByAnotherReviewer() throws Exception {
    try (Running running = new Running()) {
      String mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      String reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"rv@example.org\",\"name\":\"Rev\"}}", mail).body();
      String id = json.readTree(reg).get("id").asText();
      running.get("/api/v1/subjects/" + id + "?purpose=develop", "Authorization", "Bearer " + mail); // a denial
      var officer = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now());
      var auditor = running.platform.vault().staff().add("Auditor", "contractor", List.of("auditor"), Instant.now());
      String officerToken = running.platform.issuer().issue(officer.id(), Duration.ofMinutes(5));
      String auditorToken = running.platform.issuer().issue(auditor.id(), Duration.ofMinutes(5));

      var created = running.send("POST", "/api/v1/reviews", null, "", "Authorization", "Bearer " + officerToken);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonNode review = json.readTree(created.body());
      JsonNode report = review.get("report");
      assertThat(report.get("categories").size()).isEqualTo(running.platform.policy().categories().size());
      for (JsonNode c : report.get("categories")) {
        assertThat(c.get("stored_in").size()).as(c.get("category").asText()).isPositive();
        assertThat(c.has("accessible_by")).isTrue();
      }
      JsonNode email = null;
      for (JsonNode c : report.get("categories")) {
        if (c.get("category").asText().equals("user.contact.email")) {
          email = c;
        }
      }
      assertThat(email.get("collected_by").toString()).contains("service:mail");
      assertThat(email.get("accessible_by").get("staff_roles_with_a_grant").toString()).contains("support");
      assertThat(report.get("recent_denials_30_days").toString()).contains("service:service-consented-use");
      assertThat(report.get("counts").get("subject").asInt()).isEqualTo(1);
      assertThat(report.get("audit_chain").get("intact").asBoolean()).isTrue();
      assertThat(created.body()).doesNotContain("rv@example.org").doesNotContain("Rev\"");
      // where the data is, by name, kind and data centre: never a file-system path or a JDBC URL
      assertThat(created.body()).doesNotContain(running.dir.toString()).doesNotContain("jdbc:");
      assertThat(report.get("stores").get(0).get("kind").asText()).isEqualTo("H2 embedded");

      String rid = review.get("id").asText();
      var self = running.send("POST", "/api/v1/reviews/" + rid + "/sign-off", "application/json", "{\"note\":\"mine\"}", "Authorization", "Bearer " + officerToken);
      assertThat(self.statusCode()).as("only auditors sign off").isEqualTo(403);
      // an officer who also holds the auditor role does not sign off either: the auditor is independent of the officer (C30)
      var both = running.platform.vault().staff().add("Officer and auditor", "employee", List.of("privacy-officer", "auditor"), Instant.now());
      var officerAuditor = running.send("POST", "/api/v1/reviews/" + rid + "/sign-off", "application/json", "{\"note\":\"mine too\"}",
          "Authorization", "Bearer " + running.platform.issuer().issue(both.id(), Duration.ofMinutes(5)));
      assertThat(officerAuditor.statusCode()).as(officerAuditor.body()).isEqualTo(403);
      assertThat(running.platform.store().audit().recent(50, null)).as("a refused sign-off is a denial in the audit trail")
          .filteredOn(e -> e.action().equals("sign-off") && e.effect().equals("deny")).hasSize(1)
          .allSatisfy(e -> assertThat(e.rules()).containsExactly("reviews-by-an-independent-auditor"));
      assertThat(officerAuditor.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      var signed = running.send("POST", "/api/v1/reviews/" + rid + "/sign-off", "application/json", "{\"note\":\"checked\"}", "Authorization", "Bearer " + auditorToken);
      assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
      assertThat(json.readTree(signed.body()).get("signed_off_by").asText()).isEqualTo(auditor.id());
      var again = running.send("POST", "/api/v1/reviews/" + rid + "/sign-off", "application/json", "{\"note\":\"again\"}", "Authorization", "Bearer " + auditorToken);
      assertThat(again.statusCode()).isEqualTo(409);
      var byAuthor = running.send("POST", "/api/v1/reviews", null, "", "Authorization", "Bearer " + auditorToken);
      String rid2 = json.readTree(byAuthor.body()).get("id").asText();
      assertThat(running.send("POST", "/api/v1/reviews/" + rid2 + "/sign-off", "application/json", "{}", "Authorization", "Bearer " + auditorToken).statusCode())
          .as("not by the one who made it").isEqualTo(409);
      assertThat(running.get("/api/v1/reviews", "Authorization", "Bearer " + mail).statusCode()).isEqualTo(403);
    }
  }
}
