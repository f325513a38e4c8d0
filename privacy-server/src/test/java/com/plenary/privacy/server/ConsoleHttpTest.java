package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.store.Credentials;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The admin console (/console) over real HTTP on a real server: sign-in with a staff token and the
 * session cookie it sets, CSRF on every form, sign-out and revocation ending the session, what each role
 * sees and may post (a support agent sees no approve button, and the approval it posts anyway is refused
 * by the domain and audited), and every page answering a privacy officer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleHttpTest {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private String officerId;
  private String secondOfficerId;
  private String auditorId;
  private String supportId;
  private String shop;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    Instant now = Instant.now();
    officerId = running.platform.vault().staff().add("Olga Officer", "employee", List.of("privacy-officer"), now).id();
    secondOfficerId = running.platform.vault().staff().add("Otto Officer", "employee", List.of("privacy-officer"), now).id();
    auditorId = running.platform.vault().staff().add("Aud Auditor", "contractor", List.of("auditor"), now).id();
    supportId = running.platform.vault().staff().add("Sam Support", "employee", List.of("support"), now).id();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private String token(String staffId) {
    return running.platform.issuer().issue(staffId, Duration.ofMinutes(30));
  }

  /** A browser of its own: keeps the cookies the server sets, follows no redirect. */
  final class Session {
    final Map<String, String> cookies = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> last;

    HttpResponse<String> get(String path) throws Exception {
      return remember(http.send(with(HttpRequest.newBuilder(running.uri(path)).GET()).build(), HttpResponse.BodyHandlers.ofString()));
    }

    HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
      String body = form.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
          .collect(Collectors.joining("&"));
      return remember(http.send(with(HttpRequest.newBuilder(running.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
          .header("Content-Type", "application/x-www-form-urlencoded")).build(), HttpResponse.BodyHandlers.ofString()));
    }

    private HttpRequest.Builder with(HttpRequest.Builder b) {
      if (!cookies.isEmpty()) {
        b.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; ")));
      }
      return b;
    }

    private HttpResponse<String> remember(HttpResponse<String> r) {
      for (String c : r.headers().allValues("Set-Cookie")) {
        String pair = c.split(";", 2)[0];
        String name = pair.substring(0, pair.indexOf('='));
        String value = pair.substring(pair.indexOf('=') + 1);
        if (value.isEmpty() || c.contains("Max-Age=0")) {
          cookies.remove(name);
        } else {
          cookies.put(name, value);
        }
      }
      last = r;
      return r;
    }

    /** The CSRF token of the last page's forms. */
    String csrf() {
      Matcher m = CSRF.matcher(last.body());
      assertThat(m.find()).as("a form with a CSRF token on\n%s", last.body()).isTrue();
      return m.group(1);
    }

    /** Signs in with {@code token} through the form; answers the sign-in's response. */
    HttpResponse<String> signIn(String token) throws Exception {
      get("/console/sign-in");
      return post("/console/sign-in", Map.of("csrf", csrf(), "token", token));
    }
  }

  private Session signedIn(String staffId) throws Exception {
    Session s = new Session();
    HttpResponse<String> r = s.signIn(token(staffId));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/console");
    return s;
  }

  private String person() throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"console-" + System.nanoTime() + "@example.org\",\"name\":\"Ada Secretname\",\"address\":\"1 Hidden Road\"}}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  @Test
  void signingInWithAStaffTokenSetsAStrictHttpOnlySessionCookieForTheConsoleOnly() throws Exception {
    Session s = new Session();
    HttpResponse<String> page = s.get("/console/sign-in");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(page.body()).contains("name=\"token\"").doesNotContain("/console/oidc\"");
    HttpResponse<String> in = s.post("/console/sign-in", Map.of("csrf", s.csrf(), "token", token(officerId)));
    assertThat(in.statusCode()).isEqualTo(303);
    String cookie = in.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pl_console=")).findFirst().orElseThrow();
    assertThat(cookie).contains("HttpOnly").containsIgnoringCase("SameSite=Strict").contains("Path=/console").doesNotContain("Secure");
    Matcher age = Pattern.compile("Max-Age=(\\d+)").matcher(cookie);
    assertThat(age.find()).isTrue();
    assertThat(Long.parseLong(age.group(1))).as("no longer than the token it began with").isLessThanOrEqualTo(30 * 60);
    HttpResponse<String> home = s.get("/console");
    assertThat(home.statusCode()).isEqualTo(200);
    assertThat(home.body()).contains("Olga Officer").contains("chart-events").contains("/assets/uplot.js");
    assertThat(home.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'");
  }

  @Test
  void aWrongTokenAServiceKeyOrAMissingCsrfTokenSignsNobodyIn() throws Exception {
    Session s = new Session();
    s.get("/console/sign-in");
    String csrf = s.csrf();
    assertThat(s.post("/console/sign-in", Map.of("token", token(officerId))).statusCode()).as("no CSRF token").isEqualTo(403);
    assertThat(s.post("/console/sign-in", Map.of("csrf", "forged", "token", token(officerId))).statusCode()).as("a forged one").isEqualTo(403);
    HttpResponse<String> garbage = s.post("/console/sign-in", Map.of("csrf", csrf, "token", "not-a-token"));
    assertThat(garbage.statusCode()).isEqualTo(401);
    assertThat(garbage.body()).contains("unknown, revoked or expired");
    assertThat(s.post("/console/sign-in", Map.of("csrf", csrf, "token", shop)).statusCode()).as("a service key is no staff member").isEqualTo(401);
    assertThat(s.cookies).doesNotContainKey("pl_console");
    assertThat(s.get("/console").statusCode()).isEqualTo(303);
    assertThat(s.last.headers().firstValue("Location")).hasValue("/console/sign-in");
  }

  @Test
  void everyFormNeedsTheSessionsCsrfToken() throws Exception {
    Session s = signedIn(officerId);
    for (String path : List.of("/console/sign-out", "/console/grants", "/console/grants/g-1/approve", "/console/grants/g-1/reject",
        "/console/incidents/i-1/close", "/console/reviews", "/console/reviews/r-1/sign-off", "/console/legal-requests/l-1/approve",
        "/console/legal-requests/l-1/reject")) {
      HttpResponse<String> r = s.post(path, Map.of("csrf", "wrong"));
      assertThat(r.statusCode()).as(path).isEqualTo(403);
      assertThat(r.body()).as(path).contains("/problems/csrf");
      assertThat(new Session().post(path, Map.of()).statusCode()).as("%s without a session", path).isEqualTo(401);
    }
    assertThat(s.get("/console").statusCode()).as("still signed in").isEqualTo(200);
  }

  @Test
  void signingOutOrRevokingTheTokensEndsTheSession() throws Exception {
    Session s = signedIn(auditorId);
    s.get("/console");
    HttpResponse<String> out = s.post("/console/sign-out", Map.of("csrf", s.csrf()));
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(s.cookies).doesNotContainKey("pl_console");
    String ended = out.request().headers().firstValue("Cookie").orElseThrow().replaceAll(".*pl_console=([^;]+).*", "$1");
    s.cookies.put("pl_console", ended);
    assertThat(s.get("/console").statusCode()).as("the old cookie opens nothing").isEqualTo(303);

    String member = running.platform.vault().staff().add("Rita Revoked", "employee", List.of("auditor"), Instant.now()).id();
    Session r = signedIn(member);
    assertThat(r.get("/console").statusCode()).isEqualTo(200);
    Thread.sleep(1100); // tokens carry whole seconds: revocation ends those issued before its second
    running.platform.vault().staff().revokeTokens(member);
    assertThat(r.get("/console").statusCode()).as("revoking the tokens ends the sessions they opened").isEqualTo(303);
  }

  @Test
  void aPrivacyOfficerSeesEveryPage() throws Exception {
    String ada = person();
    String careless = running.platform.vault().staff().add("Carl Careless", "employee", List.of("support"), Instant.now()).id();
    assertThat(running.send("GET", "/api/v1/subjects/" + ada + "?purpose=communicate.respond&fields=email", null, "",
        "Authorization", "Bearer " + token(careless)).statusCode()).as("a denial: an incident and a denial in the review").isEqualTo(403);
    running.platform.store().audit().seal();
    Session s = signedIn(officerId);
    String review = running.platform.domain().reviews().create(auditorId).id();
    for (String path : List.of("/console", "/console/audit", "/console/audit?subject=" + ada, "/console/audit?effect=deny&since=2020-01-01&until=2099-01-01",
        "/console/audit/proof?seq=1", "/console/grants", "/console/incidents", "/console/reviews", "/console/reviews/" + review,
        "/console/legal-requests", "/console/data-map", "/console/recipients")) {
      HttpResponse<String> r = s.get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("text/html");
      assertThat(r.body()).as(path).contains("<main");
      assertThat(r.body()).as(path).doesNotContainPattern("\\bC\\d+\\b");
      PlainText.assertNoClauseOrRuleIds(path, PlainText.visible(r.body()), running.platform.policy());
    }
    HttpResponse<String> byRule = s.get("/console/audit?effect=deny&rule=staff-need-to-know&since=2020-01-01");
    assertThat(byRule.statusCode()).isEqualTo(200);
    assertThat(byRule.body()).as("the search by rule keeps its choice and shows the denial with the rule's sentence")
        .contains("<option value=\"staff-need-to-know\" selected").contains(ada);
    PlainText.assertNoClauseOrRuleIds("/console/audit by rule", PlainText.visible(byRule.body()), running.platform.policy());
    assertThat(s.get("/console/audit?subject=" + ada).body()).contains(ada).contains("/console/audit/proof?seq=");
    assertThat(s.get("/console/audit?effect=maybe").statusCode()).isEqualTo(400);
    assertThat(s.get("/console/audit/proof?seq=x").statusCode()).isEqualTo(400);
    assertThat(s.get("/console/audit/proof?seq=999999999").statusCode()).isEqualTo(404);
    assertThat(s.get("/console/reviews/rv-unknown").statusCode()).isEqualTo(404);
  }

  @Test
  void aSupportAgentAsksForAccessSeesNoApproveButtonAndIsRefusedWhenPostingOneAnyway() throws Exception {
    Session support = signedIn(supportId);
    HttpResponse<String> home = support.get("/console");
    assertThat(home.statusCode()).isEqualTo(200);
    assertThat(home.body()).doesNotContain("chart-events").doesNotContain("/console/incidents\"").doesNotContain("/console/audit\"");
    assertThat(support.get("/console/incidents").statusCode()).isEqualTo(403);
    assertThat(support.get("/console/audit").statusCode()).isEqualTo(403);
    assertThat(support.get("/console/reviews").statusCode()).isEqualTo(403);

    support.get("/console/grants");
    HttpResponse<String> asked = support.post("/console/grants", Map.of("csrf", support.csrf(), "role", "support", "category", "user.contact",
        "purpose", "communicate.respond", "subject", "", "hours", "4", "justification", "Ticket 4711"));
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(303);
    String grant = running.platform.domain().staff().grants(supportId).stream().filter(g -> "Ticket 4711".equals(g.justification())).findFirst()
        .orElseThrow().id();
    HttpResponse<String> mine = support.get("/console/grants");
    assertThat(mine.body()).contains("Ticket 4711").doesNotContain("/console/grants/" + grant + "/approve");

    HttpResponse<String> forced = support.post("/console/grants/" + grant + "/approve", Map.of("csrf", support.csrf()));
    assertThat(forced.statusCode()).isEqualTo(403);
    assertThat(running.platform.domain().staff().grants(supportId).stream().filter(g -> g.id().equals(grant)).findFirst().orElseThrow().status())
        .isEqualTo("requested");
    running.platform.store().audit().seal();
    assertThat(running.platform.store().audit().recent(50, null))
        .anyMatch(e -> e.actorId().equals(supportId) && e.effect().equals("deny") && e.rules().contains("grants-decided-by-privacy-officers"));

    Session officer = signedIn(officerId);
    assertThat(officer.get("/console/grants").body()).contains("/console/grants/" + grant + "/approve");
    HttpResponse<String> approved = officer.post("/console/grants/" + grant + "/approve", Map.of("csrf", officer.csrf()));
    assertThat(approved.statusCode()).isEqualTo(303);
    assertThat(approved.headers().firstValue("Location")).hasValue("/console/grants?done=approved");
    assertThat(running.platform.domain().staff().grants(supportId).stream().filter(g -> g.id().equals(grant)).findFirst().orElseThrow().status())
        .isEqualTo("approved");
    officer.get("/console/grants");
    HttpResponse<String> again = officer.post("/console/grants/" + grant + "/approve", Map.of("csrf", officer.csrf()));
    assertThat(again.statusCode()).as("decided already").isEqualTo(409);
  }

  @Test
  void anIncidentIsClosedByAnotherPrivacyOfficerAndAReviewSignedOffByAnAuditor() throws Exception {
    String ada = person();
    String careless = running.platform.vault().staff().add("Carl Careless", "employee", List.of("support"), Instant.now()).id();
    HttpResponse<String> denied = running.send("GET", "/api/v1/subjects/" + ada + "?purpose=communicate.respond&fields=email", null, "",
        "Authorization", "Bearer " + token(careless));
    assertThat(denied.statusCode()).isEqualTo(403);
    String incident = running.platform.domain().incidents().list(new IncidentRecords.Filter("open", null, careless, null, null, 10)).get(0).id();

    Session auditor = signedIn(auditorId);
    assertThat(auditor.get("/console/incidents").body()).contains(careless).doesNotContain("/console/incidents/" + incident + "/close");
    assertThat(auditor.post("/console/incidents/" + incident + "/close", Map.of("csrf", auditor.csrf(), "outcome", "training", "note", "x")).statusCode())
        .as("an auditor does not close incidents").isEqualTo(403);

    Session officer = signedIn(officerId);
    HttpResponse<String> list = officer.get("/console/incidents");
    assertThat(list.body()).contains("/console/incidents/" + incident + "/close").doesNotContain("Secretname");
    assertThat(officer.post("/console/incidents/" + incident + "/close", Map.of("csrf", officer.csrf(), "outcome", "nonsense", "note", "x")).statusCode())
        .isEqualTo(400);
    HttpResponse<String> closed = officer.post("/console/incidents/" + incident + "/close", Map.of("csrf", officer.csrf(), "outcome", "training",
        "note", "Refresher booked"));
    assertThat(closed.statusCode()).isEqualTo(303);
    assertThat(running.platform.domain().incidents().find(incident).outcome()).isEqualTo("training");

    officer.get("/console/reviews");
    assertThat(officer.post("/console/reviews", Map.of("csrf", officer.csrf())).statusCode()).isEqualTo(303);
    String review = running.platform.domain().reviews().list().get(0).id();
    assertThat(officer.get("/console/reviews").body()).as("a privacy officer does not sign off").doesNotContain("/console/reviews/" + review + "/sign-off");
    HttpResponse<String> reviews = auditor.get("/console/reviews");
    assertThat(reviews.body()).contains("/console/reviews/" + review + "/sign-off");
    assertThat(auditor.post("/console/reviews/" + review + "/sign-off", Map.of("csrf", auditor.csrf(), "note", "Checked")).statusCode()).isEqualTo(303);
    assertThat(running.platform.domain().reviews().find(review).signedOffBy()).isEqualTo(auditorId);
  }

  @Test
  void theApiServesTheHomesFiguresAndSearchesTheAuditLog() throws Exception {
    String ada = person();
    String officer = token(officerId);
    HttpResponse<String> figures = running.send("GET", "/api/v1/dashboard?days=7", null, "", "Authorization", "Bearer " + officer);
    assertThat(figures.statusCode()).as(figures.body()).isEqualTo(200);
    JsonNode d = json.readTree(figures.body());
    assertThat(d.get("people").asLong()).isPositive();
    assertThat(d.has("events") && d.has("denials") && d.has("requests_due") && d.has("consents") && d.has("outbox")).isTrue();
    assertThat(figures.body()).doesNotContain("Secretname").doesNotContain("@example.org");
    assertThat(running.send("GET", "/api/v1/dashboard?days=0", null, "", "Authorization", "Bearer " + officer).statusCode()).isEqualTo(400);
    assertThat(running.send("GET", "/api/v1/dashboard", null, "", "Authorization", "Bearer " + token(supportId)).statusCode()).isEqualTo(403);

    HttpResponse<String> about = running.send("GET", "/api/v1/audit?subject=" + ada, null, "", "Authorization", "Bearer " + officer);
    assertThat(about.statusCode()).as(about.body()).isEqualTo(200);
    JsonNode entries = json.readTree(about.body()).get("entries");
    assertThat(entries).isNotEmpty().allSatisfy(e -> assertThat(e.get("subject").asText()).isEqualTo(ada));
    HttpResponse<String> denials = running.send("GET", "/api/v1/audit?effect=deny&rule=grants-decided-by-privacy-officers&since=2020-01-01", null, "",
        "Authorization", "Bearer " + officer);
    assertThat(denials.statusCode()).isEqualTo(200);
    json.readTree(denials.body()).get("entries").forEach(e -> assertThat(e.get("rules").toString()).contains("grants-decided-by-privacy-officers"));
    assertThat(running.send("GET", "/api/v1/audit?effect=perhaps", null, "", "Authorization", "Bearer " + officer).statusCode()).isEqualTo(400);
    assertThat(running.send("GET", "/api/v1/audit?since=yesterday", null, "", "Authorization", "Bearer " + officer).statusCode()).isEqualTo(400);
  }

  @Test
  void theConsoleSpeaksGermanToABrowserThatAsksForIt() throws Exception {
    HttpResponse<String> page = running.get("/console/sign-in", "Accept-Language", "de-DE,de;q=0.9");
    assertThat(page.body()).contains("<html lang=\"de\">").contains("Bei der Konsole anmelden").doesNotContain("Sign in to the console");
    assertThat(page.headers().firstValue("Content-Language")).hasValue("de");
  }

  @Test
  void theChartingLibraryIsServedFromTheJar() throws Exception {
    HttpResponse<String> js = running.get("/assets/uplot.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
    assertThat(js.body()).contains("uPlot");
    assertThat(running.get("/assets/uplot.css").statusCode()).isEqualTo(200);
    assertThat(running.get("/assets/console.js").body()).contains("new uPlot");
  }
}
