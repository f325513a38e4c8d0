package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.server.internal.Webhooks;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The disclosure gateway (C17, C23–C28, C34), correction notices (C35) and legal requests (C26),
 * through real HTTP on H2 and PostgreSQL: each ground permitted and refused at its edges, nothing
 * leaving on a refusal or bad input, the export showing each disclosure, a corrected field's
 * recipient told by a signed webhook that first fails, and legal requests approved by a second member
 * of the legal team and released once, within their scope.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class DisclosuresHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private Callers callers;
  private String officer;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database, Map.of("webhooks.retry_base", "PT0.05S"));
    callers = new Callers(running);
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    officer = running.platform.issuer().issue(o.id(), Duration.ofMinutes(30));
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private HttpResponse<String> disclose(Callers.Credential as, String recipient, List<String> people, String categories, String purpose, String ground)
      throws Exception {
    String ids = people.stream().map(p -> "\"" + p + "\"").collect(Collectors.joining(","));
    return callers.send(as, "POST", "/api/v1/disclosures", "{\"recipient\":\"" + recipient + "\",\"subject_ids\":[" + ids + "],\"categories\":" + categories
        + ",\"purpose\":\"" + purpose + "\",\"ground\":\"" + ground + "\"}");
  }

  private HttpResponse<String> byShop(String recipient, Callers.Person p, String categories, String purpose, String ground) throws Exception {
    return disclose(callers.owner, recipient, List.of(p.id()), categories, purpose, ground);
  }

  private String recipient(String kind) throws Exception {
    String id = kind.substring(0, 3) + "-" + System.nanoTime();
    HttpResponse<String> r = running.postJson("/api/v1/recipients", "{\"id\":\"" + id + "\",\"kind\":\"" + kind + "\",\"name\":\"R\"}", officer);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return id;
  }

  private void agreement(String recipient, LocalDate start, LocalDate end, String categories, String purposes) throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/recipients/" + recipient + "/agreements", "{\"categories\":" + categories + ",\"purposes\":" + purposes
        + ",\"start\":\"" + start + "\",\"end\":\"" + end + "\",\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"kept\","
        + "\"security\":\"sealed\",\"data_centres\":[\"fra-1\"]}", officer);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private JsonNode export(Callers.Person p) throws Exception {
    HttpResponse<String> r = callers.send(p.session(), "GET", "/api/v1/me/export", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body());
  }

  private void consent(Callers.Person p, String purpose, String recipient, boolean granted) throws Exception {
    HttpResponse<String> r = callers.send(p.session(), "POST", "/api/v1/me/consents", "{\"purpose\":\"" + purpose + "\",\"recipient\":\"" + recipient
        + "\",\"granted\":" + granted + "}");
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
  }

  private static void assertRefused(HttpResponse<String> r, int status, String... rules) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    for (String rule : rules) {
      assertThat(r.body()).contains(rule);
    }
  }

  @Test
  void C24_aDisclosureOnConsentHoldsWhileThePersonConsentsAndEndsWithTheWithdrawal() throws Exception {
    Callers.Person p = callers.person();
    String broker = recipient("third-party");
    assertRefused(byShop(broker, p, "[\"user.name\"]", "improve", "consent"), 403, "disclose-with-consent", "C24");
    assertThat(export(p).get("disclosures")).as("nothing left, no record").isEmpty();

    consent(p, "improve", broker, true);
    HttpResponse<String> made = byShop(broker, p, "[\"user.name\"]", "improve", "consent");
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    JsonNode pkg = json.readTree(made.body());
    assertThat(pkg.get("released").asInt()).isEqualTo(1);
    assertThat(pkg.get("people").get(0).get("fields").properties()).extracting(Map.Entry::getKey).containsExactly("name");
    assertThat(made.body()).as("only the permitted fields").doesNotContain("@example.org").doesNotContain("Test Road");
    assertRefused(byShop(broker, p, "[\"user.name\"]", "improve", "processor"), 403, "C23");

    consent(p, "improve", broker, false);
    assertRefused(byShop(broker, p, "[\"user.name\"]", "improve", "consent"), 403, "disclose-with-consent");
    assertThat(export(p).get("disclosures")).hasSize(1);
  }

  @Test
  void C25_aDisclosureToAProcessorHoldsFromTheFirstToTheLastDayOfItsAgreementAndWithinItsScope() throws Exception {
    Callers.Person p = callers.person();
    String proc = recipient("processor");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String contact = "[\"user.contact\"]";
    String communicate = "[\"communicate\"]";
    HttpResponse<String> noAgreement = byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor");
    assertRefused(noAgreement, 403, "disclose-to-processor", "C25");
    assertThat(new ObjectMapper().readTree(noAgreement.body()).get("detail").asText()).as("the refusal names the processor ground's own reason")
        .startsWith("no agreement in force with the recipient").doesNotContain("consent").doesNotContain(".;");
    agreement(proc, today.plusDays(1), today.plusDays(30), contact, communicate);
    assertRefused(byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor"), 403, "disclose-to-processor");
    agreement(proc, today, today.plusDays(30), contact, communicate);
    assertThat(byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor").statusCode()).as("its first day").isEqualTo(201);
    agreement(proc, today.minusDays(30), today, contact, communicate);
    assertThat(byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor").statusCode()).as("its last day").isEqualTo(201);
    assertRefused(byShop(proc, p, "[\"user.name\"]", "communicate", "processor"), 403, "disclose-to-processor");
    assertRefused(byShop(proc, p, "[\"user.contact.email\"]", "improve", "processor"), 403, "disclose-to-processor");
    consent(p, "improve", proc, true);
    assertRefused(byShop(proc, p, "[\"user.contact.email\"]", "improve", "processor"), 403, "disclose-to-processor");
    agreement(proc, today.minusDays(30), today.minusDays(1), contact, communicate);
    assertRefused(byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor"), 403, "disclose-to-processor");
    assertThat(export(p).get("disclosures")).as("the two permitted, none of the refused").hasSize(2);
    assertThat(export(p).get("disclosures").get(0).get("fields").get(0).asText()).isEqualTo("email");
  }

  @Test
  void C28_aDisclosureByTermsOfServiceHoldsOnlyForARecipientTheServicesTermsName() throws Exception {
    Callers.Person p = callers.person();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    agreement("carrier", today.minusDays(1), today.plusDays(1), "[\"user.contact.address\",\"user.name\"]", "[\"terms\"]");
    HttpResponse<String> made = byShop("carrier", p, "[\"user.contact.address\",\"user.name\"]", "terms", "terms-of-service");
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    assertThat(json.readTree(made.body()).get("people").get(0).get("fields").properties()).extracting(Map.Entry::getKey)
        .containsExactlyInAnyOrder("address", "name");
    // an internal review counts the disclosures of its period by ground, naming no one (C30)
    HttpResponse<String> review = running.postJson("/api/v1/reviews", "", officer);
    assertThat(review.statusCode()).as(review.body()).isEqualTo(201);
    JsonNode byGround = json.readTree(review.body()).get("report").get("disclosures_by_ground");
    assertThat(byGround.get("recorded").asBoolean()).isTrue();
    assertThat(byGround.get("rows").toString()).contains("\"ground\":\"terms-of-service\"").doesNotContain(p.id());
    String other = recipient("processor");
    agreement(other, today.minusDays(1), today.plusDays(1), "[\"user.contact.address\"]", "[\"terms\"]");
    assertRefused(byShop(other, p, "[\"user.contact.address\"]", "terms", "terms-of-service"), 403, "disclose-by-terms", "C28");
  }

  @Test
  void C17_contactDataIsNeverDisclosedForSaleOrForAThirdPartysOwnMarketingWhateverTheConsent() throws Exception {
    Callers.Person p = callers.person();
    consent(p, "communicate.marketing", "adbroker", true);
    assertRefused(byShop("adbroker", p, "[\"user.contact.email\"]", "communicate.marketing", "consent"), 403, "no-contact-data-for-third-party-marketing",
        "C17");
    assertRefused(byShop("adbroker", p, "[\"user.contact.email\",\"user.name\"]", "sale", "consent"), 403, "no-sale-of-contact-data", "C17");
    // the parent purpose covers the marketing under it: consent to 'communicate' does not open that door either
    consent(p, "communicate", "adbroker", true);
    assertRefused(byShop("adbroker", p, "[\"user.contact.email\"]", "communicate", "consent"), 403, "no-contact-data-for-third-party-marketing", "C17");
    assertThat(export(p).get("disclosures")).isEmpty();
  }

  @Test
  void C23_badInputIsA4xxNamingTheReasonAndNothingIsDisclosed() throws Exception {
    Callers.Person p = callers.person();
    String proc = recipient("processor");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    agreement(proc, today.minusDays(1), today.plusDays(1), "[\"user.contact\"]", "[\"communicate\"]");
    assertRefused(byShop("nobody-registered", p, "[\"user.contact\"]", "communicate", "processor"), 400, "recipient");
    assertRefused(byShop(proc, p, "[\"user.contact\"]", "communicate", "friendship"), 400, "consent, processor, terms-of-service");
    assertRefused(byShop(proc, p, "[\"user.contact\"]", "communicate", "aggregate"), 400, "/api/v1/aggregates");
    assertRefused(byShop(proc, p, "[\"user.contact\"]", "communicate", "legal-request"), 400, "/api/v1/legal-requests/{id}/release");
    assertRefused(byShop(proc, p, "[\"user.secrets\"]", "communicate", "processor"), 400, "categories");
    assertRefused(byShop(proc, p, "[\"user.content\"]", "communicate", "processor"), 403, "disclose-to-processor");
    assertRefused(disclose(callers.otherService, proc, List.of(p.id()), "[\"user.contact\"]", "communicate", "processor"), 404);
    assertRefused(disclose(callers.owner, proc, List.of(p.id(), "s-00000000-0000-0000-0000-000000000000"), "[\"user.contact\"]", "communicate", "processor"),
        404);
    List<String> many = IntStream.range(0, 10_001).mapToObj(i -> "s-" + i).toList();
    assertRefused(disclose(callers.owner, proc, many, "[\"user.contact\"]", "communicate", "processor"), 400, "application/x-ndjson");
    // a million ids (about 45 MB): refused before anything is read, whatever the size limit on bodies says. Sent as a
    // careful client sends so large a body, with "Expect: 100-continue": the refusal must come instead of "100
    // Continue", before a byte of the body is sent (had it come after, the client would have sent 45 MB into a
    // connection about to close, and the answer could be lost to a reset). Spoken over a plain socket: the JDK's
    // client of Java 17 waits for ever when the answer to an Expect is not 100.
    String head = "POST /api/v1/disclosures HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + callers.owner.headers().get("Authorization")
        + "\r\nContent-Type: application/json\r\nContent-Length: 45000000\r\nExpect: 100-continue\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", running.uri("/").getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      assertThat(status).as("the first answer is the refusal, not 100 Continue").startsWith("HTTP/1.1 413");
      Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
        headers.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1).trim());
      }
      assertThat(headers.get("Content-Type")).startsWith("application/problem+json");
      char[] body = new char[Integer.parseInt(headers.get("Content-Length"))];
      int n = 0;
      for (int r; n < body.length && (r = in.read(body, n, body.length - n)) > 0; ) {
        n += r;
      }
      assertThat(json.readTree(new String(body, 0, n)).get("status").asInt()).isEqualTo(413);
    }
    assertThat(export(p).get("disclosures")).as("no record of any of them").isEmpty();
  }

  @Test
  void C23_aLargePackageIsStreamedAsNdjsonOnePersonALineAndASummary() throws Exception {
    List<Callers.Person> people = List.of(callers.person(), callers.person(), callers.person());
    String proc = recipient("subsidiary");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    agreement(proc, today.minusDays(1), today.plusDays(1), "[\"user.name\"]", "[\"provide\"]");
    HttpRequest request = HttpRequest.newBuilder(running.uri("/api/v1/disclosures")).header("Content-Type", "application/json")
        .header("Accept", "application/x-ndjson").header("Authorization", callers.owner.headers().get("Authorization"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"recipient\":\"" + proc + "\",\"subject_ids\":[" + people.stream().map(x -> "\"" + x.id() + "\"")
            .collect(Collectors.joining(",")) + "],\"categories\":[\"user.name\"],\"purpose\":\"provide\",\"ground\":\"processor\"}")).build();
    HttpResponse<String> r = running.http.send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
    List<String> lines = r.body().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(json.readTree(lines.get(3)).get("summary").get("released").asInt()).isEqualTo(3);
    // each line is one of the kinds the OpenAPI document gives for the stream (x-item-schema), and nothing else
    JsonNode itemSchema = json.readTree(running.get("/openapi.json").body()).path("paths").path("/api/v1/disclosures").path("post")
        .path("responses").path("201").path("content").path("application/x-ndjson").path("x-item-schema");
    List<Set<String>> kinds = new ArrayList<>();
    itemSchema.path("oneOf").forEach(k -> {
      Set<String> names = new TreeSet<>();
      k.path("properties").fieldNames().forEachRemaining(names::add);
      kinds.add(names);
    });
    assertThat(kinds).hasSize(2);
    for (String line : lines) {
      Set<String> names = new TreeSet<>();
      json.readTree(line).fieldNames().forEachRemaining(names::add);
      assertThat(kinds).as(line).contains(names);
    }
    for (Callers.Person p : people) {
      assertThat(export(p).get("disclosures").get(0).get("recipient").asText()).isEqualTo(proc);
    }
  }

  @Test
  void C34_thePersonsExportHoldsEachDisclosureOfTheirDataAndNoOneElses() throws Exception {
    Callers.Person p = callers.person();
    Callers.Person other = callers.person();
    String proc = recipient("processor");
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    agreement(proc, today.minusDays(1), today.plusDays(1), "[\"user.contact\"]", "[\"communicate\"]");
    HttpResponse<String> made = byShop(proc, p, "[\"user.contact\"]", "communicate", "processor");
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    JsonNode d = export(p).get("disclosures");
    assertThat(d).hasSize(1);
    assertThat(d.get(0).get("id").asText()).isEqualTo(json.readTree(made.body()).get("disclosure").asText());
    assertThat(d.get(0).get("ground").asText()).isEqualTo("processor");
    assertThat(d.get(0).get("fields").toString()).contains("email").contains("address");
    assertThat(export(other).get("disclosures")).isEmpty();
  }

  @Test
  void C35_aCorrectedFieldsRecipientIsToldByASignedWebhookThatFailsFirstAndThePersonSeesIt() throws Exception {
    List<String> bodies = Collections.synchronizedList(new ArrayList<>());
    List<String> signatures = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger calls = new AtomicInteger();
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/notices", ex -> {
      byte[] body = ex.getRequestBody().readAllBytes();
      bodies.add(new String(body, StandardCharsets.UTF_8));
      signatures.add(ex.getRequestHeaders().getFirst(Webhooks.SIGNATURE_HEADER));
      int status = calls.incrementAndGet() == 1 ? 503 : 204;
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    hook.start();
    try {
      Callers.Person p = callers.person();
      String proc = recipient("processor");
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      agreement(proc, today.minusDays(1), today.plusDays(1), "[\"user.contact\"]", "[\"communicate\"]");
      HttpResponse<String> set = running.postJson("/api/v1/recipients/" + proc + "/webhook",
          "{\"url\":\"http://127.0.0.1:" + hook.getAddress().getPort() + "/notices\"}", officer);
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      String secret = json.readTree(set.body()).get("secret").asText();
      assertThat(byShop(proc, p, "[\"user.contact.email\"]", "communicate", "processor").statusCode()).isEqualTo(201);

      String corrected = "corrected-" + System.nanoTime() + "@example.org";
      HttpResponse<String> fix = callers.send(p.session(), "PATCH", "/api/v1/me", "{\"fields\":{\"email\":\"" + corrected + "\",\"name\":\"New Name\"}}");
      assertThat(fix.statusCode()).as(fix.body()).isEqualTo(200);

      // the status, not the text: every notice carries a "delivered_at" key, so the text holds "delivered" before the notice is
      waitUntil(() -> calls.get() >= 2 && notices(p).size() == 1 && "delivered".equals(notices(p).get(0).get("status").asText()));
      JsonNode notices = notices(p);
      assertThat(notices).as("one notice: the name never went to this recipient").hasSize(1);
      assertThat(notices.get(0).get("field").asText()).isEqualTo("email");
      assertThat(notices.get(0).get("recipient").asText()).isEqualTo(proc);
      assertThat(bodies.get(1)).contains(p.id()).contains("\"field\":\"email\"").doesNotContain(corrected);
      assertThat(signatures.get(1)).isEqualTo(Webhooks.signature(secret, bodies.get(1).getBytes(StandardCharsets.UTF_8)));
      assertThat(signatures.get(0)).as("the failed attempt was the same notice, signed alike").isEqualTo(signatures.get(1));
      assertThat(export(p).get("correction_notices").get(0).get("status").asText()).isEqualTo("delivered");
    } finally {
      hook.stop(0);
    }
  }

  /** Waits up to 20 seconds for {@code condition}. */
  private static void waitUntil(Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.call()) {
      assertThat(System.nanoTime()).as("waited 20 seconds").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private JsonNode notices(Callers.Person p) throws Exception {
    HttpResponse<String> r = callers.send(p.session(), "GET", "/api/v1/me/correction-notices", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("notices");
  }

  // ---- legal requests (C26) ----

  private HttpResponse<String> legal(Callers.Credential as, String method, String path, String body) throws Exception {
    return callers.send(as, method, "/api/v1/legal-requests" + path, body);
  }

  private String create(Callers.Credential as, List<Callers.Person> people, String categories, String ground, String authority) throws Exception {
    HttpResponse<String> r = legal(as, "POST", "", "{\"ground\":\"" + ground + "\",\"authority\":\"" + authority + "\",\"reference\":\"AZ 1\","
        + "\"justification\":\"A court order\",\"subject_ids\":[" + people.stream().map(x -> "\"" + x.id() + "\"").collect(Collectors.joining(","))
        + "],\"categories\":" + categories + ",\"deadline\":\"2099-12-31\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  @Test
  void C26_legalRequestApprovedByItsCreatorIsRefused() throws Exception {
    String id = create(callers.staff.get("legal"), List.of(callers.person()), "[\"user.contact\"]", "a", "Court " + database);
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + id + "/approve", null), 403, "second-approval", "C26");
    assertThat(running.platform.store().audit().recent(200, null)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("legal-approve");
      assertThat(e.effect()).isEqualTo("deny");
    });
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + id + "/release", "{}"), 409, "approved");
  }

  @Test
  void C26_approvalBySomeoneWithoutTheLegalRoleIsRefused() throws Exception {
    String id = create(callers.secondLegal, List.of(callers.person()), "[\"user.contact\"]", "b", "Regulator " + database);
    assertRefused(legal(callers.staff.get("privacy-officer"), "POST", "/" + id + "/approve", null), 403, "/problems/forbidden");
    assertRefused(legal(callers.owner, "POST", "/" + id + "/approve", null), 403, "/problems/forbidden");
    assertRefused(legal(callers.staff.get("privacy-officer"), "POST", "", "{}"), 403, "/problems/forbidden");
  }

  @Test
  void C26_anApprovedRequestIsReleasedOnceAndOnlyWithinItsScope() throws Exception {
    Callers.Person a = callers.person();
    Callers.Person b = callers.person();
    Callers.Person outside = callers.person();
    String id = create(callers.secondLegal, List.of(a, b), "[\"user.contact.email\"]", "c", "CERT " + database);
    assertThat(legal(callers.staff.get("legal"), "POST", "/" + id + "/approve", null).statusCode()).isEqualTo(200);
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + id + "/release", "{\"subject_ids\":[\"" + outside.id() + "\"]}"), 403, "legal-scope");
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + id + "/release", "{\"categories\":[\"user.name\"]}"), 403, "legal-scope");
    assertThat(export(outside).get("disclosures")).isEmpty();

    HttpResponse<String> released = legal(callers.staff.get("legal"), "POST", "/" + id + "/release", "{}");
    assertThat(released.statusCode()).as(released.body()).isEqualTo(200);
    JsonNode r = json.readTree(released.body());
    assertThat(r.get("released").asInt()).isEqualTo(2);
    for (JsonNode person : r.get("people")) {
      assertThat(person.get("fields").properties()).extracting(Map.Entry::getKey).containsExactly("email");
    }
    assertThat(export(a).get("disclosures").get(0).get("ground").asText()).isEqualTo("legal-request");
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + id + "/release", "{}"), 409, "released");
  }

  @Test
  void C26_aRequestCanBeNarrowedOrRejectedAndTheTransparencyReportNamesNoOne() throws Exception {
    Callers.Person a = callers.person();
    Callers.Person b = callers.person();
    String authority = "Tax Office " + database;
    String narrowed = create(callers.secondLegal, List.of(a, b), "[\"user.contact\",\"user.name\"]", "d", authority);
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + narrowed + "/narrow", "{\"categories\":[\"user.account\"]}"), 400, "categories");
    HttpResponse<String> n = legal(callers.staff.get("legal"), "POST", "/" + narrowed + "/narrow", "{\"subject_ids\":[\"" + a.id() + "\"],"
        + "\"categories\":[\"user.contact.email\"]}");
    assertThat(n.statusCode()).as(n.body()).isEqualTo(200);
    assertThat(json.readTree(n.body()).get("people").asInt()).isEqualTo(1);
    assertThat(legal(callers.staff.get("legal"), "POST", "/" + narrowed + "/approve", null).statusCode()).isEqualTo(200);
    HttpResponse<String> released = legal(callers.staff.get("legal"), "POST", "/" + narrowed + "/release", "{}");
    assertThat(json.readTree(released.body()).get("released").asInt()).isEqualTo(1);
    assertThat(export(b).get("disclosures")).isEmpty();

    String rejected = create(callers.secondLegal, List.of(b), "[\"user.contact\"]", "d", authority);
    assertThat(legal(callers.staff.get("legal"), "POST", "/" + rejected + "/reject", "{\"reason\":\"Not a valid order\"}").statusCode()).isEqualTo(200);
    assertRefused(legal(callers.staff.get("legal"), "POST", "/" + rejected + "/approve", null), 409, "rejected");

    HttpResponse<String> report = legal(callers.staff.get("auditor"), "GET", "/report?from=2026-01-01&to=2099-01-01", null);
    assertThat(report.statusCode()).as(report.body()).isEqualTo(200);
    JsonNode row = null;
    for (JsonNode x : json.readTree(report.body()).get("rows")) {
      if (x.get("authority").asText().equals(authority)) {
        row = x;
      }
    }
    assertThat(row).isNotNull();
    assertThat(row.get("ground").asText()).isEqualTo("d");
    assertThat(row.get("requests").asInt()).isEqualTo(2);
    assertThat(row.get("released").asInt()).isEqualTo(1);
    assertThat(row.get("rejected").asInt()).isEqualTo(1);
    assertThat(report.body()).doesNotContain(a.id()).doesNotContain(b.id()).doesNotContain("example.org");
    assertRefused(legal(callers.staff.get("auditor"), "GET", "/report?from=yesterday&to=2099-01-01", null), 400, "from");
  }

  @Test
  void C35_aNoticeOwedWhenTheServerStopsIsDeliveredAfterItStartsAgain() throws Exception {
    assumeTrue(database.equals("h2"), "a restart on the same embedded database");
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean up = new AtomicBoolean(false);
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/n", ex -> {
      ex.getRequestBody().readAllBytes();
      calls.incrementAndGet();
      ex.sendResponseHeaders(up.get() ? 200 : 500, -1);
      ex.close();
    });
    hook.start();
    Running first = new Running(Map.of("webhooks.retry_base", "PT0.05S"));
    Path dir = first.dir;
    try {
      Callers c = new Callers(first);
      var o = first.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
      String off = first.platform.issuer().issue(o.id(), Duration.ofMinutes(30));
      Callers.Person p = c.person();
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      assertThat(first.postJson("/api/v1/recipients/carrier/agreements", "{\"categories\":[\"user.contact\"],\"purposes\":[\"communicate\"],\"start\":\""
          + today.minusDays(1) + "\",\"end\":\"" + today.plusDays(1) + "\",\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"k\","
          + "\"security\":\"s\",\"data_centres\":[\"fra-1\"]}", off).statusCode()).isEqualTo(201);
      assertThat(first.postJson("/api/v1/recipients/carrier/webhook", "{\"url\":\"http://127.0.0.1:" + hook.getAddress().getPort() + "/n\"}", off)
          .statusCode()).isEqualTo(200);
      assertThat(c.send(c.owner, "POST", "/api/v1/disclosures", "{\"recipient\":\"carrier\",\"subject_ids\":[\"" + p.id() + "\"],"
          + "\"categories\":[\"user.contact\"],\"purpose\":\"communicate\",\"ground\":\"processor\"}").statusCode()).isEqualTo(201);
      assertThat(c.send(p.session(), "PATCH", "/api/v1/me", "{\"fields\":{\"address\":\"9 New Road\"}}").statusCode()).isEqualTo(200);
      waitUntil(() -> calls.get() >= 2);
      first.server.stop();
      first.platform.close();
      up.set(true);
      Running second = new Running(Map.of("webhooks.retry_base", "PT0.05S", "data_dir", dir.toString()));
      try {
        waitUntil(() -> second.platform.domain().correctionNotices()
            .of(Access.subject(p.id(), "rq-test"), p.id()).stream().anyMatch(n -> n.status().equals("delivered")));
      } finally {
        second.close();
      }
    } finally {
      hook.stop(0);
    }
  }
}
