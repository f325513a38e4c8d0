package com.plenary.privacy.server;

import static com.plenary.privacy.server.RegionsTest.SECRET;
import static com.plenary.privacy.server.RegionsTest.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.testkit.Postgres;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Attacks on the forwarding between regions (issue 18), made from outside and as a confused or malicious
 * peer, at two real deployments on two PostgreSQL databases (the EU's fra-1, the US's iad-1): forged,
 * stale, replayed, reordered and mis-bound statements to the node-to-node routes, bad bodies, tampered
 * session tokens, and the sign-in throttle across regions. Each is refused with a problem document that
 * names no person and no internal name, and stores nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionsAttackTest {
  private static final String COLLECT = "/api/v1/regions/collect";
  private static final String BROWSER = "AAAAAAAAAAAAAAAAAAAAAA";
  private final ObjectMapper json = new ObjectMapper();
  private RegionsTest.Database euDb;
  private RegionsTest.Database usDb;
  private Running eu;
  private Running us;

  @BeforeAll
  void start() throws Exception {
    Postgres.freshSchema().close(); // skips (fails under CI) when PostgreSQL is not reachable
    euDb = RegionsTest.Database.create();
    usDb = RegionsTest.Database.create();
    eu = new Running(euDb.config("fra-1", "us=https://us.plenary.example"));
    us = new Running(usDb.config("iad-1", "eu=" + eu.uri("")));
  }

  @AfterAll
  void stop() throws Exception {
    RegionsTest.closeAll(us, eu, usDb, euDb);
  }

  @Test
  void C13_aStatementToTheCollectRouteThatIsForgedStaleReplayedReorderedOrBoundToAnotherBodyPathOrActorIsRefusedAndNothingIsStored() throws Exception {
    String email = "mary" + System.nanoTime() + "@example.org";
    String id = person(eu, "Mary", email, "her long passphrase here", "eu");
    String token = token(signIn(eu, email, "her long passphrase here"));
    String body = "{\"session\":\"" + token + "\",\"browser\":\"" + BROWSER + "\",\"analytics\":true,\"page\":\"https://shop.example/attacked\"}";
    long now = Instant.now().getEpochSecond();
    String good = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=";

    // outsiders: no signature, a guessed secret, a statement alone
    refused(eu.send("POST", COLLECT, "application/json", body), id, email);
    refused(eu.send("POST", COLLECT, "application/json", body, "X-Plenary-Forwarded", good + "a1"), id, email);
    refused(eu.send("POST", COLLECT, "application/json", body, "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", COLLECT, good + "a1", body)), id, email);
    refused(send(body, good + "a2", sign("another secret the attacker guessed, long enough", "POST", COLLECT, good + "a2", body)), id, email);
    // rightly signed, but stale, from the future, reordered, for another body, path, method or actor, from its own region, a data centre of another region
    for (String statement : new String[] {
        "region=us;dc=iad-1;actor=browser;at=" + (now - 600) + ";request=b1",
        "region=us;dc=iad-1;actor=browser;at=" + (now + 600) + ";request=b2",
        "dc=iad-1;region=us;actor=browser;at=" + now + ";request=b3",
        "region=us;dc=iad-1;actor=browser;request=b4;at=" + now,
        "region=us;dc=iad-1;actor=service:mail;at=" + now + ";request=b5",
        "region=us;dc=iad-1;actor=person;at=" + now + ";request=b6",
        "region=eu;dc=fra-1;actor=browser;at=" + now + ";request=b7",
        "region=us;dc=fra-1;actor=browser;at=" + now + ";request=b8",
        "region=mars;dc=iad-1;actor=browser;at=" + now + ";request=b9",
        "region=us;dc=iad-1;actor=browser;at=" + now + ";request=b10;extra=1"}) {
      refused(send(body, statement, sign(SECRET, "POST", COLLECT, statement, body)), id, email);
    }
    refused(send(body, good + "c1", sign(SECRET, "POST", COLLECT, good + "c1", body.replace("attacked", "other"))), id, email);
    refused(send(body, good + "c2", sign(SECRET, "POST", "/api/v1/regions/sign-in", good + "c2", body)), id, email);
    refused(send(body, good + "c3", sign(SECRET, "PUT", COLLECT, good + "c3", body)), id, email);
    refused(send(body, good + "c4", sign(SECRET, "POST", COLLECT + "?x=1", good + "c4", body)), id, email);
    // a statement with a credential of its own: a service's key of the EU
    String c5 = good + "c5";
    refused(eu.send("POST", COLLECT, "application/json", body, "X-Plenary-Forwarded", c5, "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", COLLECT, c5, body),
        "Authorization", "Bearer " + eu.serviceKey("mail")), id, email);
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).as("none of them stored").isZero();

    // the same page view rightly signed is stored, once: its replay, at once, is refused
    String once = good + "once-" + System.nanoTime();
    String signature = sign(SECRET, "POST", COLLECT, once, body);
    HttpResponse<String> served = send(body, once, signature);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(204);
    assertThat(served.headers().firstValue("X-Plenary-Recorded")).hasValue("yes");
    refused(send(body, once, signature), id, email);
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).isEqualTo(1);
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
  }

  @Test
  void C13_C29_aHugeOrMalformedBodyToTheCollectRouteIsAProblemAndStoresNothing() throws Exception {
    long events = euDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser");
    long now = Instant.now().getEpochSecond();

    // huge: refused before anything is read, signed or not
    String huge = "{\"session\":\"" + "x".repeat(3_000_000) + "\"}";
    String s1 = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=h1";
    HttpResponse<String> big = send(huge, s1, sign(SECRET, "POST", COLLECT, s1, huge));
    assertThat(big.statusCode()).as(big.body()).isEqualTo(413);
    problem(big);
    HttpResponse<String> bigUnsigned = eu.send("POST", COLLECT, "application/json", huge);
    assertThat(bigUnsigned.statusCode()).as(bigUnsigned.body()).isEqualTo(413);
    problem(bigUnsigned);

    // malformed, rightly signed: bad input, named by its field
    String[][] bad = {
        {"{not json", null},
        {"[]", null},
        {"{\"browser\":\"" + BROWSER + "\",\"page\":\"https://a.example/\"}", "session"},
        {"{\"session\":\"s\",\"browser\":\"not a cookie value!\",\"page\":\"https://a.example/\"}", "browser"},
        {"{\"session\":\"s\",\"browser\":\"" + BROWSER + "\",\"page\":\"javascript:alert(1)\"}", "page"},
        {"{\"session\":\"s\",\"browser\":\"" + BROWSER + "\",\"page\":\"https://a.example/\",\"type\":\"DROP TABLE\"}", "type"},
        {"{\"session\":\"s\",\"browser\":\"" + BROWSER + "\",\"page\":\"https://a.example/\",\"screen\":{\"w\":-1,\"h\":2}}", null}};
    int n = 0;
    for (String[] b : bad) {
      String statement = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=m" + n++ + "-" + System.nanoTime();
      HttpResponse<String> r = send(b[0], statement, sign(SECRET, "POST", COLLECT, statement, b[0]));
      assertThat(r.statusCode()).as(b[0] + " -> " + r.body()).isEqualTo(400);
      JsonNode p = problem(r);
      if (b[1] != null) {
        assertThat(p.path("field").asText()).as(r.body()).isEqualTo(b[1]);
      }
    }
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser")).as("nothing stored").isEqualTo(events);

    // a peer that sends an address unminimised, or not an address: the home region minimises it again, and keeps no raw text of it
    String email = "ida" + System.nanoTime() + "@example.org";
    person(eu, "Ida", email, "a long passphrase of ida", "eu");
    String session = token(signIn(eu, email, "a long passphrase of ida"));
    for (String ip : new String[] {"203.0.113.77", "not an address at all"}) {
      String body = "{\"session\":\"" + session + "\",\"browser\":\"" + BROWSER + "\",\"analytics\":true,\"page\":\"https://a.example/\",\"ip\":\"" + ip + "\"}";
      String statement = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=ip-" + System.nanoTime();
      HttpResponse<String> r = send(body, statement, sign(SECRET, "POST", COLLECT, statement, body));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
      assertThat(r.headers().firstValue("X-Plenary-Recorded")).as("stored, as hers").hasValue("yes");
      assertThat(euDb.rowsNaming(ip)).isEmpty();
    }
  }

  @Test
  void C6_C13_aSessionTokenWithATamperedRegionTagSignsNoOneInTheTagRoutesOnly() throws Exception {
    String euEmail = "emmy" + System.nanoTime() + "@example.org";
    String euId = person(eu, "Emmy", euEmail, "a long passphrase of emmy", "eu");
    String euToken = token(signIn(eu, euEmail, "a long passphrase of emmy"));
    String usEmail = "barbara" + System.nanoTime() + "@example.org";
    person(us, "Barbara", usEmail, "a long passphrase of barbara", "us");
    String usToken = token(signIn(us, usEmail, "a long passphrase of barbara"));
    assertThat(eu.get("/api/v1/me", "Cookie", "pl_session=" + euToken).statusCode()).isEqualTo(200);

    // her token with the US's tag: the EU does not take it for her, and the US holds no such session
    String retagged = retag(euToken, "us");
    assertThat(eu.get("/api/v1/me", "Cookie", "pl_session=" + retagged).statusCode()).isEqualTo(401);
    assertThat(us.get("/api/v1/me", "Cookie", "pl_session=" + retagged).statusCode()).isEqualTo(401);
    // a US person's token with the EU's tag, at the US node: no one's
    assertThat(us.get("/api/v1/me", "Cookie", "pl_session=" + retag(usToken, "eu")).statusCode()).isEqualTo(401);

    // a page view with her token retagged as the US's, at the US node: the US holds no such session, so it is the browser's, not hers
    HttpResponse<String> beacon = us.send("POST", "/collect", "text/plain", CollectorHttpTest.BEACON, "Cookie", "pl_bid=" + BROWSER + "; pl_consent=v1.p1.a1; pl_session="
        + retagged);
    assertThat(beacon.statusCode()).as(beacon.body()).isEqualTo(204);
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", euId)).isZero();
    assertThat(usDb.rowsNaming(euId.substring(2))).isEmpty();
  }

  @Test
  void C13_C6_aBeaconWithAForgedSessionCookieOfAnotherRegionIsStoredNowhereAndLeaksNothing() throws Exception {
    String email = "chien" + System.nanoTime() + "@example.org";
    String id = person(eu, "Chien", email, "a long passphrase of chien", "eu");
    String real = token(signIn(eu, email, "a long passphrase of chien"));
    // a token that looks like an EU session (her tag, random otherwise): the US node cannot tell, and forwards it; the EU holds no such session
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    byte[] tag = Base64.getUrlDecoder().decode(real.substring(0, 4));
    raw[0] = tag[0];
    raw[1] = tag[1];
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    byte[] bid = new byte[16];
    new SecureRandom().nextBytes(bid);
    String browser = Base64.getUrlEncoder().withoutPadding().encodeToString(bid);
    long usEvents = usDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser");
    long euEvents = euDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser");
    HttpResponse<String> r = us.send("POST", "/collect", "text/plain", CollectorHttpTest.BEACON, "Cookie", "pl_bid=" + browser + "; pl_consent=v1.p1.a1; pl_session="
        + forged, "User-Agent", CollectorHttpTest.CHROME_LINUX);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
    assertThat(r.headers().firstValue("X-Plenary-Recorded")).as("the EU authenticates no such session, so nothing is recorded").hasValue("no");
    assertThat(r.headers().firstValue("Set-Cookie")).as("no analytics cookie for a page view recorded nowhere").isEmpty();
    assertThat(r.body()).doesNotContain(email).doesNotContain(id.substring(2));
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).as("not attached to her").isZero();
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser")).as("nor stored unattached in the EU").isEqualTo(euEvents);
    assertThat(euDb.rowsNaming(browser)).as("the browser id the forger sent is kept nowhere in the EU").isEmpty();
    assertThat(usDb.count("SELECT count(*) FROM usage_event WHERE source = ?", "browser")).isEqualTo(usEvents);

    // the same browser with her real session: stored in the EU, as hers
    HttpResponse<String> real2 = us.send("POST", "/collect", "text/plain", CollectorHttpTest.BEACON, "Cookie", "pl_bid=" + browser + "; pl_consent=v1.p1.a1; pl_session="
        + real, "User-Agent", CollectorHttpTest.CHROME_LINUX);
    assertThat(real2.statusCode()).as(real2.body()).isEqualTo(204);
    assertThat(real2.headers().firstValue("X-Plenary-Recorded")).hasValue("yes");
    assertThat(euDb.count("SELECT count(*) FROM usage_event WHERE subject_id = ?", id)).isEqualTo(1);
  }

  @Test
  void C6_aFailedSignInIsAnsweredAlikeForAnAddressHeldInAnotherRegionAndOneHeldNowhere() throws Exception {
    String held = "lovelace" + System.nanoTime() + "@example.org";
    person(eu, "Ada", held, "the passphrase of ada here", "eu");
    String nowhere = "nobody" + System.nanoTime() + "@example.org";
    // an attacker tries the same wrong passwords for both addresses at the US node, from one address
    for (int i = 0; i < 5; i++) {
      assertThat(us.postJson("/api/v1/session", "{\"email\":\"" + held + "\",\"password\":\"wrong guess " + i + "\"}", null).statusCode()).isEqualTo(401);
      assertThat(us.postJson("/api/v1/session", "{\"email\":\"" + nowhere + "\",\"password\":\"wrong guess " + i + "\"}", null).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> a = us.postJson("/api/v1/session", "{\"email\":\"" + held + "\",\"password\":\"wrong guess 6\"}", null);
    HttpResponse<String> b = us.postJson("/api/v1/session", "{\"email\":\"" + nowhere + "\",\"password\":\"wrong guess 6\"}", null);
    assertThat(b.statusCode()).as("an address held nowhere is answered as one held in the EU: " + b.body()).isEqualTo(a.statusCode()).isEqualTo(429);
    assertThat(problem(b).get("type").asText()).isEqualTo(problem(a).get("type").asText());
    assertThat(b.headers().firstValue("Retry-After")).isPresent();
    // the address held in the EU is still counted there alone
    String account = "e" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(held.getBytes(StandardCharsets.UTF_8)));
    assertThat(usDb.rowsNaming(account)).isEmpty();
  }

  @Test
  void C6_anOutsiderCannotLockAPersonOutThroughTheNodeToNodeSignInRoute() throws Exception {
    String email = "dorothy" + System.nanoTime() + "@example.org";
    String id = person(eu, "Dorothy", email, "the passphrase of dorothy", "eu");
    String path = "/api/v1/regions/sign-in";
    String body = "{\"email\":\"" + email + "\",\"password\":\"a wrong guess\",\"address\":\"203.0.113.5\"}";
    long now = Instant.now().getEpochSecond();
    for (int i = 0; i < 8; i++) {
      String statement = "region=us;dc=iad-1;actor=" + (i % 2 == 0 ? "browser" : "service:mail") + ";at=" + now + ";request=lock-" + i + "-" + System.nanoTime();
      // unsigned, signed with a guessed secret, and rightly signed but for another actor: none is checked or counted
      refused(eu.send("POST", path, "application/json", body, "X-Plenary-Forwarded", statement), id, email);
      refused(eu.send("POST", path, "application/json", body, "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature",
          sign("another secret the attacker guessed, long enough", "POST", path, statement, body)), id, email);
      refused(eu.send("POST", path, "application/json", body, "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", path, statement, body)),
          id, email);
    }
    String account = "e" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(email.getBytes(StandardCharsets.UTF_8)));
    assertThat(euDb.rowsNaming(account)).as("nothing counted against her").isEmpty();
    assertThat(signIn(eu, email, "the passphrase of dorothy")).startsWith("pl_session=");
  }

  @Test
  void C13_C29_aForwardedRequestThatIsRefusedIsAuditedAsADenialThatNamesNoOneAndKeepsNothingOfTheRequest() throws Exception {
    String email = "hedy" + System.nanoTime() + "@example.org";
    String id = person(eu, "Hedy", email, "a long passphrase of hedy", "eu");
    String token = token(signIn(eu, email, "a long passphrase of hedy"));
    String body = "{\"session\":\"" + token + "\",\"browser\":\"" + BROWSER + "\",\"analytics\":true,\"page\":\"https://shop.example/audited\"}";
    long now = Instant.now().getEpochSecond();
    String run = Long.toString(System.nanoTime(), 36);
    String good = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=audit-" + run;
    String mars = "region=mars;dc=iad-1;actor=browser;at=" + now + ";request=audit-m-" + run;
    String stale = "region=us;dc=iad-1;actor=browser;at=" + (now - 600) + ";request=audit-s-" + run;
    // request id -> the reason its audit entry names, and the actor it names
    String[][] cases = {
        {"unsigned", ",region-node,", "X-Plenary-Forwarded", good},
        {"signature", ",region-node,", "X-Plenary-Forwarded", good, "X-Plenary-Forwarded-Signature", sign("a guessed secret, long enough to look right", "POST", COLLECT, good, body)},
        {"region", ",region-node,", "X-Plenary-Forwarded", mars, "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", COLLECT, mars, body)},
        {"stale", ",region-node:us,", "X-Plenary-Forwarded", stale, "X-Plenary-Forwarded-Signature", sign(SECRET, "POST", COLLECT, stale, body)}};
    for (String[] c : cases) {
      String requestId = "refused-" + c[0] + "-" + run;
      String[] headers = new String[c.length];
      headers[0] = "X-Request-Id";
      headers[1] = requestId;
      System.arraycopy(c, 2, headers, 2, c.length - 2);
      refused(eu.send("POST", COLLECT, "application/json", body, headers), id, email);
    }
    // a statement served once, then replayed: the replay is refused and audited
    String served = "region=us;dc=iad-1;actor=browser;at=" + now + ";request=audit-once-" + run;
    String signature = sign(SECRET, "POST", COLLECT, served, body);
    assertThat(eu.send("POST", COLLECT, "application/json", body, "X-Plenary-Forwarded", served, "X-Plenary-Forwarded-Signature", signature).statusCode()).isEqualTo(204);
    refused(eu.send("POST", COLLECT, "application/json", body, "X-Request-Id", "refused-replayed-" + run, "X-Plenary-Forwarded", served, "X-Plenary-Forwarded-Signature",
        signature), id, email);
    // a node-to-node route called with no statement at all
    refused(eu.send("POST", "/api/v1/regions/sign-in", "application/json", "{\"email\":\"" + email + "\",\"password\":\"x\"}", "X-Request-Id", "refused-bare-" + run), id, email);

    for (String[] expected : new String[][] {
        {"unsigned", ",region-node,"}, {"signature", ",region-node,"}, {"region", ",region-node,"}, {"stale", ",region-node:us,"}, {"replayed", ",region-node:us,"},
        {"bare", ",region-node,"}}) {
      List<String> entries = euDb.auditOf("refused-" + expected[0] + "-" + run);
      assertThat(entries).as(expected[0]).hasSize(1);
      String entry = entries.get(0);
      String reason = expected[0].equals("bare") ? "unsigned" : expected[0];
      assertThat(entry).as(entry).contains("forwarding-refused:" + reason).contains(",deny,").contains("region-forward").contains(expected[1])
          .doesNotContain(id.substring(2)).doesNotContain(email).doesNotContain(token).doesNotContain("audited").doesNotContain("mars");
    }
    assertThat(usDb.auditOf("refused-signature-" + run)).as("audited where it was refused, only").isEmpty();
  }

  @Test
  void C6_C13_aPasswordTypedAtAnotherRegionsNodeGoesOnlyToTheRegionThatHoldsTheAddressAndNoWhereForAnAddressHeldNowhere() throws Exception {
    String email = "katherine" + System.nanoTime() + "@example.org";
    person(eu, "Katherine", email, "the passphrase of katherine", "eu");
    String nowhere = "noone" + System.nanoTime() + "@example.org";
    try (Recorder toEu = new Recorder(eu);
        Running usNode = new Running(Map.of("database.data_centre", "iad-1", "regions.secret", SECRET, "regions.peers", "eu=" + toEu.uri()))) {
      // an address no region holds, with a password: the EU is asked whether it holds the address, and told no password
      String guess = "a guess typed for no one " + System.nanoTime();
      assertThat(usNode.postJson("/api/v1/session", "{\"email\":\"" + nowhere + "\",\"password\":\"" + guess + "\"}", null).statusCode()).isEqualTo(401);
      assertThat(toEu.bodies).as("the EU was asked").isNotEmpty().allSatisfy(b -> assertThat(b).doesNotContain(guess).doesNotContain("password"));

      // her address, held in the EU: the EU is asked first without the password, then given it, once, to check it
      toEu.bodies.clear();
      String wrong = "her own mistyped passphrase " + System.nanoTime();
      assertThat(usNode.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + wrong + "\"}", null).statusCode()).isEqualTo(401);
      assertThat(toEu.bodies).hasSize(2);
      assertThat(toEu.bodies.get(0)).contains(email).doesNotContain(wrong).doesNotContain("password");
      assertThat(toEu.bodies.get(1)).contains(wrong);
      HttpResponse<String> right = usNode.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"the passphrase of katherine\"}", null);
      assertThat(right.statusCode()).as(right.body()).isEqualTo(421);
    }
  }

  @Test
  void C6_anAddressHeldInNoRegionGetsFiveSignInTriesInAllRegionsTogetherNotFiveInEach() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    // a second EU node that knows where this US node is, so that each region's node reaches the other
    Map<String, String> second = new HashMap<>(euDb.config("fra-1", "us=http://127.0.0.1:" + port));
    second.put("data_dir", eu.dataDir()); // the same keys as the EU's first node
    second.put("collector.journal", "false");
    try (Running euNode = new Running(second);
        Running usNode = new Running(Map.of("database.data_centre", "iad-1", "regions.secret", SECRET, "regions.peers", "eu=" + euNode.uri(""), "server.port",
            Integer.toString(port)))) {
      // one address counted in each region, so that both ways are tried
      for (String region : List.of("eu", "us")) {
        String nowhere = addressCountedIn(region);
        String wrong = "{\"email\":\"" + nowhere + "\",\"password\":\"a wrong guess\"}";
        for (int i = 0; i < 5; i++) {
          Running at = i % 2 == 0 ? usNode : euNode;
          assertThat(at.postJson("/api/v1/session", wrong, null).statusCode()).as(region + " try " + i).isEqualTo(401);
        }
        for (Running at : List.of(usNode, euNode)) {
          HttpResponse<String> r = at.postJson("/api/v1/session", wrong, null);
          assertThat(r.statusCode()).as(region + ": the sixth try, at either region's node: " + r.body()).isEqualTo(429);
          assertThat(problem(r).get("type").asText()).isEqualTo("/problems/too-many-attempts");
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
        }
        String account = "e" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nowhere.getBytes(StandardCharsets.UTF_8)));
        assertThat(euDb.count("SELECT coalesce(sum(n), 0) FROM rate_step WHERE rate_key = ?", account)).as("counted in " + region)
            .isEqualTo(region.equals("eu") ? 5 : 0);
      }
    }
  }

  /** An address that no region holds, whose failed sign-ins are counted in {@code region} (as the nodes choose it: a hash of the address over the sorted regions). */
  private static String addressCountedIn(String region) throws Exception {
    List<String> regions = List.of("eu", "us");
    for (int i = 0; ; i++) {
      String email = "nobody" + i + "-" + System.nanoTime() + "@example.org";
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("plenary-sign-in-throttle:" + email).getBytes(StandardCharsets.UTF_8));
      int n = ((h[0] & 0x7F) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
      if (regions.get(n % regions.size()).equals(region)) {
        return email;
      }
    }
  }

  /**
   * A pass-through in front of a real node that keeps the body of every request that goes through it: where
   * the test watches what one region's node sends another. It changes nothing: the statement and its
   * signature go on as they came, and the node's answer comes back as it is.
   */
  private static final class Recorder implements AutoCloseable {
    final List<String> bodies = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    Recorder(Running target) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        try (exchange) {
          byte[] body = exchange.getRequestBody().readAllBytes();
          bodies.add(new String(body, StandardCharsets.UTF_8));
          HttpRequest.Builder b = HttpRequest.newBuilder(target.uri(exchange.getRequestURI().toString()))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
          for (String h : List.of("Content-Type", "X-Plenary-Forwarded", "X-Plenary-Forwarded-Signature", "X-Request-Id")) {
            String v = exchange.getRequestHeaders().getFirst(h);
            if (v != null) {
              b.header(h, v);
            }
          }
          HttpResponse<byte[]> answer = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
          for (String h : List.of("Content-Type", "Retry-After", "X-Plenary-Sign-In-Counted")) {
            answer.headers().firstValue(h).ifPresent(v -> exchange.getResponseHeaders().add(h, v));
          }
          exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
          exchange.getResponseBody().write(answer.body());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.start();
    }

    String uri() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  // ---- helpers ----

  private HttpResponse<String> send(String body, String statement, String signature) throws Exception {
    return eu.send("POST", COLLECT, "application/json", body, "X-Plenary-Forwarded", statement, "X-Plenary-Forwarded-Signature", signature);
  }

  /** A 401 forwarding-refused problem document that names neither the person nor the server's code. */
  private void refused(HttpResponse<String> r, String id, String email) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(problem(r).get("type").asText()).isEqualTo("/problems/forwarding-refused");
    assertThat(r.body()).doesNotContain(id.substring(2)).doesNotContain(email).doesNotContain(SECRET).doesNotContainIgnoringCase("exception")
        .doesNotContain("com.plenary").doesNotContain("region_statement");
  }

  private JsonNode problem(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).as(r.body()).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.body()).doesNotContainIgnoringCase("exception").doesNotContain("com.plenary").doesNotContain("at java.");
    return json.readTree(r.body());
  }

  private String person(Running on, String name, String email, String password, String region) throws Exception {
    HttpResponse<String> r = on.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"" + name + "\"},\"password\":\"" + password
        + "\",\"region\":\"" + region + "\"}", on.serviceKey("mail"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  private String signIn(Running on, String email, String password) throws Exception {
    HttpResponse<String> r = on.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return cookie.substring(0, cookie.indexOf(';'));
  }

  private static String token(String cookie) {
    return cookie.substring(cookie.indexOf('=') + 1);
  }

  /** The token with its first two bytes replaced by {@code region}'s tag. */
  private static String retag(String token, String region) {
    byte[] raw = Base64.getUrlDecoder().decode(token);
    byte[] tag = Regions.sessionTag(Regions.mint(region));
    raw[0] = tag[0];
    raw[1] = tag[1];
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }
}
