package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.platform.Engineers;
import com.plenary.privacy.store.Credentials;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The collector, cookies, service and partner events and partner links, through real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CollectorHttpTest {
  static final String CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
  static final String BEACON = "{\"type\":\"pageview\",\"page\":\"https://shop.example/p/1\",\"referrer\":\"https://search.example/\",\"language\":\"en-GB\","
      + "\"screen\":{\"w\":1280,\"h\":800},\"tracking_pixel\":\"<img src=x>\",\"email\":\"leak@example.org\"}";
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private String mail;
  private String web;
  private String shop;
  private String partner;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    web = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "web").key();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    partner = running.platform.store().credentials().issue(Credentials.Kind.PARTNER, "acme-ads").key();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private HttpResponse<String> beacon(String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri("/collect")).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "text/plain;charset=UTF-8").header("User-Agent", CHROME_LINUX);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long events() {
    return running.platform.vault().usage().count();
  }

  private List<String> setCookies(HttpResponse<?> r) {
    return r.headers().allValues("Set-Cookie");
  }

  @Test
  void C9_C20_withoutAnalyticsChoiceNothingIsRecordedAndOnlyEssentialCookiesAreSet() throws Exception {
    long before = events();
    HttpResponse<String> r = beacon(BEACON);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Plenary-Recorded")).contains("no");
    assertThat(setCookies(r)).allMatch(c -> c.startsWith("pl_bid=")).anyMatch(c -> c.contains("HttpOnly") && c.contains("SameSite=Lax"));
    assertThat(events()).isEqualTo(before);
    HttpResponse<String> refused = beacon(BEACON, "Cookie", "pl_consent=v1.p0.a0");
    assertThat(refused.headers().firstValue("X-Plenary-Recorded")).contains("no");
    assertThat(events()).isEqualTo(before);
  }

  @Test
  void C20_globalPrivacyControlAndDoNotTrackOverrideAnAnalyticsChoice() throws Exception {
    long before = events();
    assertThat(beacon(BEACON, "Cookie", "pl_consent=v1.p1.a1", "Sec-GPC", "1").headers().firstValue("X-Plenary-Recorded")).contains("no");
    assertThat(beacon(BEACON, "Cookie", "pl_consent=v1.p1.a1", "DNT", "1").headers().firstValue("X-Plenary-Recorded")).contains("no");
    assertThat(events()).isEqualTo(before);
    HttpResponse<String> gpc = running.get("/.well-known/gpc.json");
    assertThat(json.readTree(gpc.body()).get("gpc").asBoolean()).isTrue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void C3_C7_withAnalyticsAllowedThePageViewIsStoredWithExactlyTheDeclaredAttributes() throws Exception {
    String cookie = "pl_bid=AAAAAAAAAAAAAAAAAAAAAB; pl_consent=v1.p1.a1";
    HttpResponse<String> r = beacon(BEACON, "Cookie", cookie);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Plenary-Recorded")).contains("yes");
    assertThat(setCookies(r)).anyMatch(c -> c.startsWith("pl_an="));
    Map<String, Object> stored = Engineers.newest(running.platform, 1).get(0);
    Map<String, Object> details = (Map<String, Object>) stored.get("details");
    assertThat(details).containsOnlyKeys("page", "referrer", "language", "screen", "ip", "browser", "browser_major", "os", "device");
    assertThat(details).containsEntry("page", "https://shop.example/p/1").containsEntry("screen", "1280x800").containsEntry("language", "en-GB")
        .containsEntry("browser", "Chrome").containsEntry("os", "Linux").containsEntry("ip", "127.0.0.0");
    assertThat(stored.toString()).doesNotContain("leak@example.org").doesNotContain("<img");
  }

  @Test
  void C8_behindATlsProxyTheCookiesAreSecure() throws Exception {
    String consent = "pl_consent=v1.p1.a1";
    List<String> proxied = setCookies(beacon(BEACON, "Cookie", consent, "X-Forwarded-Proto", "https"));
    assertThat(proxied).isNotEmpty().allSatisfy(c -> assertThat(c).contains("; Secure").contains("SameSite=Lax"));
    assertThat(setCookies(beacon(BEACON, "Cookie", consent, "Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43")))
        .isNotEmpty().allSatisfy(c -> assertThat(c).contains("; Secure"));
    // plain HTTP without a proxy's word (a developer's machine): not Secure, or the browser would drop them
    assertThat(setCookies(beacon(BEACON, "Cookie", consent))).isNotEmpty().noneSatisfy(c -> assertThat(c).contains("; Secure"));
  }

  @Test
  void C8_twoBrowsersGetDifferentIdsAndAnIdSurvivesAcrossRequests() throws Exception {
    String a = setCookies(beacon(BEACON)).get(0).split(";")[0];
    String b = setCookies(beacon(BEACON)).get(0).split(";")[0];
    assertThat(a).isNotEqualTo(b);
    assertThat(a.substring("pl_bid=".length())).matches("[A-Za-z0-9_-]{22}");
    assertThat(setCookies(beacon(BEACON, "Cookie", a))).noneMatch(c -> c.startsWith("pl_bid="));
  }

  @Test
  void malformedOversizedAndHostileBeaconsAre4xxAndStoreNothing() throws Exception {
    long before = events();
    String ok = "Cookie";
    String consent = "pl_consent=v1.p1.a1";
    assertThat(beacon("{\"page\":", ok, consent).statusCode()).isEqualTo(400);
    assertThat(beacon("[1,2,3]", ok, consent).statusCode()).isEqualTo(400);
    assertThat(beacon("{\"page\":\"javascript:alert(1)\"}", ok, consent).statusCode()).isEqualTo(400);
    assertThat(beacon("{\"page\":\"https://x.example/\",\"language\":\"<script>\"}", ok, consent).statusCode()).isEqualTo(400);
    assertThat(beacon("{\"page\":\"https://x.example/\",\"screen\":{\"w\":-1,\"h\":9}}", ok, consent).statusCode()).isEqualTo(400);
    assertThat(beacon("{\"page\":\"https://x.example/" + "a".repeat(9000) + "\"}", ok, consent).statusCode()).isEqualTo(413);
    HttpResponse<String> xml = running.send("POST", "/collect", "application/xml", "<a/>");
    assertThat(xml.statusCode()).isEqualTo(415);
    // without a Content-Length (chunked), the limit holds while reading
    HttpResponse<String> chunkedHuge = chunked("{\"page\":\"https://x.example/" + "a".repeat(9000) + "\"}", consent);
    assertThat(chunkedHuge.statusCode()).isEqualTo(413);
    assertThat(chunkedHuge.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(events()).isEqualTo(before);
  }

  @Test
  void aChunkedBeaconWithinTheLimitIsStored() throws Exception {
    long before = events();
    HttpResponse<String> r = chunked("{\"page\":\"https://x.example/chunked/" + "b".repeat(1500) + "\"}", "pl_bid=CCCCCCCCCCCCCCCCCCCCCC; pl_consent=v1.p1.a1");
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Plenary-Recorded")).hasValue("yes");
    assertThat(events()).isEqualTo(before + 1);
  }

  private HttpResponse<String> chunked(String body, String cookie) throws Exception {
    HttpRequest r = HttpRequest.newBuilder(running.uri("/collect"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))))
        .header("Content-Type", "text/plain;charset=UTF-8").header("User-Agent", CHROME_LINUX).header("Cookie", cookie).build();
    return running.http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void C6_eventsBeforeAndAfterSignInBothBelongToThePerson() throws Exception {
    String email = "c6." + System.nanoTime() + "@example.org";
    HttpResponse<String> reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Carol\"},\"password\":\"carol's long password\"}", mail);
    String id = json.readTree(reg.body()).get("id").asText();
    String browser = "pl_bid=BBBBBBBBBBBBBBBBBBBBBB; pl_consent=v1.p1.a1";
    beacon(BEACON.replace("/p/1", "/before-sign-in"), "Cookie", browser);
    HttpResponse<String> signIn = running.send("POST", "/api/v1/session", "application/json",
        "{\"email\":\"" + email + "\",\"password\":\"carol's long password\"}", "Cookie", browser);
    assertThat(signIn.statusCode()).isEqualTo(200);
    String session = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    beacon(BEACON.replace("/p/1", "/after-sign-in"), "Cookie", browser + "; " + session);
    HttpResponse<String> export = running.get("/api/v1/me/export", "Cookie", session);
    JsonNode events = json.readTree(export.body()).get("usage_events");
    assertThat(events.toString()).contains("/before-sign-in").contains("/after-sign-in");
  }

  @Test
  void C3_serviceEventsAreStoredForTheirPeopleAndABadBatchStoresNothing() throws Exception {
    HttpResponse<String> reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"c3." + System.nanoTime() + "@example.org\",\"name\":\"Dan\"}}", mail);
    String id = json.readTree(reg.body()).get("id").asText();
    long before = events();
    String good = "{\"subject\":\"" + id + "\",\"type\":\"open\",\"page\":\"https://mail.example/inbox\",\"user_agent\":\"" + CHROME_LINUX + "\",\"ip\":\"203.0.113.77\"}";
    String bad = "{\"subject\":\"" + id + "\",\"page\":\"ftp://nope\"}";
    HttpResponse<String> half = running.postJson("/api/v1/events", "{\"events\":[" + good + "," + bad + "]}", mail);
    assertThat(half.statusCode()).isEqualTo(400);
    assertThat(events()).isEqualTo(before);
    assertThat(running.postJson("/api/v1/events", "{\"events\":[" + good.replace("\"type\":\"open\"", "\"type\":\"open\",\"purpose\":\"develop\"") + "]}", mail).statusCode()).isEqualTo(403);
    assertThat(running.postJson("/api/v1/events", "{\"events\":[" + good + "]}", web).statusCode()).as("web did not register the person").isEqualTo(404);
    // the registrations of a batch's people are looked up together: one person unknown to the service stores nothing of the batch
    HttpResponse<String> mixed = running.postJson("/api/v1/events", "{\"events\":[" + good + "," + good.replace(id, "s-" + UUID.randomUUID()) + "]}", mail);
    assertThat(mixed.statusCode()).isEqualTo(404);
    assertThat(mixed.body()).contains("events[1]");
    assertThat(events()).isEqualTo(before);
    HttpResponse<String> ok = running.postJson("/api/v1/events", "{\"events\":[" + good + "," + good + "]}", mail);
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(events()).isEqualTo(before + 2);
    String many = "{\"events\":[" + String.join(",", Collections.nCopies(1001, good)) + "]}";
    assertThat(running.postJson("/api/v1/events", many, mail).statusCode()).isEqualTo(400);
    assertThat(Engineers.newest(running.platform, 1).get(0).get("details").toString()).contains("203.0.113.0");
  }

  @Test
  void C4_partnerEventsNeedPartnerCredentialsAndAreAttributedToThePartner() throws Exception {
    String events = "{\"events\":[{\"identifier\":\"visitor-42@acme\",\"page\":\"https://acme.example/deal\"}]}";
    assertThat(running.postJson("/api/v1/partner-events", events, null).statusCode()).isEqualTo(401);
    assertThat(running.postJson("/api/v1/partner-events", events, mail).statusCode()).isEqualTo(403);
    HttpResponse<String> ok = running.postJson("/api/v1/partner-events", events, partner);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json.readTree(ok.body()).get("partner").asText()).isEqualTo("acme-ads");
    Map<String, Object> stored = Engineers.newest(running.platform, 1).get(0);
    assertThat(stored).containsEntry("source", "partner").containsEntry("from", "acme-ads");
    String unknown = running.platform.store().credentials().issue(Credentials.Kind.PARTNER, "globex").key();
    HttpResponse<String> denied = running.postJson("/api/v1/partner-events", events, unknown);
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(json.readTree(denied.body()).get("clauses").toString()).contains("C4");
  }

  @Test
  void C5_aLinkedPartnerRecordAppearsInTheExportWithItsPurposeAndUnlinkingRemovesIt() throws Exception {
    String email = "c5." + System.nanoTime() + "@example.org";
    HttpResponse<String> reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Eve\",\"address\":\"1 Acme Road\"},\"password\":\"eve's long password\"}", shop);
    String id = json.readTree(reg.body()).get("id").asText();
    assertThat(running.postJson("/api/v1/partner-events", "{\"events\":[{\"identifier\":\"" + email + "\",\"page\":\"https://acme.example/shoes\"}]}", partner).statusCode()).isEqualTo(200);
    HttpResponse<String> link = running.postJson("/api/v1/subjects/" + id + "/partner-links",
        "{\"partner\":\"acme-ads\",\"identifier\":\"" + email.toUpperCase() + "\",\"purpose\":\"improve\"}", shop);
    assertThat(link.statusCode()).as(link.body()).isEqualTo(201);
    String linkId = json.readTree(link.body()).get("id").asText();
    String session = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"eve's long password\"}", null)
        .headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    JsonNode export = json.readTree(running.get("/api/v1/me/export", "Cookie", session).body());
    assertThat(export.get("partner_links").get(0).get("purpose").asText()).isEqualTo("improve");
    assertThat(export.get("usage_events").toString()).contains("acme.example/shoes");
    assertThat(running.send("DELETE", "/api/v1/subjects/" + id + "/partner-links/" + linkId, null, "", "Authorization", "Bearer " + shop).statusCode()).isEqualTo(204);
    JsonNode after = json.readTree(running.get("/api/v1/me/export", "Cookie", session).body());
    assertThat(after.get("partner_links").size()).isZero();
    assertThat(after.get("usage_events").toString()).doesNotContain("acme.example/shoes");
  }

  @Test
  void C20_anotherSiteCannotSubmitCookieChoicesOnAVisitorsBehalf() throws Exception {
    String form = "all=accept";
    HttpResponse<String> forged = running.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form, "Origin", "https://evil.example");
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("pl_consent="));
    assertThat(running.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form).statusCode()).isEqualTo(403);
    HttpResponse<String> own = running.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form,
        "Origin", "http://127.0.0.1:" + running.server.port());
    assertThat(own.statusCode()).isEqualTo(303);
    assertThat(own.headers().firstValue("Set-Cookie")).get().asString().startsWith("pl_consent=v1.p1.a1");
  }

  @Test
  void C20_behindAProxyThatRewritesHostTheFormIsCheckedAgainstThePublicUrl() throws Exception {
    try (Running proxied = new Running(Map.of("server.public_url", "https://privacy.example"))) {
      String form = "all=refuse";
      HttpResponse<String> own = proxied.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form, "Origin", "https://privacy.example");
      assertThat(own.statusCode()).isEqualTo(303);
      // the Host the proxy sent on is not where browsers are: a page there is not ours
      HttpResponse<String> internal = proxied.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form,
          "Origin", "http://127.0.0.1:" + proxied.server.port());
      assertThat(internal.statusCode()).isEqualTo(403);
      assertThat(proxied.send("POST", "/privacy/cookie-choices", "application/x-www-form-urlencoded", form, "Referer", "https://evil.example/privacy.example")
          .statusCode()).isEqualTo(403);
    }
  }

  @Test
  void C10_theCookieListNamesPartnerCookiesWithTheirOwner() throws Exception {
    JsonNode cookies = json.readTree(running.get("/api/v1/cookies").body()).get("cookies");
    assertThat(cookies.toString()).contains("\"name\":\"acme_vid\"").contains("\"owner\":\"acme-ads\"");
    String page = running.get("/privacy/cookies").body();
    assertThat(page).contains("acme_vid").contains("Acme Advertising");
  }

  @Test
  void C21_withCookiesRefusedThePageStillWorksAndSaysWhatIsOff() throws Exception {
    HttpResponse<String> page = running.get("/privacy/cookies", "Cookie", "pl_consent=v1.p0.a0");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Off for you").contains("counting your visits").contains("remembering your display preferences");
    HttpResponse<String> choices = running.send("POST", "/privacy/cookie-choices", "application/json", "{\"preferences\":true,\"analytics\":true}", "Sec-GPC", "1");
    assertThat(json.readTree(choices.body()).get("analytics").asBoolean()).isFalse();
    assertThat(choices.headers().firstValue("Set-Cookie")).get().asString().startsWith("pl_consent=v1.p1.a0");
  }

  /** Operators see the journal at work: what it moved into the table, in how many transactions, and what is still to move. */
  @Test
  void metricsShowTheJournalMovingAcknowledgedEventsIntoTheTable() throws Exception {
    events(); // waits until nothing is journaled
    double appliedBefore = metric("plenary_collector_journal_applied_events_total");
    double transactionsBefore = metric("plenary_collector_journal_transactions_total");
    for (int n = 0; n < 5; n++) {
      assertThat(beacon(BEACON, "Cookie", "pl_bid=MMMMMMMMMMMMMMMMMMMMMM; pl_consent=v1.p1.a1").headers().firstValue("X-Plenary-Recorded")).contains("yes");
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (metric("plenary_collector_journal_applied_events_total") < appliedBefore + 5 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(metric("plenary_collector_journal_applied_events_total")).isEqualTo(appliedBefore + 5);
    assertThat(metric("plenary_collector_journal_transactions_total") - transactionsBefore).isBetween(1.0, 5.0);
    assertThat(metric("plenary_collector_journal_lag")).isZero();
    assertThat(metric("plenary_collector_journal_failures_total")).isZero();
  }

  private double metric(String name) throws Exception {
    return running.get("/metrics").body().lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst().orElseThrow(() -> new AssertionError(name + " is not in /metrics"));
  }
}
