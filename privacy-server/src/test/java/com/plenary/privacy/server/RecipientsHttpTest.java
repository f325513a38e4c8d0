package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The registry of recipients and their agreements (C25), through real HTTP on H2 and PostgreSQL: the
 * privacy officer registers recipients and records agreement versions; a disclosure to a registered
 * processor is decided on the agreement as it now stands, on its first and last day and not outside
 * them, and never on anything the caller says.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class RecipientsHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String mail;
  private String officer;
  private String auditor;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    var a = running.platform.vault().staff().add("Auditor", "contractor", List.of("auditor"), Instant.now().minusSeconds(60));
    officer = running.platform.issuer().issue(o.id(), Duration.ofMinutes(10));
    auditor = running.platform.issuer().issue(a.id(), Duration.ofMinutes(10));
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private HttpResponse<String> post(String path, String body, String bearer) throws Exception {
    return running.postJson(path, body, bearer);
  }

  private static String agreement(LocalDate start, LocalDate end, String categories) {
    return "{\"categories\":" + categories + ",\"purposes\":[\"communicate\"],\"start\":\"" + start + "\",\"end\":\"" + end + "\","
        + "\"our_signatory\":\"A. Officer\",\"their_signatory\":\"B. Director\",\"confidentiality\":\"Staff bound by confidentiality\","
        + "\"security\":\"Encrypted at rest and in transit\",\"data_centres\":[\"fra-1\"]}";
  }

  private String decide(String question, String key) throws Exception {
    HttpResponse<String> r = post("/api/v1/decisions", question, key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("effect").asText();
  }

  private String disclose(String recipient, String category) throws Exception {
    HttpResponse<String> r = post("/api/v1/decisions", "{\"action\":\"disclose\",\"purpose\":\"communicate\",\"categories\":[\"" + category + "\"],"
        + "\"recipient\":\"" + recipient + "\"}", mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("effect").asText();
  }

  @Test
  void C25_theOfficerRegistersARecipientOnceOfAKindThePolicyDeclaresAndOthersOnlyRead() throws Exception {
    String id = "northwind-" + database;
    HttpResponse<String> made = post("/api/v1/recipients", "{\"id\":\"" + id + "\",\"kind\":\"processor\",\"name\":\"Northwind Mail\","
        + "\"contact\":\"privacy@northwind.example\"}", officer);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    assertThat(json.readTree(made.body()).get("source").asText()).isEqualTo("registry");
    assertThat(post("/api/v1/recipients", "{\"id\":\"" + id + "\",\"kind\":\"processor\",\"name\":\"Again\"}", officer).statusCode()).isEqualTo(409);
    assertThat(post("/api/v1/recipients", "{\"id\":\"carrier\",\"kind\":\"processor\",\"name\":\"Named by the policy\"}", officer).statusCode())
        .isEqualTo(409);
    HttpResponse<String> badKind = post("/api/v1/recipients", "{\"id\":\"x-" + database + "\",\"kind\":\"friend\",\"name\":\"X\"}", officer);
    assertThat(badKind.statusCode()).isEqualTo(400);
    assertThat(badKind.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(badKind.body()).contains("processor").contains("third-party");
    assertThat(post("/api/v1/recipients", "{\"id\":\"Not An Id\",\"kind\":\"processor\",\"name\":\"X\"}", officer).statusCode()).isEqualTo(400);
    assertThat(post("/api/v1/recipients", "{\"id\":\"y-" + database + "\",\"kind\":\"processor\",\"name\":\"Y\"}", auditor).statusCode())
        .as("an auditor reads, never registers").isEqualTo(403);
    assertThat(post("/api/v1/recipients", "{\"id\":\"z-" + database + "\",\"kind\":\"processor\",\"name\":\"Z\"}", mail).statusCode()).isEqualTo(403);

    HttpResponse<String> list = running.get("/api/v1/recipients", "Authorization", "Bearer " + auditor);
    assertThat(list.statusCode()).isEqualTo(200);
    JsonNode all = json.readTree(list.body()).get("recipients");
    assertThat(all.findValuesAsText("id")).contains("carrier", "mailer", "adbroker", id).doesNotContain("x-" + database, "y-" + database);
    assertThat(running.get("/api/v1/recipients/nobody-at-all", "Authorization", "Bearer " + auditor).statusCode()).isEqualTo(404);
    assertThat(running.platform.store().audit().recent(100, null)).filteredOn(e -> e.action().equals("add-recipient"))
        .anySatisfy(e -> assertThat(e.rules()).contains("recipient:" + id));
  }

  @Test
  void C25_aDisclosureToARegisteredProcessorHoldsOnlyWhileItsAgreementAsItNowStandsCoversIt() throws Exception {
    String id = "postbox-" + database;
    assertThat(post("/api/v1/recipients", "{\"id\":\"" + id + "\",\"kind\":\"processor\",\"name\":\"Postbox\"}", officer).statusCode()).isEqualTo(201);
    assertThat(disclose(id, "user.contact.email")).as("no agreement yet").isEqualTo("deny");
    assertThat(post("/api/v1/decisions", "{\"action\":\"disclose\",\"purpose\":\"communicate\",\"categories\":[\"user.contact.email\"],"
        + "\"recipient\":\"nobody-registered\"}", mail).statusCode()).as("a recipient neither the policy nor the registry holds").isEqualTo(400);

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String path = "/api/v1/recipients/" + id + "/agreements";
    HttpResponse<String> v1 = post(path, agreement(today.minusDays(30), today.plusDays(30), "[\"user.contact\"]"), officer);
    assertThat(v1.statusCode()).as(v1.body()).isEqualTo(201);
    assertThat(json.readTree(v1.body()).get("version").asInt()).isEqualTo(1);
    assertThat(json.readTree(v1.body()).get("in_force").asBoolean()).isTrue();
    assertThat(disclose(id, "user.contact.email")).isEqualTo("permit");
    assertThat(disclose(id, "user.content")).as("outside the agreement's categories").isEqualTo("deny");

    // each change is the next version, and the newest is the agreement as it now stands: its first and last day count, the days outside do not
    assertThat(post(path, agreement(today, today.plusDays(30), "[\"user.contact\"]"), officer).statusCode()).isEqualTo(201);
    assertThat(disclose(id, "user.contact.email")).as("its first day").isEqualTo("permit");
    assertThat(post(path, agreement(today.plusDays(1), today.plusDays(30), "[\"user.contact\"]"), officer).statusCode()).isEqualTo(201);
    assertThat(disclose(id, "user.contact.email")).as("the day before its first").isEqualTo("deny");
    assertThat(post(path, agreement(today.minusDays(30), today, "[\"user.contact\"]"), officer).statusCode()).isEqualTo(201);
    assertThat(disclose(id, "user.contact.email")).as("its last day").isEqualTo("permit");
    assertThat(post(path, agreement(today.minusDays(30), today.minusDays(1), "[\"user.contact\"]"), officer).statusCode()).isEqualTo(201);
    assertThat(disclose(id, "user.contact.email")).as("the day after its last").isEqualTo("deny");

    HttpResponse<String> history = running.get(path, "Authorization", "Bearer " + auditor);
    JsonNode versions = json.readTree(history.body()).get("agreements");
    assertThat(versions.findValuesAsText("version")).containsExactly("5", "4", "3", "2", "1");
    assertThat(versions.get(4).get("end").asText()).as("an earlier version is kept as it was").isEqualTo(today.plusDays(30).toString());
    assertThat(versions.findValuesAsText("in_force")).as("only the newest version can be in force").containsOnly("false");

    // bad terms: nothing recorded
    assertThat(post(path, agreement(today, today.minusDays(1), "[\"user.contact\"]"), officer).statusCode()).isEqualTo(400);
    assertThat(post(path, agreement(today, today, "[\"user.nothing\"]"), officer).statusCode()).isEqualTo(400);
    assertThat(post(path, agreement(today, today, "[\"user.contact\"]").replace("fra-1", "mars-1"), officer).statusCode()).isEqualTo(400);
    assertThat(post("/api/v1/recipients/nobody-at-all/agreements", agreement(today, today, "[\"user.contact\"]"), officer).statusCode()).isEqualTo(404);
    assertThat(json.readTree(running.get(path, "Authorization", "Bearer " + auditor).body()).get("agreements").size()).isEqualTo(5);
  }

  @Test
  void C25_anAgreementRecordedForARecipientThePolicyNamesCountsForItToo() throws Exception {
    // the policy names the carrier as a processor; the registry holds its agreement
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    assertThat(disclose("carrier", "user.contact.email")).isEqualTo("deny");
    assertThat(post("/api/v1/recipients/carrier/agreements", agreement(today.minusDays(1), today.plusDays(1), "[\"user.contact\"]"), officer)
        .statusCode()).isEqualTo(201);
    assertThat(disclose("carrier", "user.contact.email")).isEqualTo("permit");
  }

  @Test
  void C19_C25_aRegisteredRecipientThatIsNoProcessorIsOfferedForSharingInThePrivacyCenterAndTheConsentGivenThereCounts() throws Exception {
    String gazette = "gazette-" + database;
    String northwind = "northwind-offer-" + database;
    assertThat(post("/api/v1/recipients", "{\"id\":\"" + gazette + "\",\"kind\":\"third-party\",\"name\":\"The Harbour Gazette\"}", officer).statusCode())
        .isEqualTo(201);
    assertThat(post("/api/v1/recipients", "{\"id\":\"" + northwind + "\",\"kind\":\"processor\",\"name\":\"Northwind Offer Mail\"}", officer)
        .statusCode()).isEqualTo(201);
    String shop = running.serviceKey("shop");
    String email = "gazette." + System.nanoTime() + "@example.org";
    HttpResponse<String> made = post("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"},"
        + "\"password\":\"a long passphrase of theirs\"}", shop);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String person = json.readTree(made.body()).get("id").asText();
    HttpResponse<String> signIn = post("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"a long passphrase of theirs\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    String csrf = json.readTree(signIn.body()).get("csrf").asText();

    String home = running.get("/account", "Cookie", cookie).body();
    // offered by its registered name; a processor acts under its agreement, so it is never offered for consent
    assertThat(home).contains("<option value=\"" + gazette + "\">The Harbour Gazette</option>").doesNotContain(northwind);
    // (their name: contact data to a third party under "communicate", which takes in marketing, is refused whatever the consent, C17)
    String ask = "{\"action\":\"disclose\",\"purpose\":\"communicate\",\"categories\":[\"user.name\"],\"recipient\":\"" + gazette
        + "\",\"subject\":\"" + person + "\"}";
    assertThat(decide(ask, shop)).isEqualTo("deny");

    HttpResponse<String> given = running.send("POST", "/account/consents", "application/x-www-form-urlencoded",
        "csrf=" + csrf + "&granted=true&recipient=" + gazette + "&purpose=communicate", "Cookie", cookie);
    assertThat(given.statusCode()).as(given.body()).isEqualTo(303);
    assertThat(decide(ask, shop)).isEqualTo("permit");
    // and the page now lists the sharing consent by the recipient's name, with a way to withdraw it
    assertThat(running.get("/account", "Cookie", cookie).body()).contains("The Harbour Gazette");
  }
}
