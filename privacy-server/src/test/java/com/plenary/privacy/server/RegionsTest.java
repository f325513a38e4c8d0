package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.InAnotherRegion;
import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.testkit.Postgres;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two regions, each its own deployment on its own PostgreSQL database (two databases on the local
 * server stand for two data centres, fra-1 in the EU and iad-1 in the US): a person's home region
 * decides where every row about them is written, and the other region's node answers requests about
 * them with where to go, writing nothing (C13, issue 18).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionsTest {
  private static final String US_URL = "https://us.plenary.example";
  /** The secret both regions' nodes share to sign the reads they forward to one another. */
  static final String SECRET = "a secret the regions share, long enough to sign with";
  /** The EU node's URL: the US node forwards reads of the EU's people there. */
  private String euUrl;
  private final ObjectMapper json = new ObjectMapper();
  private Database euDb;
  private Database usDb;
  private Running eu;
  private Running us;

  @BeforeAll
  void start() throws Exception {
    Postgres.freshSchema().close(); // skips (fails under CI) when PostgreSQL is not reachable
    euDb = Database.create();
    usDb = Database.create();
    eu = new Running(euDb.config("fra-1", "us=" + US_URL));
    euUrl = eu.uri("").toString();
    us = new Running(usDb.config("iad-1", "eu=" + euUrl));
  }

  @AfterAll
  void stop() throws Exception {
    closeAll(us, eu, usDb, euDb);
  }

  /** Closes the nodes, then their databases; those never started are skipped. */
  static void closeAll(AutoCloseable... started) throws Exception {
    for (AutoCloseable c : started) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void C13_aPersonOfRegionAHasNoRowsInRegionBsDatabaseAfterRegistrationEventsConsentsACorrectionAndAnExport() throws Exception {
    String euMail = eu.serviceKey("mail");
    String usMail = us.serviceKey("mail");
    String email = "ada" + System.nanoTime() + "@example.org";
    String password = "a long passphrase of hers";
    String registration = "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},\"password\":\"" + password + "\",\"region\":\"eu\"}";

    // registration: the US node sends her to the EU's; the EU's registers her, and her id names her region
    HttpResponse<String> elsewhere = us.postJson("/api/v1/subjects", registration, usMail);
    assertMisdirected(elsewhere, euUrl + "/api/v1/subjects");
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects", registration, euMail);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String id = body(registered).get("id").asText();
    assertThat(eu.platform.regions().homeOf(id)).contains("eu");
    assertThat(us.platform.regions().homeOf(id)).contains("eu");

    // events
    String events = "{\"events\":[{\"subject\":\"" + id + "\",\"type\":\"open\",\"page\":\"https://shop.example/\"}]}";
    assertMisdirected(us.postJson("/api/v1/events", events, usMail), euUrl + "/api/v1/events");
    HttpResponse<String> stored = eu.postJson("/api/v1/events", events, euMail);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);

    // consents: she gives one at home; a service's withdrawal at the US node is sent home
    String[] session = signIn(eu, email, password);
    HttpResponse<String> given = asPerson(eu, session, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\"}");
    assertThat(given.statusCode()).as(given.body()).isEqualTo(201);
    String withdraw = "{\"purpose\":\"develop\",\"granted\":false}";
    assertMisdirected(as(us, usMail, "POST", "/api/v1/subjects/" + id + "/consents", withdraw), euUrl + "/api/v1/subjects/" + id + "/consents");
    assertMisdirected(as(us, usMail, "GET", "/api/v1/subjects/" + id + "/consents", null), euUrl + "/api/v1/subjects/" + id + "/consents");

    // a correction
    String correction = "{\"fields\":{\"name\":\"Ada L.\"}}";
    assertMisdirected(as(us, usMail, "PATCH", "/api/v1/subjects/" + id, correction), euUrl + "/api/v1/subjects/" + id);
    HttpResponse<String> corrected = as(eu, euMail, "PATCH", "/api/v1/subjects/" + id, correction);
    assertThat(corrected.statusCode()).as(corrected.body()).isEqualTo(200);

    // a read at the US node is forwarded to the EU's, which answers it; an export (hers, at home)
    HttpResponse<String> read = as(us, usMail, "GET", "/api/v1/subjects/" + id + "?purpose=provide", null);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    HttpResponse<String> export = asPerson(eu, session, "GET", "/api/v1/me/export", null);
    assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
    assertThat(body(export).get("subject").get("home_region").asText()).isEqualTo("eu");

    // the EU's database holds her, so the search below can find her; the US's holds nothing about her
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
    assertThat(euDb.rowsNaming(id.substring(2))).contains("subject", "usage_event");
  }

  /** Registers a person of the EU with a password at the EU's node (as the mail service); answers her id. */
  private String euPerson(String name, String email, String password) throws Exception {
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"" + name + "\"},\"password\":\"" + password + "\",\"region\":\"eu\"}", eu.serviceKey("mail"));
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    return body(registered).get("id").asText();
  }

  @Test
  void C13_aReadOfAPersonOfTheEuAtTheUsNodeIsForwardedAnsweredLikeTheEuAndRecordedThereAsATransfer() throws Exception {
    String email = "grace" + System.nanoTime() + "@example.org";
    String password = "another long passphrase";
    String id = euPerson("Grace", email, password);
    String path = "/api/v1/subjects/" + id + "?purpose=provide&fields=email,name";

    HttpResponse<String> atHome = as(eu, eu.serviceKey("mail"), "GET", path, null);
    HttpResponse<String> forwarded = us.send("GET", path, null, "", "Authorization", "Bearer " + us.serviceKey("mail"), "X-Request-Id", "trace.42_a");
    assertThat(forwarded.statusCode()).as(forwarded.body()).isEqualTo(200);
    assertThat(forwarded.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(forwarded.headers().firstValue("X-Plenary-Served-By-Region")).contains("eu");
    assertThat(forwarded.headers().firstValue("X-Request-Id")).contains("trace.42_a");
    assertThat(body(forwarded).get("fields")).isEqualTo(body(atHome).get("fields")).hasSize(2);
    assertThat(body(forwarded).get("fields").get("name").asText()).isEqualTo("Grace");
    assertThat(body(forwarded).get("decision").get("rules").toString()).contains("data-centre-transfer");
    assertThat(body(atHome).get("decision").get("rules").toString()).doesNotContain("data-centre-transfer");

    // the EU's answers of any kind pass through as they are: a denial, bad input, a person the service may not see
    HttpResponse<String> denied = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + id + "?purpose=develop", null);
    assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
    assertThat(denied.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(body(denied).get("type").asText()).isEqualTo("/problems/policy-denied");
    HttpResponse<String> bad = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + id, null);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(body(bad).get("field").asText()).isEqualTo("purpose");
    HttpResponse<String> nobody = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + Regions.mint("eu") + "?purpose=provide", null);
    assertThat(nobody.statusCode()).isEqualTo(404);
    assertThat(body(nobody).get("type").asText()).isEqualTo("/problems/not-found");
    // writes are not forwarded: the caller is sent to the EU
    assertMisdirected(as(us, us.serviceKey("mail"), "PATCH", "/api/v1/subjects/" + id, "{\"fields\":{\"name\":\"G\"}}"), euUrl + "/api/v1/subjects/" + id);

    // nothing about her in the US; the EU's audit trail names the transfer to iad-1, and so does her export, in plain words
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
    assertThat(usDb.rowsNaming("transfer-to:")).isEmpty();
    assertThat(euDb.rowsNaming("transfer-to:iad-1")).isNotEmpty();
    JsonNode export = body(asPerson(eu, signIn(eu, email, password), "GET", "/api/v1/me/export", null));
    JsonNode transfers = export.get("transfers");
    assertThat(transfers).as(export.toString()).hasSize(1);
    assertThat(transfers.get(0).get("data_centre").asText()).isEqualTo("iad-1");
    assertThat(transfers.get(0).get("location").asText()).isEqualTo("Ashburn");
    assertThat(transfers.get(0).get("text").asText()).contains("transferred to the data centre iad-1 in Ashburn").contains("Plenary Mail")
        .doesNotContain("C13").doesNotContain("transfer-to");
    assertThat(export.get("accesses").toString()).contains("\"transferred_to\":\"iad-1\"");
    // and her privacy center's page of her data says it in words
    HttpResponse<String> page = eu.get("/account/export", "Cookie", signIn(eu, email, password)[0]);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Your data sent to another data centre").contains("transferred to the data centre iad-1 in Ashburn")
        .doesNotContain("transfer-to:");
  }

  @Test
  void C13_theTransferSentenceFollowsThePersonsLanguageInHerExportAndOnHerPageInEveryLanguageThePlatformShips() throws Exception {
    String email = "hedwig" + System.nanoTime() + "@example.org";
    String password = "ihre lange Passphrase";
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Hedwig\",\"language\":\"Deutsch\"},"
        + "\"password\":\"" + password + "\",\"region\":\"eu\"}", eu.serviceKey("mail"));
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String id = body(registered).get("id").asText();
    HttpResponse<String> read = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + id + "?purpose=provide&fields=email,name", null);
    assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
    String german = "wurden von Plenary Mail gelesen und an das Rechenzentrum iad-1 in Ashburn übertragen";
    String english = "was read by Plenary Mail and transferred to the data centre iad-1 in Ashburn";

    // the export: in her own language (her language field) when the request names none, else in the one it asks for
    String[] session = signIn(eu, email, password);
    JsonNode own = body(asPerson(eu, session, "GET", "/api/v1/me/export", null));
    assertThat(own.get("transfers")).as(own.toString()).hasSize(1);
    assertThat(own.get("transfers").get(0).get("text").asText()).contains(german).contains("E-Mail-Adresse").doesNotContain("Your data");
    JsonNode asked = body(eu.send("GET", "/api/v1/me/export", null, "", "Cookie", session[0], "Accept-Language", "en-GB,en;q=0.8"));
    assertThat(asked.get("transfers").get(0).get("text").asText()).startsWith("Your data (email address").contains(english).doesNotContain("Rechenzentrum");
    JsonNode askedGerman = body(eu.send("GET", "/api/v1/me/export", null, "", "Cookie", session[0], "Accept-Language", "de-DE"));
    assertThat(askedGerman.get("transfers").get(0).get("text").asText()).contains(german);

    // her page of her data is in one language, the sentence too
    HttpResponse<String> seite = eu.get("/account/export", "Cookie", session[0], "Accept-Language", "de");
    assertThat(seite.statusCode()).isEqualTo(200);
    assertThat(seite.body()).contains("Ihre Daten, an ein anderes Rechenzentrum gesendet").contains(german).doesNotContain(english);
    HttpResponse<String> page = eu.get("/account/export", "Cookie", session[0], "Accept-Language", "en");
    assertThat(page.body()).contains("Your data sent to another data centre").contains(english).doesNotContain(german);
  }

  @Test
  void C13_aPageViewOfAPersonOfTheEuSignedInThereThatReachesTheUsNodeIsStoredInTheEuAndAcknowledgedOnlyOnceItIsDurableThere() throws Exception {
    String email = "rosalind" + System.nanoTime() + "@example.org";
    String password = "her long passphrase too";
    String id = euPerson("Rosalind", email, password);
    String session = signIn(eu, email, password)[0];
    assertThat(us.platform.regions().homeOfSession(session.substring(session.indexOf('=') + 1))).as("the token names her region").contains("eu");
    String browser = "pl_bid=RRRRRRRRRRRRRRRRRRRRRR; pl_consent=v1.p1.a1";
    long usEvents = usDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser");

    // the regions' nodes serve one host name here (a geo-routing load balancer): her browser's cookies reach the US node
    HttpResponse<String> r = us.send("POST", "/collect", "text/plain;charset=UTF-8", CollectorHttpTest.BEACON.replace("/p/1", "/seen-in-the-us"),
        "Cookie", browser + "; " + session, "User-Agent", CollectorHttpTest.CHROME_LINUX);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Plenary-Recorded")).hasValue("yes");
    assertThat(r.headers().firstValue("X-Plenary-Served-By-Region")).hasValue("eu");
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).isEqualTo(1);
    assertThat(usDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser")).as("nothing stored in the US").isEqualTo(usEvents);
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
    // her export at home has it, as the beacon declared it and no more
    JsonNode events = body(eu.get("/api/v1/me/export", "Cookie", session)).get("usage_events");
    assertThat(events.toString()).contains("/seen-in-the-us").contains("search.example").doesNotContain("leak@example.org").doesNotContain("tracking_pixel");

    // the node-to-node route serves only the regions' nodes
    assertForwardingRefused(eu.send("POST", "/api/v1/regions/collect", "application/json", "{\"session\":\"x\",\"browser\":\"RRRRRRRRRRRRRRRRRRRRRR\",\"page\":\"https://a.example/\"}"));

    // without the secret the US node stores nothing and says where to go; a region that cannot be reached is a 502: neither acknowledges the event
    try (Running plain = new Running(Map.of("database.data_centre", "iad-1", "regions.peers", "eu=" + euUrl))) {
      HttpResponse<String> misdirected = plain.send("POST", "/collect", "text/plain", CollectorHttpTest.BEACON, "Cookie", browser + "; " + session);
      assertMisdirected(misdirected, euUrl + "/collect");
    }
    int closed;
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    try (Running gone = new Running(Map.of("database.data_centre", "iad-1", "regions.secret", SECRET, "regions.peers", "eu=http://127.0.0.1:" + closed))) {
      HttpResponse<String> unreachable = gone.send("POST", "/collect", "text/plain", CollectorHttpTest.BEACON, "Cookie", browser + "; " + session);
      assertThat(unreachable.statusCode()).as(unreachable.body()).isEqualTo(502);
      assertThat(body(unreachable).get("type").asText()).isEqualTo("/problems/region-unreachable");
    }
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).isEqualTo(1);
  }

  @Test
  void C13_aForwardedReadThatIsUnsignedForgedStaleOrForAWriteIsRefusedAndNothingIsRead() throws Exception {
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"h" + System.nanoTime()
        + "@example.org\",\"name\":\"Hedy\"},\"region\":\"eu\"}", eu.serviceKey("mail"));
    String id = body(registered).get("id").asText();
    String path = "/api/v1/subjects/" + id + "?purpose=provide";
    long now = Instant.now().getEpochSecond();
    String statement = "region=us;dc=iad-1;actor=service:mail;at=" + now + ";request=r-1";

    assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement));
    assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature",
        sign("another secret the attacker guessed, long enough", "GET", path, statement)));
    assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement.replace("service:mail", "service:shop"),
        "X-Plenary-Forwarded-Signature", sign(SECRET, "GET", path, statement)));
    String stale = statement.replace("at=" + now, "at=" + (now - 600));
    assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", stale, "X-Plenary-Forwarded-Signature", sign(SECRET, "GET", path, stale)));
    String own = statement.replace("region=us;dc=iad-1", "region=eu;dc=fra-1");
    assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", own, "X-Plenary-Forwarded-Signature", sign(SECRET, "GET", path, own)));
    String patch = "/api/v1/subjects/" + id;
    assertForwardingRefused(eu.send("PATCH", patch, "application/json", "{\"fields\":{\"name\":\"X\"}}", "X-Plenary-Forwarded", statement,
        "X-Plenary-Forwarded-Signature", sign(SECRET, "PATCH", patch, statement)));

    // the same statement, rightly signed, is served: the refusals above were for their faults alone
    HttpResponse<String> signed = eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature",
        sign(SECRET, "GET", path, statement));
    assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
    assertThat(body(signed).get("fields").get("name").asText()).isEqualTo("Hedy");
  }

  @Test
  void C13_aForwardedStatementIsServedOnceInItsTimeByWhicheverNodeOfTheRegionSeesItFirst() throws Exception {
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"k" + System.nanoTime()
        + "@example.org\",\"name\":\"Katherine\"},\"region\":\"eu\"}", eu.serviceKey("mail"));
    String id = body(registered).get("id").asText();
    String path = "/api/v1/subjects/" + id + "?purpose=provide";
    String request = "replay-" + System.nanoTime();
    String statement = "region=us;dc=iad-1;actor=service:mail;at=" + Instant.now().getEpochSecond() + ";request=" + request;
    String signature = sign(SECRET, "GET", path, statement);

    try (Running.Node second = eu.secondNode()) {
      HttpResponse<String> first = eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature", signature);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      // the same statement again, at the same node and at another node of the EU: refused, nothing read
      assertForwardingRefused(eu.send("GET", path, null, "", "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature", signature));
      HttpResponse<String> elsewhere = eu.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.server().port() + path))
          .header("X-Plenary-Forwarded", statement).header("X-Plenary-Forwarded-Signature", signature).GET().build(), HttpResponse.BodyHandlers.ofString());
      assertForwardingRefused(elsewhere);
      assertThat(body(elsewhere).get("detail").asText()).contains("served already");
      // a new statement (another request id) is served by the second node: the refusal above was for the replay alone
      String fresh = statement.replace(request, request + "-2");
      HttpResponse<String> again = eu.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.server().port() + path))
          .header("X-Plenary-Forwarded", fresh).header("X-Plenary-Forwarded-Signature", sign(SECRET, "GET", path, fresh)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    }
    // what the region keeps names the forwarding region and its request id, no person; the US keeps nothing of it
    assertThat(euDb.rowsNaming(request)).containsExactly("region_statement");
    assertThat(usDb.rowsNaming(request)).isEmpty();
    assertThat(euDb.rowsNaming(id.substring(2))).doesNotContain("region_statement");

    // a statement's row lasts its time: past it, it is removed (and the statement itself is refused as stale by then)
    Instant now = Instant.now();
    assertThat(eu.platform.vault().firstUseOfStatement("us", "expiring-" + request, now.plusSeconds(60))).isTrue();
    assertThat(eu.platform.vault().firstUseOfStatement("us", "expiring-" + request, now.plusSeconds(60))).isFalse();
    assertThat(eu.platform.vault().firstUseOfStatement("us", "expired-" + request, now.minusSeconds(1))).isTrue();
    assertThat(euDb.rowsNaming("expired-" + request)).containsExactly("region_statement");
    assertThat(eu.platform.vault().firstUseOfStatement("us", "sweep-" + request, now.plusSeconds(60))).isTrue();
    assertThat(euDb.rowsNaming("expired-" + request)).as("removed once past its time").isEmpty();
    assertThat(eu.platform.vault().firstUseOfStatement("us", "expired-" + request, now.plusSeconds(60))).isTrue();
  }

  @Test
  void C13_aRegionThatDoesNotAnswerInTimeIs504AndOneThatCannotBeReachedIs502() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Running slow = new Running(Map.of("database.data_centre", "iad-1", "regions.secret", SECRET, "regions.forward_timeout", "PT0.5S",
            "regions.peers", "eu=http://127.0.0.1:" + silent.getLocalPort()))) {
      HttpResponse<String> r = as(slow, slow.serviceKey("mail"), "GET", "/api/v1/subjects/" + Regions.mint("eu") + "?purpose=provide", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      assertThat(body(r).get("type").asText()).isEqualTo("/problems/region-timeout");
    }
    int closed;
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    try (Running gone = new Running(Map.of("database.data_centre", "iad-1", "regions.secret", SECRET, "regions.peers", "eu=http://127.0.0.1:" + closed))) {
      String id = Regions.mint("eu");
      HttpResponse<String> r = as(gone, gone.serviceKey("mail"), "GET", "/api/v1/subjects/" + id + "?purpose=provide", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
      assertThat(body(r).get("type").asText()).isEqualTo("/problems/region-unreachable");
      assertThat(r.body()).doesNotContain(id.substring(2));
    }
  }

  @Test
  void C13_withoutTheSharedSecretANodeForwardsNothingAndAnswersWithWhereToGo() throws Exception {
    try (Running plain = new Running(Map.of("database.data_centre", "iad-1", "regions.peers", "eu=" + euUrl))) {
      String id = Regions.mint("eu");
      assertMisdirected(as(plain, plain.serviceKey("mail"), "GET", "/api/v1/subjects/" + id + "?purpose=provide", null), euUrl + "/api/v1/subjects/" + id);
      String statement = "region=eu;dc=fra-1;actor=service:mail;at=" + Instant.now().getEpochSecond() + ";request=r-2";
      String path = "/api/v1/subjects/" + Regions.mint("us") + "?purpose=provide";
      assertForwardingRefused(plain.send("GET", path, null, "", "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature",
          sign(SECRET, "GET", path, statement)));
    }
  }

  private void assertForwardingRefused(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(body(r).get("type").asText()).isEqualTo("/problems/forwarding-refused");
  }

  /** The node-to-node signature of a request without a body. */
  static String sign(String secret, String method, String pathAndQuery, String statement) throws Exception {
    return sign(secret, method, pathAndQuery, statement, "");
  }

  /**
   * The node-to-node signature, computed here independently of the server's code: HMAC-SHA-256 of the
   * method, the path with its query, the statement and the base64url SHA-256 of the body, one a line.
   */
  static String sign(String secret, String method, String pathAndQuery, String statement, String body) throws Exception {
    String bodyHash = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(mac.doFinal((method + "\n" + pathAndQuery + "\n" + statement + "\n" + bodyHash).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void C6_aPersonOfTheEuWhoSignsInAtTheUsNodeIsSentToTheEuWithNoPersonalValueInTheUrl() throws Exception {
    String email = "ida" + System.nanoTime() + "@example.org";
    String password = "her long passphrase";
    String id = euPerson("Ida", email, password);

    // the API: 421 with where to continue; the URL holds a single-use token, not her address or id
    HttpResponse<String> api = us.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(api.statusCode()).as(api.body()).isEqualTo(421);
    assertThat(body(api).get("type").asText()).isEqualTo("/problems/another-region");
    String there = api.headers().firstValue("Location").orElseThrow();
    assertThat(there).startsWith(euUrl + "/account/continue?handoff=").doesNotContain(email).doesNotContain(id.substring(2));
    assertThat(api.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("pl_session=") && !c.startsWith("pl_session=;"));
    String path = there.substring(euUrl.length());
    HttpResponse<String> taken = eu.get(path);
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(303);
    assertThat(taken.headers().firstValue("Location")).hasValue("/account?done=signed-in");
    String cookie = taken.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pl_session=")).findFirst().orElseThrow();
    HttpResponse<String> me = eu.get("/api/v1/me", "Cookie", cookie.substring(0, cookie.indexOf(';')));
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(me.body()).contains("Ida");
    assertThat(eu.get(path).statusCode()).as("a hand-off is taken once").isEqualTo(400);

    // the privacy center's form: the browser is sent on to the EU in the same way
    HttpResponse<String> form = SignInThrottleHttpTest.formSignIn(us, email, password);
    assertThat(form.statusCode()).as(form.body()).isEqualTo(303);
    assertThat(form.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith(euUrl + "/account/continue?handoff=").doesNotContain(email));
    assertThat(eu.get(form.headers().firstValue("Location").orElseThrow().substring(euUrl.length())).statusCode()).isEqualTo(303);

    // a wrong password is wrong in every region, and a node that is not a region's cannot ask the EU
    HttpResponse<String> wrong = us.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"not hers at all\"}", null);
    assertThat(wrong.statusCode()).isEqualTo(401);
    String direct = "{\"email\":\"" + email + "\",\"password\":\"" + password + "\",\"address\":\"203.0.113.9\"}";
    assertForwardingRefused(eu.send("POST", "/api/v1/regions/sign-in", "application/json", direct));
    String statement = "region=us;dc=iad-1;actor=person;at=" + Instant.now().getEpochSecond() + ";request=r-3";
    assertForwardingRefused(eu.send("POST", "/api/v1/regions/sign-in", "application/json", direct, "X-Plenary-Forwarded", statement,
        "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", "/api/v1/regions/sign-in", statement, direct.replace(password, "another"))));
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
  }

  @Test
  void C6_failedSignInsOfAPersonOfTheEuCountOnceInTheEusThrottleWhicheverRegionsNodeTheyAreMadeAt() throws Exception {
    String email = "lise" + System.nanoTime() + "@example.org";
    String password = "her own long passphrase";
    euPerson("Lise", email, password);
    String wrong = "{\"email\":\"" + email + "\",\"password\":\"a guess that is wrong\"}";

    // five failures (the limit per account), made at both regions' nodes, by the API and the form
    assertThat(us.postJson("/api/v1/session", wrong, null).statusCode()).isEqualTo(401);
    assertThat(eu.postJson("/api/v1/session", wrong, null).statusCode()).isEqualTo(401);
    assertThat(SignInThrottleHttpTest.formSignIn(us, email, "another wrong guess").statusCode()).isEqualTo(401);
    assertThat(us.postJson("/api/v1/session", wrong, null).statusCode()).isEqualTo(401);
    assertThat(eu.postJson("/api/v1/session", wrong, null).statusCode()).isEqualTo(401);

    // the limit holds at both nodes, for the right password too, with the time to wait
    String right = "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}";
    HttpResponse<String> atUs = us.postJson("/api/v1/session", right, null);
    assertThat(atUs.statusCode()).as(atUs.body()).isEqualTo(429);
    assertThat(body(atUs).get("type").asText()).isEqualTo("/problems/too-many-attempts");
    assertThat(atUs.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
    assertThat(SignInThrottleHttpTest.formSignIn(us, email, password).statusCode()).isEqualTo(429);
    assertThat(eu.postJson("/api/v1/session", right, null).statusCode()).isEqualTo(429);

    // counted once, at home: the US holds no counter for her address, the EU does
    String account = "e" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(email.getBytes(StandardCharsets.UTF_8)));
    assertThat(usDb.rowsNaming(account)).isEmpty();
    assertThat(euDb.rowsNaming(account)).contains("rate_key", "rate_step");
    assertThat(euDb.count("SELECT coalesce(sum(n), 0) FROM rate_step WHERE rate_key = ?", account)).as("five failures, each counted once").isEqualTo(5);
  }

  @Test
  void C6_aPersonOfTheEuWhoForgotHerPasswordAtTheUsNodeIsMailedTheEusLinkAndTheUsLearnsNothing() throws Exception {
    String email = "joan" + System.nanoTime() + "@example.org";
    String id = euPerson("Joan", email, "her long passphrase");
    assertThat(euDb.rowsNaming(id.substring(2))).doesNotContain("password_reset");

    HttpResponse<String> page = us.get("/account/forgot");
    String cookies = String.join("; ", page.headers().allValues("Set-Cookie").stream().map(c -> c.substring(0, c.indexOf(';'))).toList());
    String csrf = page.body().replaceAll("(?s).*name=\"csrf\" value=\"([^\"]+)\".*", "$1");
    String form = "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8) + "&email=" + URLEncoder.encode(email, StandardCharsets.UTF_8);
    HttpResponse<String> asked = us.send("POST", "/account/forgot", "application/x-www-form-urlencoded", form, "Cookie", cookies);
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(303);
    assertThat(asked.headers().firstValue("Location")).hasValue("/account/forgot?sent=1");

    // her region keeps the reset and mails its own link; the US holds nothing about her
    assertThat(euDb.rowsNaming(id.substring(2))).contains("password_reset");
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
    // the node-to-node route serves only the regions' nodes
    assertForwardingRefused(eu.send("POST", "/api/v1/regions/password-reset", "application/json", "{\"email\":\"" + email + "\",\"language\":\"en\"}"));
  }

  @Test
  void C13_anAuditEntryThatRecordsAnEventAboutAPersonOfAnotherRegionIsRefusedLikeADecision() throws Exception {
    String euPerson = Regions.mint("eu");
    AuditRecord consent = AuditRecord.recorded(Access.subject(euPerson, "rq-record"), "consent").purpose("develop").subject(euPerson)
        .rules(List.of("consent-granted")).clauses(List.of("C19")).build();
    assertThatThrownBy(() -> us.platform.vault().storage().inTransaction(w -> {
      us.platform.enforcer().record(w, consent);
      return null;
    })).isInstanceOf(InAnotherRegion.class);
    assertThat(usDb.rowsNaming(euPerson.substring(2))).isEmpty();
    assertThat(usDb.rowsNaming("rq-record")).isEmpty();
    // the same entry about a person of its own region is written
    String usPerson = Regions.mint("us");
    us.platform.vault().storage().inTransaction(w -> {
      us.platform.enforcer().record(w, AuditRecord.recorded(Access.subject(usPerson, "rq-record-here"), "consent").purpose("develop").subject(usPerson)
          .rules(List.of("consent-granted")).clauses(List.of("C19")).build());
      return null;
    });
    assertThat(usDb.rowsNaming("rq-record-here")).isNotEmpty();
  }

  @Test
  void C13_anUnknownRegionIsBadInputAndNothingIsStored() throws Exception {
    HttpResponse<String> r = us.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"m@example.org\",\"name\":\"M\"},\"region\":\"mars\"}",
        us.serviceKey("mail"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(body(r).get("field").asText()).isEqualTo("region");
    assertThat(usDb.rowsNaming("m@example.org")).isEmpty();
  }

  @Test
  void C13_aPersonIdOfVersion4NamesNoRegionAndIsHandledWhereItIsHeld() throws Exception {
    String legacy = "s-" + UUID.randomUUID();
    assertThat(us.platform.regions().homeOf(legacy)).isEmpty();
    HttpResponse<String> r = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + legacy + "?purpose=provide", null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Regions.mint("us")).matches("s-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  private void assertMisdirected(HttpResponse<String> r, String location) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(421);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.headers().firstValue("Location")).contains(location);
    JsonNode problem = body(r);
    assertThat(problem.get("type").asText()).isEqualTo("/problems/another-region");
    assertThat(problem.get("region").asText()).isEqualTo("eu");
    assertThat(problem.get("location").asText()).isEqualTo(euUrl);
  }

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private String[] signIn(Running on, String email, String password) throws Exception {
    HttpResponse<String> r = on.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return new String[] {cookie.substring(0, cookie.indexOf(';')), body(r).get("csrf").asText()};
  }

  private HttpResponse<String> asPerson(Running on, String[] session, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(on.uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Cookie", session[0]).header("X-CSRF-Token", session[1]);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return on.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> as(Running on, String bearer, String method, String path, String body) throws Exception {
    return on.send(method, path, body == null ? null : "application/json", body == null ? "" : body, "Authorization", "Bearer " + bearer);
  }

  /** A database of its own on the local PostgreSQL, with a schema for the key store; dropped when closed. */
  record Database(String name) implements AutoCloseable {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    static Database create() throws SQLException {
      Database db = new Database("plenary_region_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
      try (Connection c = DriverManager.getConnection(SERVER + "test", "postgres", ""); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + db.name);
      }
      try (Connection c = db.connect(); Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA keys");
      }
      return db;
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(SERVER + name, "postgres", "");
    }

    Map<String, String> config(String dataCentre, String peers) {
      return Map.of("database.url", SERVER + name, "database.user", "postgres", "keystore.url", SERVER + name + "?currentSchema=keys",
          "keystore.user", "postgres", "database.data_centre", dataCentre, "regions.peers", peers, "regions.secret", SECRET);
    }

    /** The number {@code sql} (one {@code ?}, bound to {@code arg}) answers. */
    long count(String sql, String arg) throws SQLException {
      try (Connection c = connect(); PreparedStatement p = c.prepareStatement(sql)) {
        p.setString(1, arg);
        try (ResultSet rs = p.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    }

    /** The audit entries of the request {@code requestId}, each as its whole row's text. */
    List<String> auditOf(String requestId) throws SQLException {
      List<String> out = new ArrayList<>();
      try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT r::text FROM audit_log_entry r WHERE request_id = ? ORDER BY at")) {
        p.setString(1, requestId);
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            out.add(rs.getString(1));
          }
        }
      }
      return out;
    }

    /** The tables of either schema with a row whose text (every column) contains {@code text}. */
    List<String> rowsNaming(String text) throws SQLException {
      List<String> out = new ArrayList<>();
      try (Connection c = connect()) {
        List<String[]> tables = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'keys') AND table_type = 'BASE TABLE'")) {
          while (rs.next()) {
            tables.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
        assertThat(tables).as("the schema was migrated").hasSizeGreaterThan(10);
        for (String[] t : tables) {
          try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM \"" + t[0] + "\".\"" + t[1] + "\" r WHERE strpos(r::text, ?) > 0")) {
            p.setString(1, text);
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              if (rs.getLong(1) > 0) {
                out.add(t[1]);
              }
            }
          }
        }
      }
      return out;
    }

    @Override
    public void close() throws SQLException {
      try (Connection c = DriverManager.getConnection(SERVER + "test", "postgres", ""); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }
}
