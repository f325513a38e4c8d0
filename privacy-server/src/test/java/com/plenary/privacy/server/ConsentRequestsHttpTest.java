package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Consent requests and the consent ledger end to end over real HTTP, on H2 and PostgreSQL (C19, C24):
 * a service asks, the person is told and answers with the hash of the text they were shown, the use is
 * permitted only after the grant and denied again at the next decision after a withdrawal; receipts
 * and the export give the consent in the structure of ISO/IEC TS 27560 with DPV terms; the ledger's
 * chain is checked by the auditors' endpoint.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class ConsentRequestsHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  record Person(String id, String cookie, String csrf) {}

  private Person register() throws Exception {
    String email = "p" + System.nanoTime() + "@example.org";
    String password = "a long passphrase of theirs";
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"},\"password\":\"" + password + "\"}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    return new Person(json.readTree(r.body()).get("id").asText(), setCookie.substring(0, setCookie.indexOf(';')), json.readTree(signIn.body()).get("csrf").asText());
  }

  private HttpResponse<String> asPerson(Person p, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Cookie", p.cookie()).header("X-CSRF-Token", p.csrf());
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> asShop(String method, String path, String body) throws Exception {
    return running.send(method, path, body == null ? null : "application/json", body == null ? "" : body, "Authorization", "Bearer " + shop);
  }

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  private int readForDevelop(Person p) throws Exception {
    return asShop("GET", "/api/v1/subjects/" + p.id() + "?purpose=develop&fields=email", null).statusCode();
  }

  @Test
  void C19_aServiceAsksThePersonGrantsAndOnlyThenIsTheUsePermittedUntilTheyWithdraw() throws Exception {
    Person ada = register();
    assertThat(readForDevelop(ada)).isEqualTo(403);
    HttpResponse<String> asked = asShop("POST", "/api/v1/subjects/" + ada.id() + "/consent-requests",
        "{\"purpose\":\"develop\",\"reason\":\"We are building a gift list and would like to try it with you.\"}");
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(201);
    String requestId = body(asked).get("id").asText();
    assertThat(body(asked).get("status").asText()).isEqualTo("pending");
    // asking grants nothing
    assertThat(readForDevelop(ada)).isEqualTo(403);
    // the person is told through the message gateway, in the platform's own name
    var mailbox = running.platform.domain().messages().mailbox(Access.subject(ada.id(), null), ada.id(), 10);
    assertThat(mailbox.messages()).anySatisfy(m -> {
      assertThat(m.service()).isEqualTo("account");
      assertThat(m.kind()).isEqualTo("service");
    });

    JsonNode pending = body(asPerson(ada, "GET", "/api/v1/me/consent-requests", null)).get("consent_requests");
    assertThat(pending).hasSize(1);
    String text = pending.get(0).get("text").asText();
    assertThat(text).contains("Plenary Shop").contains("Developing new services").contains("gift list");
    assertThat(pending.get(0).get("text_sha256").asText()).isEqualTo(sha256(text));

    // a grant must carry the hash of the text shown: a wrong one changes nothing
    HttpResponse<String> wrong = asPerson(ada, "POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"grant\",\"shown_sha256\":\"" + sha256("other") + "\"}");
    assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(400);
    assertThat(body(wrong).get("field").asText()).isEqualTo("shown_sha256");
    assertThat(readForDevelop(ada)).isEqualTo(403);

    HttpResponse<String> granted = asPerson(ada, "POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"grant\",\"shown_sha256\":\"" + sha256(text) + "\"}");
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
    assertThat(body(granted).get("status").asText()).isEqualTo("granted");
    String consentId = body(granted).get("consent_id").asText();
    assertThat(readForDevelop(ada)).isEqualTo(200);
    // answered once only
    assertThat(asPerson(ada, "POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"decline\"}").statusCode()).isEqualTo(409);

    JsonNode consent = body(asPerson(ada, "GET", "/api/v1/me/consents", null)).get("consents").get(0);
    assertThat(consent.get("id").asText()).isEqualTo(consentId);
    assertThat(consent.get("channel").asText()).isEqualTo("privacy-center");
    assertThat(consent.get("shown_sha256").asText()).isEqualTo(sha256(text));

    JsonNode receipt = body(asPerson(ada, "GET", "/api/v1/me/consents/" + consentId + "/receipt", null));
    assertThat(receipt.get("schema_version").asText()).isEqualTo("ISO/IEC TS 27560:2023");
    assertThat(receipt.get("pii_principal_id").asText()).isEqualTo(ada.id());
    assertThat(receipt.get("consent_status").asText()).isEqualTo("dpv:ConsentGiven");
    assertThat(receipt.get("legal_basis").asText()).isEqualTo("dpv:Consent");
    assertThat(receipt.get("purpose").get("dpv").asText()).isEqualTo("dpv:ResearchAndDevelopment");
    assertThat(receipt.get("notice").get("shown_sha256").asText()).isEqualTo(sha256(text));
    assertThat(receipt.get("events").get(0).get("ledger_hash").asText()).hasSize(64);

    // a withdrawal takes effect at the next decision, and the receipt says so
    HttpResponse<String> withdrawn = asPerson(ada, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\",\"granted\":false}");
    assertThat(body(withdrawn).get("withdrawn").asInt()).isEqualTo(1);
    assertThat(readForDevelop(ada)).isEqualTo(403);
    JsonNode after = body(asPerson(ada, "GET", "/api/v1/me/consents/" + consentId + "/receipt", null));
    assertThat(after.get("consent_status").asText()).isEqualTo("dpv:ConsentWithdrawn");
    assertThat(after.get("events")).extracting(e -> e.get("type").asText()).containsExactly("dpv:ConsentGiven", "dpv:ConsentWithdrawn");

    // the export holds the same records, and the request
    JsonNode export = body(asPerson(ada, "GET", "/api/v1/me/export", null));
    JsonNode record = export.get("consent_records").get(0);
    assertThat(record.get("record_id").asText()).isEqualTo(consentId);
    assertThat(record.get("consent_status").asText()).isEqualTo("dpv:ConsentWithdrawn");
    assertThat(record.get("events")).hasSize(2);
    assertThat(export.get("consent_requests").get(0).get("status").asText()).isEqualTo("granted");

    // the ledger's chain verifies, for the auditors
    var auditor = running.platform.vault().staff().add("Avery Auditor", "employee", List.of("auditor"), Instant.now());
    String token = running.platform.issuer().issue(auditor.id(), Duration.ofMinutes(5));
    HttpResponse<String> check = running.send("GET", "/api/v1/consents/verify", null, "", "Authorization", "Bearer " + token);
    assertThat(check.statusCode()).as(check.body()).isEqualTo(200);
    assertThat(body(check).get("intact").asBoolean()).isTrue();
  }

  @Test
  void C19_aDeclinedRequestLeavesTheUseDeniedAndAnotherPersonsRequestIsNotFound() throws Exception {
    Person ada = register();
    Person eve = register();
    String requestId = body(asShop("POST", "/api/v1/subjects/" + ada.id() + "/consent-requests",
        "{\"purpose\":\"develop\",\"reason\":\"A new feature.\"}")).get("id").asText();
    // the same request twice is a conflict while it waits
    assertThat(asShop("POST", "/api/v1/subjects/" + ada.id() + "/consent-requests", "{\"purpose\":\"develop\",\"reason\":\"Again.\"}").statusCode())
        .isEqualTo(409);
    HttpResponse<String> byEve = asPerson(eve, "POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"decline\"}");
    assertThat(byEve.statusCode()).isEqualTo(404);
    assertThat(byEve.body()).doesNotContain(ada.id());
    HttpResponse<String> declined = asPerson(ada, "POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"decline\"}");
    assertThat(body(declined).get("status").asText()).isEqualTo("declined");
    assertThat(readForDevelop(ada)).isEqualTo(403);
    assertThat(body(asPerson(ada, "GET", "/api/v1/me/consents", null)).get("consents")).isEmpty();
    // a service may not answer for the person
    HttpResponse<String> byShop = asShop("POST", "/api/v1/me/consent-requests/" + requestId, "{\"answer\":\"grant\"}");
    assertThat(byShop.statusCode()).isEqualTo(403);
  }

  @Test
  void C19_aRequestForADeclaredOrUnknownPurposeOrWithABadReasonIsRefusedAndNothingIsRecorded() throws Exception {
    Person ada = register();
    String path = "/api/v1/subjects/" + ada.id() + "/consent-requests";
    record Bad(String body, String field, String says) {}
    for (Bad bad : List.of(
        new Bad("{\"purpose\":\"provide\",\"reason\":\"We provide.\"}", "purpose", "declares the purpose 'provide' already"),
        new Bad("{\"purpose\":\"improve.analytics\",\"reason\":\"Trends.\"}", "purpose", "declares the purpose 'improve.analytics' already"),
        new Bad("{\"purpose\":\"astrology\",\"reason\":\"Stars.\"}", "purpose", "no purpose 'astrology'"),
        new Bad("{\"purpose\":\"sale\",\"reason\":\"Money.\"}", "purpose", "not a purpose anyone can consent to"),
        new Bad("{\"purpose\":\"develop\",\"recipient\":\"nobody-inc\",\"reason\":\"Share.\"}", "recipient", "no recipient 'nobody-inc'"),
        new Bad("{\"purpose\":\"develop\",\"reason\":\"Line one\\nline two\"}", "reason", "control characters"),
        new Bad("{\"purpose\":\"develop\",\"reason\":\"" + "x".repeat(501) + "\"}", "reason", ""))) {
      HttpResponse<String> r = asShop("POST", path, bad.body());
      assertThat(r.statusCode()).as(bad.body() + " → " + r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
      assertThat(body(r).get("field").asText()).as(r.body()).isEqualTo(bad.field());
      assertThat(body(r).get("detail").asText()).contains(bad.says());
    }
    assertThat(body(asPerson(ada, "GET", "/api/v1/me/consent-requests", null)).get("consent_requests")).isEmpty();
  }
}
