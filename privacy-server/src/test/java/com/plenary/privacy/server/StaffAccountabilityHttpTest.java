package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Staff accountability (C32, C33) and the review report (C30) through real HTTP on a real server, on H2
 * and PostgreSQL: agreements, grant requests and their approval by another privacy officer, break-glass,
 * incidents followed up and closed, and the report an auditor reads as HTML and CSV.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class StaffAccountabilityHttpTest {
  private static final String EMAIL_PREFIX = "staff-http-";
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String shop;
  private String officer;
  private String officerId;
  private String secondOfficer;
  private String auditor;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    officerId = running.platform.vault().staff().add("Olga Officer", "employee", List.of("privacy-officer"), Instant.now()).id();
    officer = token(officerId);
    secondOfficer = token(running.platform.vault().staff().add("Otto Officer", "employee", List.of("privacy-officer"), Instant.now()).id());
    auditor = token(running.platform.vault().staff().add("Aud Auditor", "contractor", List.of("auditor"), Instant.now()).id());
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private String token(String staffId) {
    return running.platform.issuer().issue(staffId, Duration.ofMinutes(30));
  }

  private String person() throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + EMAIL_PREFIX + System.nanoTime() + "@example.org\",\"name\":\"Ada Secretname\",\"address\":\"1 Hidden Road\"}}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** A support member; with an agreement on file when {@code agreement}. */
  private String member(boolean agreement) {
    return running.platform.vault().staff().add("Sam Support", "employee", List.of("support"), agreement ? Instant.now() : null).id();
  }

  private HttpResponse<String> call(String bearer, String method, String path, String body) throws Exception {
    return body == null ? running.send(method, path, null, "", "Authorization", "Bearer " + bearer)
        : running.send(method, path, "application/json", body, "Authorization", "Bearer " + bearer);
  }

  private HttpResponse<String> read(String bearer, String person) throws Exception {
    return call(bearer, "GET", "/api/v1/subjects/" + person + "?purpose=communicate.respond&fields=email", null);
  }

  private JsonNode incidents(String query) throws Exception {
    HttpResponse<String> r = call(auditor, "GET", "/api/v1/incidents" + query, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("incidents");
  }

  private String grantFor(String staffId) throws Exception {
    HttpResponse<String> g = call(officer, "POST", "/api/v1/staff/" + staffId + "/grants", "{\"role\":\"support\",\"categories\":[\"user.contact\"],"
        + "\"purposes\":[\"communicate.respond\"],\"until\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\"}");
    assertThat(g.statusCode()).as(g.body()).isEqualTo(201);
    return json.readTree(g.body()).get("id").asText();
  }

  @Test
  void C33_withoutAnAgreementStaffAreRefusedAnIncidentOpensAndAnAgreementRecordedOpensTheGrant() throws Exception {
    String ada = person();
    String sam = member(false);
    String samToken = token(sam);
    grantFor(sam);
    HttpResponse<String> denied = read(samToken, ada);
    assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
    assertThat(json.readTree(denied.body()).get("type").asText()).isEqualTo("/problems/policy-denied");
    JsonNode opened = incidents("?staff=" + sam);
    assertThat(opened).hasSize(1);
    JsonNode incident = opened.get(0);
    assertThat(incident.get("kind").asText()).isEqualTo("denied");
    assertThat(incident.get("subject").asText()).isEqualTo(ada);
    assertThat(incident.get("rules").toString()).contains("staff-need-to-know");
    assertThat(incident.toString()).as("an incident holds no personal value").doesNotContain(EMAIL_PREFIX).doesNotContain("Secretname");
    assertThat(incident.get("attempts").asInt()).isEqualTo(1);
    assertThat(read(samToken, ada).statusCode()).isEqualTo(403);
    JsonNode repeated = incidents("?staff=" + sam);
    assertThat(repeated).as("a repeat joins the open incident").hasSize(1);
    assertThat(repeated.get(0).get("attempts").asInt()).isEqualTo(2);
    assertThat(Instant.parse(repeated.get(0).get("last_seen_at").asText())).isAfterOrEqualTo(Instant.parse(incident.get("opened_at").asText()));

    HttpResponse<String> bad = call(officer, "POST", "/api/v1/staff/" + sam + "/agreements", "{\"document_version\":\"nda 1\",\"signed\":\"2026-01-05\",\"expires\":\"2099-01-01\"}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(json.readTree(bad.body()).get("field").asText()).isEqualTo("document_version");
    HttpResponse<String> past = call(officer, "POST", "/api/v1/staff/" + sam + "/agreements", "{\"document_version\":\"nda-1\",\"signed\":\"2026-01-05\",\"expires\":\"2026-01-06\"}");
    assertThat(past.statusCode()).isEqualTo(400);
    assertThat(json.readTree(past.body()).get("field").asText()).isEqualTo("expires");
    assertThat(call(samToken, "POST", "/api/v1/staff/" + sam + "/agreements",
        "{\"document_version\":\"nda-1\",\"signed\":\"2026-01-05\",\"expires\":\"2099-01-01\"}").statusCode()).as("only privacy officers record agreements").isEqualTo(403);
    HttpResponse<String> filed = call(officer, "POST", "/api/v1/staff/" + sam + "/agreements", "{\"document_version\":\"nda-2026.1\",\"signed\":\"2026-01-05\",\"expires\":\"2099-01-01\"}");
    assertThat(filed.statusCode()).as(filed.body()).isEqualTo(201);
    assertThat(json.readTree(filed.body()).get("in_force").asBoolean()).isTrue();
    HttpResponse<String> permitted = read(samToken, ada);
    assertThat(permitted.statusCode()).as(permitted.body()).isEqualTo(200);
    assertThat(incidents("?staff=" + sam)).as("a permitted read opens no incident").hasSize(1);
    JsonNode agreements = json.readTree(call(auditor, "GET", "/api/v1/staff/" + sam + "/agreements", null).body()).get("agreements");
    assertThat(agreements.get(0).get("document_version").asText()).isEqualTo("nda-2026.1");
  }

  @Test
  void C32_aGrantIsRequestedWithAJustificationAndApprovedOnlyByAnotherPrivacyOfficerUntilItEnds() throws Exception {
    String ada = person();
    String sam = member(true);
    String samToken = token(sam);
    assertThat(read(samToken, ada).statusCode()).isEqualTo(403);
    HttpResponse<String> noWhy = call(samToken, "POST", "/api/v1/grant-requests", "{\"role\":\"support\",\"categories\":[\"user.contact\"],"
        + "\"purposes\":[\"communicate.respond\"]}");
    assertThat(noWhy.statusCode()).isEqualTo(400);
    assertThat(json.readTree(noWhy.body()).get("field").asText()).isEqualTo("justification");
    Instant until = Instant.now().plusSeconds(6);
    HttpResponse<String> asked = call(samToken, "POST", "/api/v1/grant-requests", "{\"role\":\"support\",\"categories\":[\"user.contact\"],"
        + "\"purposes\":[\"communicate.respond\"],\"subjects\":[\"" + ada + "\"],\"until\":\"" + until + "\",\"justification\":\"Ticket 77\"}");
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(201);
    String id = json.readTree(asked.body()).get("id").asText();
    assertThat(json.readTree(asked.body()).get("status").asText()).isEqualTo("requested");
    assertThat(read(samToken, ada).statusCode()).as("a request opens nothing").isEqualTo(403);
    assertThat(call(samToken, "POST", "/api/v1/grant-requests/" + id + "/approve", null).statusCode()).as("staff do not approve").isEqualTo(403);
    String pending = call(auditor, "GET", "/api/v1/grant-requests", null).body();
    assertThat(pending).contains(id).contains("Ticket 77");

    // a privacy officer's own request is approved by another privacy officer, never by themselves
    HttpResponse<String> own = call(officer, "POST", "/api/v1/grant-requests", "{\"role\":\"privacy-officer\",\"categories\":[\"user.contact\"],"
        + "\"purposes\":[\"protect\"],\"justification\":\"An abuse report\"}");
    String ownId = json.readTree(own.body()).get("id").asText();
    HttpResponse<String> self = call(officer, "POST", "/api/v1/grant-requests/" + ownId + "/approve", null);
    assertThat(self.statusCode()).as(self.body()).isEqualTo(403);
    assertThat(json.readTree(self.body()).get("rules").toString()).contains("no-approval-of-own-request");
    assertThat(running.platform.store().audit().recent(50, null)).filteredOn(e -> e.action().equals("approve") && e.effect().equals("deny")).isNotEmpty();
    assertThat(call(secondOfficer, "POST", "/api/v1/grant-requests/" + ownId + "/reject", null).statusCode()).isEqualTo(200);

    HttpResponse<String> approved = call(officer, "POST", "/api/v1/grant-requests/" + id + "/approve", null);
    assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
    assertThat(json.readTree(approved.body()).get("decided_by").asText()).isEqualTo(officerId);
    assertThat(call(officer, "POST", "/api/v1/grant-requests/" + id + "/approve", null).statusCode()).isEqualTo(409);
    assertThat(read(samToken, ada).statusCode()).isEqualTo(200);
    assertThat(read(samToken, person()).statusCode()).as("only the people the grant names").isEqualTo(403);
    Thread.sleep(Math.max(0, Duration.between(Instant.now(), until).toMillis()) + 200);
    assertThat(read(samToken, ada).statusCode()).as("the grant ended on its own").isEqualTo(403);
  }

  @Test
  void C33_manyDenialsOfOneStaffMemberAtOnceOpenOneIncident() throws Exception {
    String ada = person();
    String sam = member(false);
    String samToken = token(sam);
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(pool.submit(() -> {
          go.await();
          return read(samToken, ada).statusCode();
        }));
      }
      go.countDown();
      for (Future<Integer> a : answers) {
        assertThat(a.get(60, TimeUnit.SECONDS)).isEqualTo(403);
      }
    } finally {
      pool.shutdownNow();
    }
    JsonNode opened = incidents("?staff=" + sam);
    assertThat(opened).as("denials of one person's read at once join one incident").hasSize(1);
    assertThat(opened.get(0).get("attempts").asInt()).isEqualTo(n);
  }

  @Test
  void C33_breakingTheGlassIsTimeBoxedAuditedAndOpensAnIncident() throws Exception {
    String ada = person();
    String sam = member(true);
    String samToken = token(sam);
    String body = "{\"subject\":\"" + ada + "\",\"role\":\"support\",\"categories\":[\"user.contact\"],\"purpose\":\"communicate.respond\",";
    assertThat(call(samToken, "POST", "/api/v1/break-glass", body + "\"minutes\":61,\"justification\":\"x\"}").statusCode()).isEqualTo(400);
    assertThat(call(samToken, "POST", "/api/v1/break-glass", body + "\"justification\":\"\"}").statusCode()).isEqualTo(400);
    HttpResponse<String> glass = call(samToken, "POST", "/api/v1/break-glass", body + "\"minutes\":15,\"justification\":\"The person is locked out, on the phone now\"}");
    assertThat(glass.statusCode()).as(glass.body()).isEqualTo(201);
    JsonNode opened = json.readTree(glass.body());
    assertThat(Duration.between(Instant.parse(opened.get("opened_at").asText()), Instant.parse(opened.get("until").asText()))).isEqualTo(Duration.ofMinutes(15));
    JsonNode incident = json.readTree(call(auditor, "GET", "/api/v1/incidents/" + opened.get("incident").asText(), null).body());
    assertThat(incident.get("kind").asText()).isEqualTo("break-glass");
    assertThat(incident.get("staff").asText()).isEqualTo(sam);
    HttpResponse<String> r = read(samToken, ada);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode audit = json.readTree(call(auditor, "GET", "/api/v1/audit?limit=50", null).body()).get("entries");
    List<String> rules = new ArrayList<>();
    audit.forEach(e -> {
      if (e.get("actorId").asText().equals(sam) && e.get("action").asText().equals("read")) {
        rules.add(e.get("rules").toString());
      }
    });
    assertThat(rules).anySatisfy(x -> assertThat(x).contains("break-glass:" + opened.get("id").asText()));
    assertThat(call(samToken, "POST", "/api/v1/break-glass", body.replace(ada, "s-00000000-0000-0000-0000-000000000000")
        + "\"justification\":\"x\"}").statusCode()).as("no one's glass to break").isEqualTo(404);
    assertThat(call(auditor, "GET", "/api/v1/break-glass", null).body()).contains(opened.get("id").asText());
  }

  @Test
  void C33_anIncidentIsClosedWithAnOutcomeAndANoteByAnotherPrivacyOfficer() throws Exception {
    String ada = person();
    HttpResponse<String> officersOwn = read(officer, ada);
    assertThat(officersOwn.statusCode()).isEqualTo(403);
    String id = incidents("?staff=" + officerId + "&status=open&kind=denied").get(0).get("id").asText();
    HttpResponse<String> badOutcome = call(secondOfficer, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"promotion\",\"note\":\"x\"}");
    assertThat(badOutcome.statusCode()).isEqualTo(400);
    assertThat(json.readTree(badOutcome.body()).get("field").asText()).isEqualTo("outcome");
    assertThat(call(secondOfficer, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"training\"}").statusCode()).isEqualTo(400);
    assertThat(call(officer, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"no-action\",\"note\":\"mine\"}").statusCode())
        .as("not by the one it is about").isEqualTo(403);
    assertThat(call(auditor, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"no-action\",\"note\":\"x\"}").statusCode()).isEqualTo(403);
    HttpResponse<String> closed = call(secondOfficer, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"training\",\"note\":\"Refresher booked\"}");
    assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
    JsonNode c = json.readTree(closed.body());
    assertThat(c.get("status").asText()).isEqualTo("closed");
    assertThat(c.get("outcome").asText()).isEqualTo("training");
    assertThat(c.get("note").asText()).isEqualTo("Refresher booked");
    assertThat(call(secondOfficer, "POST", "/api/v1/incidents/" + id + "/close", "{\"outcome\":\"training\",\"note\":\"again\"}").statusCode()).isEqualTo(409);
    assertThat(incidents("?status=closed").toString()).contains(id);
    assertThat(call(auditor, "GET", "/api/v1/incidents?status=maybe", null).statusCode()).isEqualTo(400);
    assertThat(call(auditor, "GET", "/api/v1/incidents?limit=0", null).statusCode()).isEqualTo(400);
    assertThat(call(auditor, "GET", "/api/v1/incidents/in-nothing", null).statusCode()).isEqualTo(404);
  }

  @Test
  void C30_theReviewReportHoldsTheInventoryGrantsIncidentsAndRequestsAsHtmlAndCsv() throws Exception {
    String ada = person();
    String sam = member(true);
    String grant = grantFor(sam);
    assertThat(read(token(member(true)), ada).statusCode()).isEqualTo(403); // an incident
    var session = running.platform.vault().startSession(ada);
    assertThat(running.get("/api/v1/me/export", "Cookie", "pl_session=" + session.getKey()).statusCode()).isEqualTo(200); // an access request, served
    HttpResponse<String> created = call(officer, "POST", "/api/v1/reviews", null);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode report = json.readTree(created.body()).get("report");
    assertThat(report.get("inventory")).hasSize(running.platform.policy().categories().size());
    assertThat(report.get("inventory").get(0).get("stores").get(0).get("data_centre").asText()).isNotEmpty();
    assertThat(report.get("grants").toString()).contains(grant);
    assertThat(report.get("incidents").toString()).contains("staff-need-to-know");
    assertThat(report.get("requests").get("by_kind").get("export").get("met").asInt()).isPositive();
    assertThat(report.get("disclosures_by_ground").get("recorded").asBoolean()).isTrue();
    assertThat(report.get("disclosures_by_ground").get("rows")).as("no disclosure was made here").isEmpty();
    // sam's agreement was filed as before expiries were kept: in force, and a finding
    assertThat(report.get("agreements_without_expiry").toString()).contains(sam).contains("unrecorded").contains("no expiry on file");
    String id = json.readTree(created.body()).get("id").asText();

    HttpResponse<String> html = call(auditor, "GET", "/api/v1/reviews/" + id + "/report.html", null);
    assertThat(html.statusCode()).isEqualTo(200);
    assertThat(html.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    String needToKnow = running.platform.policy().rules().stream().filter(r -> r.id().equals("staff-need-to-know")).findFirst().orElseThrow().text();
    assertThat(html.body()).contains("Data inventory", "Grants", "Incidents", "Access and correction requests", "Disclosures by ground", grant, needToKnow,
        "fra-1", "Confidentiality agreements with no expiry on file").doesNotContain(EMAIL_PREFIX).doesNotContain("Secretname");
    PlainText.assertNoClauseOrRuleIds("the review report", PlainText.visible(html.body()), running.platform.policy());
    assertThat(PlainText.visible(html.body())).as("the stored records are counted in words, not by the tables' names")
        .contains("usage events", "audit log entries").doesNotContain("usage_event").doesNotContain("audit_log_entry");
    HttpResponse<String> csv = call(auditor, "GET", "/api/v1/reviews/" + id + "/report.csv", null);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body()).contains("\"section\",\"category\",\"text\",\"stores\",\"retention\"", "\"Grants\",\"" + grant + "\"", "\"export\"", "\"met\"")
        .contains(needToKnow).doesNotContain(EMAIL_PREFIX);
    PlainText.assertNoClauseOrRuleIds("the review report's CSV", csv.body(), running.platform.policy());
    assertThat(call(auditor, "GET", "/api/v1/reviews/rv-nothing/report.csv", null).statusCode()).isEqualTo(404);
  }

  @Test
  void C30_theRecordsOfProcessingAreGeneratedFromThePolicyAsJsonCsvAndHtml() throws Exception {
    HttpResponse<String> r = call(auditor, "GET", "/api/v1/records-of-processing", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode ropa = json.readTree(r.body());
    assertThat(ropa.get("controller").asText()).isEqualTo("Plenary IT Solutions");
    assertThat(ropa.get("activities")).hasSize(running.platform.policy().purposes().size());
    JsonNode provide = null;
    for (JsonNode a : ropa.get("activities")) {
      if (a.get("purpose").asText().equals("provide")) {
        provide = a;
      }
    }
    assertThat(provide.get("categories").toString()).contains("user.contact");
    assertThat(provide.get("recipients").toString()).contains("carrier");
    assertThat(provide.get("storage").toString()).contains("fra-1");
    assertThat(call(auditor, "GET", "/api/v1/records-of-processing.csv", null).body()).contains("\"Processing activities\",\"provide\"");
    String ropaHtml = call(auditor, "GET", "/api/v1/records-of-processing.html", null).body();
    assertThat(ropaHtml).contains("Records of processing activities", "Technical and organisational measures");
    PlainText.assertNoClauseOrRuleIds("the records of processing", PlainText.visible(ropaHtml), running.platform.policy());
    PlainText.assertNoClauseOrRuleIds("the records of processing as CSV", call(auditor, "GET", "/api/v1/records-of-processing.csv", null).body(),
        running.platform.policy());
    assertThat(running.get("/api/v1/records-of-processing", "Authorization", "Bearer " + shop).statusCode()).isEqualTo(403);
  }
}
