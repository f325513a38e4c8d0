package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.policy.Prohibition;
import com.plenary.privacy.policy.Rule;
import com.plenary.privacy.store.AuditLog;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The one enforcement point, tried from outside through real HTTP: the holes a service, a staff
 * member or a careless caller could go around it by are closed, and every decision the audit trail
 * claims was made by the engine.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class EnforcementTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String mail;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  record Person(String id, String cookie, String csrf) {}

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private Person register(String service) throws Exception {
    String email = "p" + System.nanoTime() + "@example.org";
    String password = "a long passphrase of theirs";
    String fields = service.equals("shop")
        ? "{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"}"
        : "{\"email\":\"" + email + "\",\"name\":\"Ada\"}";
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":" + fields + ",\"password\":\"" + password + "\"}",
        service.equals("shop") ? shop : mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = body(r).get("id").asText();
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    return new Person(id, setCookie.substring(0, setCookie.indexOf(';')), body(signIn).get("csrf").asText());
  }

  private HttpResponse<String> asPerson(Person p, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri(path)).method(method,
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Cookie", p.cookie()).header("X-CSRF-Token", p.csrf());
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> as(String bearer, String method, String path, String body) throws Exception {
    return running.send(method, path, body == null ? null : "application/json", body == null ? "" : body, "Authorization", "Bearer " + bearer);
  }

  private static void assertProblem(HttpResponse<String> r, int status) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
  }

  private String staffToken(String role) {
    var member = running.platform.vault().staff().add("Sam", "employee", List.of(role), Instant.now());
    return running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
  }

  @Test
  void C19_aServiceCannotGiveItselfAPersonsConsent() throws Exception {
    Person ada = register("mail");
    String read = "/api/v1/subjects/" + ada.id() + "?purpose=develop";
    assertProblem(as(mail, "GET", read, null), 403);
    HttpResponse<String> grant = as(mail, "POST", "/api/v1/subjects/" + ada.id() + "/consents", "{\"purpose\":\"develop\"}");
    assertProblem(grant, 403);
    assertThat(body(grant).get("clauses").toString()).contains("C19");
    assertThat(body(grant).get("rules").toString()).contains("consent-only-from-the-person");
    assertProblem(as(mail, "GET", read, null), 403);
    // the refused attempt is in the person's trail as a denial
    assertThat(running.platform.store().audit().about(ada.id(), 100)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("consent");
      assertThat(e.effect()).isEqualTo("deny");
      assertThat(e.rules()).containsExactly("consent-only-from-the-person");
    });
    // the person gives it themselves; the service may withdraw it on their behalf
    assertThat(asPerson(ada, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\"}").statusCode()).isEqualTo(201);
    assertThat(as(mail, "GET", read, null).statusCode()).isEqualTo(200);
    HttpResponse<String> withdraw = as(mail, "POST", "/api/v1/subjects/" + ada.id() + "/consents", "{\"purpose\":\"develop\",\"granted\":false}");
    assertThat(withdraw.statusCode()).as(withdraw.body()).isEqualTo(200);
    assertProblem(as(mail, "GET", read, null), 403);
  }

  @Test
  void C19_aConsentGivenAtRegistrationIsRecordedWithWhatThePersonWasShown() throws Exception {
    String shown = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest("May Plenary Mail use your address to develop new features?".getBytes(StandardCharsets.UTF_8)));
    String email = "r" + System.nanoTime() + "@example.org";
    int keysBefore = running.platform.keyStore().count();
    HttpResponse<String> noEvidence = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},"
        + "\"consents\":[{\"purpose\":\"develop\"}]}", mail);
    assertProblem(noEvidence, 400);
    assertThat(body(noEvidence).get("field").asText()).isEqualTo("consents[0].shown_sha256");
    assertThat(running.platform.keyStore().count()).as("nothing half-written").isEqualTo(keysBefore);
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},"
        + "\"consents\":[{\"purpose\":\"develop\",\"shown_sha256\":\"" + shown + "\"}]}", mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = body(r).get("id").asText();
    assertThat(as(mail, "GET", "/api/v1/subjects/" + id + "?purpose=develop&fields=email", null).statusCode()).isEqualTo(200);
    JsonNode consent = body(as(mail, "GET", "/api/v1/subjects/" + id + "/consents", null)).get("consents").get(0);
    assertThat(consent.get("channel").asText()).isEqualTo("registration");
    assertThat(consent.get("shown_sha256").asText()).isEqualTo(shown);
  }

  @Test
  void C14_theDecisionsApiRefusesFactsFromItsCaller() throws Exception {
    Person ada = register("mail");
    String withFacts = "{\"action\":\"read\",\"purpose\":\"develop\",\"subject\":\"" + ada.id() + "\",\"categories\":[\"user.contact.email\"],"
        + "\"facts\":{\"consents\":[{\"purpose\":\"develop\",\"version\":1}]}}";
    HttpResponse<String> r = as(mail, "POST", "/api/v1/decisions", withFacts);
    assertProblem(r, 400);
    assertThat(body(r).get("field").asText()).isEqualTo("facts");
    HttpResponse<String> batch = as(mail, "POST", "/api/v1/decisions", "[{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user\"]}," + withFacts + "]");
    assertProblem(batch, 400);
    assertThat(body(batch).get("field").asText()).isEqualTo("[1].facts");
  }

  @Test
  void C19_theDecisionsApiAndTheVaultGiveTheSameAnswerForTheSamePerson() throws Exception {
    Person ada = register("mail");
    String ask = "{\"action\":\"read\",\"purpose\":\"develop\",\"subject\":\"" + ada.id() + "\",\"categories\":[\"user.contact.email\"]}";
    HttpResponse<String> before = as(mail, "POST", "/api/v1/decisions", ask);
    assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
    assertThat(body(before).get("effect").asText()).isEqualTo("deny");
    assertThat(as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=develop&fields=email", null).statusCode()).isEqualTo(403);

    assertThat(asPerson(ada, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\"}").statusCode()).isEqualTo(201);
    HttpResponse<String> after = as(mail, "POST", "/api/v1/decisions", ask);
    assertThat(body(after).get("effect").asText()).as(after.body()).isEqualTo("permit");
    assertThat(as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=develop&fields=email", null).statusCode()).isEqualTo(200);
    // the question about a person is audited like any use
    assertThat(running.platform.store().audit().about(ada.id(), 100)).filteredOn(e -> e.action().equals("ask:read"))
        .extracting(AuditLog.Entry::effect).containsExactlyInAnyOrder("permit", "deny");
    // a person the service cannot see is the same 404 as everywhere
    assertProblem(as(shop, "POST", "/api/v1/decisions", ask), 404);
  }

  @Test
  void C2_C14_aFieldTheServiceDoesNotDeclareNeverLeavesTheVault() throws Exception {
    Person ada = register("mail");
    HttpResponse<String> set = asPerson(ada, "PATCH", "/api/v1/me", "{\"fields\":{\"address\":\"1 Analytical Way\"}}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    HttpResponse<String> all = as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=provide", null);
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.body()).doesNotContain("Analytical");
    assertThat(body(all).get("fields").has("address")).isFalse();
    assertThat(body(all).get("fields").get("email")).isNotNull();
    HttpResponse<String> named = as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=provide&fields=address", null);
    assertProblem(named, 400);
    assertThat(named.body()).doesNotContain("Analytical").contains("address");
    // the person sees their own address
    assertThat(asPerson(ada, "GET", "/api/v1/me", null).body()).contains("Analytical");
  }

  @Test
  void C26_anApproverNamedByTheCallerIsNoApproval() throws Exception {
    String officer = staffToken("privacy-officer");
    String legal = "{\"action\":\"disclose\",\"purpose\":\"protect\",\"recipient\":\"carrier\",\"categories\":[\"user.contact\"],"
        + "\"facts\":{\"legal\":{\"ground\":\"a\",\"requested_by\":\"st-me\",\"approved_by\":[\"st-nobody-at-all\"]}}}";
    assertProblem(as(officer, "POST", "/api/v1/decisions", legal), 400);
    HttpResponse<String> bare = as(officer, "POST", "/api/v1/decisions", legal.replaceFirst(",\"facts\".*\\}\\}\\}$", "}"));
    assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
    assertThat(body(bare).get("effect").asText()).isEqualTo("deny");
  }

  @Test
  void C14_aNameThePolicyDoesNotKnowIsOneClear400Everywhere() throws Exception {
    Person ada = register("mail");
    String longName = "p".repeat(101);
    for (String purpose : List.of("no-such-purpose", longName)) {
      HttpResponse<String> decided = as(mail, "POST", "/api/v1/decisions",
          "{\"action\":\"read\",\"purpose\":\"" + purpose + "\",\"categories\":[\"user.contact.email\"]}");
      assertProblem(decided, 400);
      assertThat(body(decided).get("field").asText()).isEqualTo("purpose");
      assertProblem(as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=" + purpose, null), 400);
      assertProblem(as(mail, "POST", "/api/v1/subjects/" + ada.id() + "/content", "{\"kind\":\"message\",\"purpose\":\"" + purpose + "\",\"text\":\"hi\"}"), 400);
      assertProblem(as(mail, "POST", "/api/v1/subjects/" + ada.id() + "/consents", "{\"purpose\":\"" + purpose + "\",\"granted\":false}"), 400);
      assertProblem(asPerson(ada, "POST", "/api/v1/me/consents", "{\"purpose\":\"" + purpose + "\"}"), 400);
    }
    HttpResponse<String> category = as(mail, "POST", "/api/v1/decisions", "{\"action\":\"read\",\"purpose\":\"provide\",\"categories\":[\"user.nothing\"]}");
    assertProblem(category, 400);
    assertThat(body(category).get("detail").asText()).contains("user.nothing");
    // nothing written for the refused names
    assertThat(running.platform.store().audit().about(ada.id(), 100)).noneSatisfy(e -> assertThat(e.purpose()).isIn("no-such-purpose", longName));
  }

  @Test
  void C32_staffWithoutAGrantLearnNothingOfWhetherAPersonExists() throws Exception {
    Person ada = register("mail");
    String support = staffToken("support");
    HttpResponse<String> existing = as(support, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=communicate.respond&fields=email", null);
    HttpResponse<String> unknown = as(support, "GET", "/api/v1/subjects/s-00000000-0000-0000-0000-000000000000?purpose=communicate.respond&fields=email", null);
    assertProblem(existing, 403);
    assertProblem(unknown, 403);
    assertThat(body(existing).get("detail")).isEqualTo(body(unknown).get("detail"));
    assertThat(body(existing).get("rules")).isEqualTo(body(unknown).get("rules"));
  }

  @Test
  void C32_noOneGrantsAccessToThemselves() throws Exception {
    var member = running.platform.vault().staff().add("Pat", "employee", List.of("privacy-officer"), Instant.now());
    String token = running.platform.issuer().issue(member.id(), Duration.ofMinutes(5));
    HttpResponse<String> own = as(token, "POST", "/api/v1/staff/" + member.id() + "/grants",
        "{\"role\":\"privacy-officer\",\"categories\":[\"user\"],\"purposes\":[\"protect\"],\"until\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\"}");
    assertProblem(own, 403);
    assertThat(running.platform.domain().staff().grants(member.id())).isEmpty();
  }

  @Test
  void C5_aPartnersRecordIsLinkedToOnePersonAtMost() throws Exception {
    Person ada = register("shop");
    Person grace = register("shop");
    String link = "{\"partner\":\"acme-ads\",\"identifier\":\"visitor-" + System.nanoTime() + "\",\"purpose\":\"improve\"}";
    HttpResponse<String> first = as(shop, "POST", "/api/v1/subjects/" + ada.id() + "/partner-links", link);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    assertProblem(as(shop, "POST", "/api/v1/subjects/" + grace.id() + "/partner-links", link), 409);
    assertThat(asPerson(grace, "GET", "/api/v1/me/partner-links", null).body()).doesNotContain("acme-ads");
    assertThat(running.platform.store().audit().about(ada.id(), 100)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("link");
      assertThat(e.effect()).isEqualTo("permit");
    });
  }

  @Test
  void everyAuditEntryThatClaimsADecisionNamesARuleThatDecides() throws Exception {
    Person ada = register("mail");
    as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=provide", null);
    as(mail, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=develop", null);
    as(shop, "GET", "/api/v1/subjects/" + ada.id() + "?purpose=provide", null);
    as(mail, "POST", "/api/v1/subjects/" + ada.id() + "/consents", "{\"purpose\":\"develop\"}");
    asPerson(ada, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\"}");
    asPerson(ada, "GET", "/api/v1/me/export", null);
    running.platform.store().audit().seal();
    Set<String> deciding = new HashSet<>(Set.of("default-deny", "undeclared-category", "undeclared-purpose", "unknown-partner", "unregistered-service",
        "not-visible", "consent-only-from-the-person", "no-grant-to-oneself"));
    running.platform.policy().rules().stream().map(Rule::id).forEach(deciding::add);
    running.platform.policy().prohibitions().stream().map(Prohibition::id).forEach(deciding::add);
    List<AuditLog.Entry> entries = running.platform.store().audit().recent(1000, null);
    assertThat(entries).filteredOn(e -> e.effect().equals("permit") || e.effect().equals("deny")).isNotEmpty()
        .allSatisfy(e -> assertThat(e.rules()).as(e.toString()).isNotEmpty().allSatisfy(rule -> assertThat(deciding).contains(rule)));
    // what is not a decision says so
    assertThat(entries).filteredOn(e -> e.action().equals("consent")).extracting(AuditLog.Entry::effect).contains("recorded", "deny");
  }

  @Test
  void C29_registeringAnAddressThatIsRegisteredAlreadyAnswersAsANewOneAndTellsOnlyItsOwner() throws Exception {
    String email = "taken" + System.nanoTime() + "@example.org";
    String password = "the owner's own passphrase";
    HttpResponse<String> owner = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Owner\"},\"password\":\"" + password + "\"}", mail);
    assertThat(owner.statusCode()).as(owner.body()).isEqualTo(201);
    String ownerId = body(owner).get("id").asText();
    String fresh = "fresh" + System.nanoTime() + "@example.org";
    HttpResponse<String> forFresh = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + fresh + "\",\"name\":\"Someone\",\"address\":\"2 Other Street\"}}", shop);
    HttpResponse<String> forTaken = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Someone\",\"address\":\"2 Other Street\"}}", shop);
    // the same answer either way: status, shape, and nothing that names the other person
    assertThat(forTaken.statusCode()).as(forTaken.body()).isEqualTo(forFresh.statusCode()).isEqualTo(201);
    JsonNode taken = body(forTaken);
    JsonNode untaken = body(forFresh);
    assertThat(taken.get("id").asText()).isNotEqualTo(ownerId);
    assertThat(fieldNames(taken)).isEqualTo(fieldNames(untaken));
    assertThat(taken.get("stored")).isEqualTo(untaken.get("stored"));
    assertThat(forTaken.body()).doesNotContain(ownerId).doesNotContain("Owner");
    // the shop's record holds what the shop sent, and nothing of the owner's
    HttpResponse<String> read = running.get("/api/v1/subjects/" + taken.get("id").asText() + "?purpose=provide", "Authorization", "Bearer " + shop);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    assertThat(body(read).get("fields").get("name").asText()).isEqualTo("Someone");
    assertThat(running.get("/api/v1/subjects/" + ownerId + "?purpose=provide", "Authorization", "Bearer " + shop).statusCode()).isEqualTo(404);
    // the owner still signs in to their own account, and is told through the message gateway; the new record is not reachable by the address
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    assertThat(body(signIn).toString()).doesNotContain(taken.get("id").asText());
    assertThat(running.platform.domain().messages().newest(null, 100_000)).as("a notice to the owner of the address")
        .anySatisfy(m -> {
          assertThat(m.subjectId()).isEqualTo(ownerId);
          assertThat(m.kind()).isEqualTo("transactional");
        })
        .noneSatisfy(m -> assertThat(m.subjectId()).isEqualTo(taken.get("id").asText()));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
