package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.plenary.privacy.server.Callers.Credential;
import com.plenary.privacy.server.Callers.Operation;
import com.plenary.privacy.server.Callers.Person;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every operation of the served OpenAPI document (so a new endpoint is in the matrix the day it
 * appears) against every kind of caller: no credential, garbage credentials, the service that
 * registered the person, another service, a partner, the person signed in, another person signed in,
 * and staff of each role and of none.
 *
 * <ul>
 *   <li>a non-public operation answers 401 to no or a bad credential;
 *   <li>a caller kind or staff role it does not name gets 403 {@code /problems/forbidden};
 *   <li>a person's change without the session's CSRF token gets 403 {@code /problems/csrf};
 *   <li>a caller it allows is let through, on its own data;
 *   <li>and that caller naming another person's data (a person another service registered, another
 *       person's partner link) gets exactly the 404 an unknown id gets, never the data.
 * </ul>
 *
 * Every error is {@code application/problem+json}. Each operation gets fresh people, links, grants
 * and reports, so an operation that ends something (sign-out, erasure, ending a grant) cannot spoil
 * another's cells.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthorizationMatrixTest {
  private static final String UNKNOWN = "s-00000000-0000-0000-0000-000000000000";
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private Callers callers;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    callers = new Callers(running);
  }

  @AfterAll
  void stop() {
    running.close();
  }

  /**
   * Bodies that get a request past validation, so the cells reach the look-up of the data; the
   * placeholder {@code {subject}} is the person whose data the cell is about. An operation with a JSON
   * body that is not listed here gets {@code {}}: its 401/403 cells still hold, and the test says so
   * when it names a person (add a body here then).
   */
  private static final Map<String, String> BODIES = Map.ofEntries(
      Map.entry("POST /api/v1/decisions", "{\"action\":\"read\",\"purpose\":\"provide\",\"subject\":\"s-1\",\"categories\":[\"user.contact.email\"]}"),
      Map.entry("POST /api/v1/subjects", "{\"fields\":{\"email\":\"m-{n}@example.org\",\"name\":\"Matrix\",\"address\":\"1 Matrix Road\"}}"),
      Map.entry("PATCH /api/v1/subjects/{id}", "{\"fields\":{\"name\":\"Corrected\"}}"),
      Map.entry("POST /api/v1/subjects/{id}/content", "{\"kind\":\"message\",\"purpose\":\"communicate.respond\",\"text\":\"hello\"}"),
      Map.entry("POST /api/v1/subjects/{id}/consents", "{\"purpose\":\"develop\"}"),
      Map.entry("POST /api/v1/subjects/{id}/partner-links", "{\"partner\":\"acme-ads\",\"identifier\":\"acme-m-{n}\",\"purpose\":\"improve\"}"),
      Map.entry("POST /api/v1/session", "{\"email\":\"nobody-{n}@example.org\",\"password\":\"not the password\"}"),
      Map.entry("PATCH /api/v1/me", "{\"fields\":{\"name\":\"Corrected\"}}"),
      Map.entry("POST /api/v1/me/consents", "{\"purpose\":\"improve\"}"),
      Map.entry("POST /api/v1/subjects/{id}/consent-requests", "{\"purpose\":\"develop\",\"reason\":\"A new feature, asked at {n}.\"}"),
      Map.entry("POST /api/v1/me/consent-requests/{id}", "{\"answer\":\"decline\"}"),
      Map.entry("POST /api/v1/events", "{\"events\":[{\"subject\":\"{subject}\",\"type\":\"open\",\"page\":\"https://shop.example/\"}]}"),
      Map.entry("POST /api/v1/partner-events", "{\"events\":[{\"identifier\":\"acme-e-{n}\",\"type\":\"view\",\"page\":\"https://acme.example/\"}]}"),
      Map.entry("POST /api/v1/staff/{id}/grants", "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"{until}\"}"),
      Map.entry("POST /api/v1/reviews/{id}/sign-off", "{\"note\":\"checked\"}"),
      Map.entry("POST /api/v1/staff/{id}/agreements", "{\"document_version\":\"nda-1\",\"signed\":\"2026-01-05\",\"expires\":\"2099-01-01\"}"),
      Map.entry("POST /api/v1/grant-requests", "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],"
          + "\"until\":\"{until}\",\"justification\":\"A complaint\"}"),
      // breaking the glass opens no data itself (each read through it is decided on its own): an unknown person is the usual 404
      Map.entry("POST /api/v1/break-glass", "{\"subject\":\"s-00000000-0000-0000-0000-000000000000\",\"role\":\"privacy-officer\","
          + "\"categories\":[\"user.contact\"],\"purpose\":\"protect\",\"justification\":\"Abuse reported\"}"),
      Map.entry("POST /api/v1/incidents/{incident}/close", "{\"outcome\":\"training\",\"note\":\"Talked it through\"}"),
      Map.entry("POST /api/v1/recipients", "{\"id\":\"rcp-{n}\",\"kind\":\"processor\",\"name\":\"A processor\"}"),
      Map.entry("POST /api/v1/recipients/{id}/agreements", "{\"categories\":[\"user.contact\"],\"purposes\":[\"communicate\"],\"start\":\"2026-01-01\","
          + "\"end\":\"2027-12-31\",\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"kept\",\"security\":\"sealed\","
          + "\"data_centres\":[\"fra-1\"]}"),
      Map.entry("POST /api/v1/aggregates", "{\"dimensions\":[\"day\",\"country\"],\"from\":\"2026-01-01\",\"to\":\"2026-01-31\",\"purpose\":\"improve\"}"),
      Map.entry("POST /api/v1/messages", "{\"subject_id\":\"{subject}\",\"kind\":\"transactional\",\"purpose\":\"provide\",\"subject\":\"Your receipt\",\"body\":\"Thank you.\"}"),
      Map.entry("POST /api/v1/messages/bulk", "{\"subject_ids\":[\"s-00000000-0000-0000-0000-000000000000\"],\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"News\",\"body\":\"Hi.\"}"),
      Map.entry("POST /api/v1/message-templates", "{\"name\":\"t-{n}\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi\",\"body\":\"Hello {{name}}.\"}"),
      Map.entry("POST /api/v1/audiences", "{\"name\":\"a-{n}\",\"subject_ids\":[\"s-00000000-0000-0000-0000-000000000000\"]}"),
      Map.entry("POST /api/v1/disclosures", "{\"recipient\":\"carrier\",\"subject_ids\":[\"{subject}\"],\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}"),
      Map.entry("POST /api/v1/disclosures/audience", "{\"recipient\":\"carrier\",\"audience\":\"checked\",\"categories\":[\"user.contact\"],"
          + "\"purpose\":\"communicate\",\"ground\":\"processor\"}"),
      Map.entry("POST /api/v1/recipients/{id}/webhook", "{\"url\":\"https://carrier.example/notices\"}"),
      Map.entry("POST /api/v1/legal-requests", "{\"ground\":\"a\",\"authority\":\"Court\",\"reference\":\"AZ {n}\",\"justification\":\"An order\","
          + "\"subject_ids\":[\"s-00000000-0000-0000-0000-000000000000\"],\"categories\":[\"user.contact\"],\"deadline\":\"2099-12-31\"}"),
      Map.entry("POST /api/v1/legal-requests/{id}/reject", "{\"reason\":\"Not ours\"}"),
      Map.entry("POST /api/v1/legal-requests/{id}/narrow", "{\"categories\":[\"user.contact\"]}"),
      Map.entry("POST /api/v1/legal-requests/{id}/release", "{}"),
      Map.entry("POST /api/v1/messages/from-template", "{\"subject_id\":\"s-00000000-0000-0000-0000-000000000000\",\"template\":\"checked\"}"),
      Map.entry("POST /api/v1/messages/bulk/from-template", "{\"subject_ids\":[\"s-00000000-0000-0000-0000-000000000000\"],\"template\":\"checked\"}"),
      Map.entry("POST /api/v1/messages/audience", "{\"audience\":\"checked\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi\",\"body\":\"Hello.\"}"),
      Map.entry("POST /api/v1/messages/audience/from-template", "{\"audience\":\"checked\",\"template\":\"checked\"}"),
      Map.entry("POST /collect", "{\"type\":\"pageview\",\"page\":\"https://shop.example/\"}"),
      Map.entry("POST /privacy/cookie-choices", "{\"preferences\":true,\"analytics\":false}"));

  /** Query strings that get a request past validation. */
  private static final Map<String, String> QUERIES = Map.of("GET /api/v1/subjects/{id}", "?purpose=provide",
      "GET /api/v1/legal-requests/report", "?from=2026-01-01&to=2027-01-01");

  /** The path parameters that name something of one person's own: a partner link, a consent, a consent request. */
  private static final List<String> OWNED = List.of("link", "consent", "request");

  /** Whether the operation is about one person's data: a person or something of theirs in the path, or a person in the body. */
  private static boolean aboutAPerson(Operation op) {
    return op.params().stream().anyMatch(p -> slot(op, p).equals("subject") || OWNED.contains(slot(op, p)))
        || BODIES.getOrDefault(op.toString(), "").contains("{subject}");
  }

  /**
   * Cells whose answer is known to be wrong, with the defect they show; each is reported and skipped.
   * Keep this short: fix the server instead, unless the code is someone else's to change right now.
   */
  private static final List<KnownHole> KNOWN_HOLES = List.of();

  private record KnownHole(String operation, Predicate<Cell> cells, String defect) {}

  /** The world of one operation: two people registered by the owner service, a link of each, a grant, a report. */
  private final class World {
    final Person a;
    final Person b;
    final Map<String, String> own = new LinkedHashMap<>();

    World(Operation op) throws Exception {
      a = callers.person();
      b = callers.person();
      for (String p : op.params()) {
        own.put(p, switch (slot(op, p)) {
          case "subject" -> a.id();
          case "link", "consent", "request" -> owned(slot(op, p), a);
          case "staff" -> callers.staffMemberId;
          case "grant" -> callers.grant();
          case "review" -> callers.review();
          case "grantRequest" -> callers.grantRequest();
          case "incident" -> callers.incident();
          case "token" -> callers.unsubscribeToken(a);
          case "reset" -> callers.resetToken(a);
          case "recipient" -> "carrier"; // named by the policy, so every database has it
          case "version" -> "1"; // the policy the server started with
          case "legal-request" -> callers.legalRequest(callers.person(), op.path().endsWith("/release"));
          default -> throw new AssertionError(op + ": no fixture for the path parameter {" + p + "}; add one to AuthorizationMatrixTest.slot");
        });
      }
    }
  }

  /** What a path parameter names, by where it stands. */
  private static String slot(Operation op, String param) {
    String before = op.path().substring(0, op.path().indexOf("{" + param + "}"));
    if (before.endsWith("/subjects/")) {
      return "subject";
    }
    if (before.endsWith("/partner-links/")) {
      return "link";
    }
    if (before.endsWith("/staff/")) {
      return "staff";
    }
    if (before.endsWith("/grants/")) {
      return "grant";
    }
    if (before.endsWith("/reviews/")) {
      return "review";
    }
    if (before.endsWith("/grant-requests/")) {
      return "grantRequest";
    }
    if (before.endsWith("/incidents/")) {
      return "incident";
    }
    if (before.endsWith("/unsubscribe/")) {
      return "token";
    }
    if (before.endsWith("/account/reset/")) {
      return "reset";
    }
    if (before.endsWith("/recipients/")) {
      return "recipient";
    }
    if (before.endsWith("/policy/versions/")) {
      return "version";
    }
    if (before.endsWith("/consents/")) {
      return "consent";
    }
    if (before.endsWith("/legal-requests/")) {
      return "legal-request";
    }
    if (before.endsWith("/consent-requests/")) {
      return "request";
    }
    return "?";
  }

  /** Whose data a cell names: the caller's own, someone else's, an id nobody has, or none in particular. */
  private enum Scope { PLAIN, OWN, FOREIGN, UNKNOWN }

  /** A request of one cell: who, whose data, and the values of the path parameters and of the body's {subject}. */
  private record Cell(String what, Scope scope, Credential caller, Map<String, String> params, String subject) {}

  private record Answer(int status, String contentType, JsonNode problem, String body) {}

  private Answer call(Operation op, Cell cell) throws Exception {
    String path = op.path();
    for (var e : cell.params().entrySet()) {
      path = path.replace("{" + e.getKey() + "}", URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    path += QUERIES.getOrDefault(op.toString(), "");
    String body = BODIES.get(op.toString());
    if (body == null && op.jsonBody()) {
      body = "{}";
    }
    if (body != null) {
      body = body.replace("{subject}", cell.subject()).replace("{n}", String.valueOf(System.nanoTime()))
          .replace("{until}", Instant.now().plus(Duration.ofDays(1)).toString());
    }
    HttpResponse<String> r = callers.send(cell.caller(), op.method(), path, body);
    String type = r.headers().firstValue("Content-Type").orElse("");
    JsonNode problem = null;
    if (type.startsWith("application/problem+json")) {
      problem = json.readTree(r.body());
    }
    return new Answer(r.statusCode(), type, problem, r.body());
  }

  @Test
  void everyOperationAnswersEveryKindOfCallerAsItsRouteSays() throws Exception {
    List<String> failures = new ArrayList<>();
    int cells = 0;
    for (Operation op : callers.operations()) {
      World w = new World(op);
      List<Cell> list = cells(op, w);
      for (Cell cell : list) {
        String where = op + " as " + cell.what();
        KnownHole hole = KNOWN_HOLES.stream().filter(h -> h.operation().equals(op.toString()) && h.cells().test(cell)).findFirst().orElse(null);
        if (hole != null) {
          Answer a = call(op, cell);
          System.out.println("AuthorizationMatrixTest: known hole, skipped " + where + " — " + hole.defect()
              + (judge(op, cell, a, w) == null ? " (it now answers rightly: remove the exclusion)" : ""));
          continue;
        }
        cells++;
        Answer a = call(op, cell);
        String verdict = judge(op, cell, a, w);
        if (verdict != null) {
          failures.add(where + ": " + verdict + " — got " + a.status() + " " + a.contentType() + " " + abbreviate(a.body()));
        }
      }
    }
    System.out.println("AuthorizationMatrixTest: " + cells + " cells");
    assertThat(failures).as("cells that answered wrongly").isEmpty();
  }

  /** The cells of an operation, in an order where ending something (the own-data cells) comes last. */
  private List<Cell> cells(Operation op, World w) {
    List<Cell> out = new ArrayList<>();
    Map<String, String> own = w.own;
    String subject = w.a.id();
    String noLink = "00000000-0000-0000-0000-000000000000";
    String ownedSlot = op.params().stream().map(p -> slot(op, p)).filter(OWNED::contains).findFirst().orElse(null);
    boolean link = ownedSlot != null;
    String what = ownedSlot == null ? "" : Map.of("link", "link", "consent", "consent", "request", "consent request").get(ownedSlot);
    out.add(new Cell("no credential", Scope.PLAIN, callers.none, own, subject));
    out.add(new Cell("a garbage bearer credential", Scope.PLAIN, callers.garbageBearer, own, subject));
    out.add(new Cell("a garbage session", Scope.PLAIN, callers.garbageSession, own, subject));
    out.add(new Cell("a partner", Scope.PLAIN, callers.partner, own, subject));
    // staff see a person's data only under a grant, and these hold none: the person is someone else's to them
    boolean staffOnAPerson = op.callers().contains("staff") && aboutAPerson(op);
    callers.staff.forEach((role, token) -> {
      out.add(new Cell(token.label() + (staffOnAPerson ? " without a grant, on a person" : ""), staffOnAPerson ? Scope.FOREIGN : Scope.PLAIN, token, own, subject));
      if (staffOnAPerson) {
        out.add(new Cell(token.label() + " on an unknown person", Scope.UNKNOWN, token, replaced(op, own, "subject", UNKNOWN), UNKNOWN));
      }
    });
    // another's data, then an unknown id, for the callers that are scoped to their own
    if (op.callers().contains("service") && aboutAPerson(op)) {
      out.add(new Cell("another service on the person's data", Scope.FOREIGN, callers.otherService, own, subject));
      out.add(new Cell("another service on an unknown person", Scope.UNKNOWN, callers.otherService, replaced(op, own, "subject", UNKNOWN), UNKNOWN));
      if (link) {
        out.add(new Cell("the service on another person's " + what, Scope.FOREIGN, callers.owner, ownedOf(op, own, ownedSlot, w.b), subject));
        out.add(new Cell("the service on an unknown " + what, Scope.UNKNOWN, callers.owner, replaced(op, own, ownedSlot, noLink), subject));
      }
    }
    if (op.callers().contains("subject")) {
      if (link) {
        out.add(new Cell("another person on the person's " + what, Scope.FOREIGN, w.b.session(), own, subject));
        out.add(new Cell("another person on an unknown " + what, Scope.UNKNOWN, w.b.session(), replaced(op, own, ownedSlot, noLink), subject));
      }
    } else {
      out.add(new Cell("another person", Scope.PLAIN, w.b.session(), own, subject));
    }
    if (op.callers().contains("subject") && !op.method().equals("GET")) {
      Credential noCsrf = new Credential("the person without the CSRF token", Map.of("Cookie", w.a.session().headers().get("Cookie")));
      out.add(new Cell(noCsrf.label(), Scope.PLAIN, noCsrf, own, subject));
    }
    out.add(new Cell("the person's own service", aboutAPerson(op) ? Scope.OWN : Scope.PLAIN, callers.owner, own, subject));
    out.add(new Cell("the person", aboutAPerson(op) || op.callers().contains("subject") ? Scope.OWN : Scope.PLAIN, w.a.session(), own, subject));
    return out;
  }

  /** A partner link, consent or consent request of {@code person}. */
  private String owned(String slot, Person person) throws Exception {
    return switch (slot) {
      case "link" -> callers.link(person);
      case "consent" -> callers.consent(person);
      case "request" -> callers.consentRequest(person);
      default -> throw new AssertionError("nothing of a person's is named " + slot);
    };
  }

  private Map<String, String> ownedOf(Operation op, Map<String, String> own, String slot, Person other) {
    try {
      return replaced(op, own, slot, owned(slot, other));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, String> replaced(Operation op, Map<String, String> own, String slot, String value) {
    Map<String, String> m = new LinkedHashMap<>(own);
    for (String p : op.params()) {
      if (slot(op, p).equals(slot)) {
        m.put(p, value);
      }
    }
    return m;
  }

  /** What is wrong with an answer, or null. */
  private String judge(Operation op, Cell cell, Answer a, World w) throws Exception {
    if (a.status() >= 500) {
      return "a server error";
    }
    if (a.status() >= 400 && op.path().startsWith("/api/") && a.problem() == null) {
      return "an error that is not application/problem+json";
    }
    if (op.isPublic()) {
      return null; // what a public operation asks for (a session for the account forms, a password for signing in) is its own business
    }
    Credential c = cell.caller();
    if (c == callers.none || c == callers.garbageBearer || c == callers.garbageSession) {
      return a.status() == 401 && "/problems/unauthorized".equals(type(a)) ? null : "expected 401 /problems/unauthorized";
    }
    if (cell.what().equals("the person without the CSRF token")) {
      return a.status() == 403 && "/problems/csrf".equals(type(a)) ? null : "expected 403 /problems/csrf for a change without the session's CSRF token";
    }
    String kind = kind(c, w);
    boolean allowed = op.callers().contains(kind)
        && (!kind.equals("staff") || op.staffRoles().isEmpty() || op.staffRoles().stream().anyMatch(r -> callers.staff.get(r) == c));
    if (!allowed) {
      return a.status() == 403 && "/problems/forbidden".equals(type(a)) ? null : "expected 403 /problems/forbidden for a " + kind + " here";
    }
    if (a.status() == 401 || a.status() == 403 && List.of("/problems/forbidden", "/problems/csrf").contains(type(a))) {
      return "an allowed caller was refused";
    }
    // staff are decided on their grants before the person is looked up: without a grant, the same denial for anyone
    boolean deniedStaff = kind.equals("staff") && a.status() == 403 && "/problems/policy-denied".equals(type(a));
    if (cell.scope() == Scope.UNKNOWN) {
      return a.status() == 404 || deniedStaff ? null : "expected 404 for an unknown id";
    }
    if (cell.scope() == Scope.FOREIGN) {
      if (a.status() / 100 == 2) {
        return "another's data was served";
      }
      String ownedSlot = op.params().stream().map(p -> slot(op, p)).filter(OWNED::contains).findFirst().orElse(null);
      boolean aboutOwned = ownedSlot != null && (cell.what().contains("link") || cell.what().contains("consent"));
      Cell unknown = aboutOwned
          ? new Cell("", Scope.UNKNOWN, c, replaced(op, cell.params(), ownedSlot, "00000000-0000-0000-0000-000000000000"), cell.subject())
          : new Cell("", Scope.UNKNOWN, c, replaced(op, cell.params(), "subject", UNKNOWN), UNKNOWN);
      Answer u = call(op, unknown);
      if (a.status() != 404 && !deniedStaff || !same(a, u, cell, unknown)) {
        return "another's data must answer exactly as an unknown id (" + u.status() + " " + abbreviate(u.body()) + ")";
      }
    }
    if (cell.scope() == Scope.OWN && aboutAPerson(op) && a.status() == 404) {
      return "the caller's own data was not found: the fixture is wrong, so the 404 of another's data proves nothing";
    }
    return null;
  }

  /** The two problems are the same apart from their request ids and the ids that were asked for. */
  private static boolean same(Answer a, Answer b, Cell ca, Cell cb) {
    if (a.problem() == null || b.problem() == null || a.status() != b.status()) {
      return false;
    }
    return strip(a.problem(), ca).equals(strip(b.problem(), cb));
  }

  private static String strip(JsonNode problem, Cell cell) {
    ObjectNode p = problem.deepCopy();
    p.remove("instance");
    String s = p.toString();
    for (String v : cell.params().values()) {
      s = s.replace(v, "<id>");
    }
    return s.replace(cell.subject(), "<id>");
  }

  private String kind(Credential c, World w) {
    if (c == callers.owner || c == callers.otherService) {
      return "service";
    }
    if (c == callers.partner) {
      return "partner";
    }
    if (callers.staff.containsValue(c)) {
      return "staff";
    }
    if (c == w.a.session() || c == w.b.session()) {
      return "subject";
    }
    throw new AssertionError("unknown caller " + c.label());
  }

  private static String type(Answer a) {
    return a.problem() == null ? null : a.problem().path("type").asText();
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 240 ? one.substring(0, 240) + "…" : one.toLowerCase(Locale.ROOT).contains("<html") ? "(an HTML page)" : one;
  }
}
