package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.subjects.Passwords;
import com.plenary.privacy.server.internal.UnsubscribeTokens;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Credentials of every kind of caller for a running server, minted the way operators and people get
 * them: service and partner keys issued by the store (as {@code plenary service add} does), staff tokens
 * of the local issuer (as {@code plenary staff token} does), and people registered over HTTP by a
 * service with a session of their own (the cookie and CSRF token sign-in gives). Plus the resources
 * the endpoints' path parameters name: partner links, consents, consent requests, grants, review reports.
 */
final class Callers {
  /** The headers a caller sends; empty for no credential. */
  record Credential(String label, Map<String, String> headers) {
    String[] asArray() {
      return headers.entrySet().stream().flatMap(e -> Stream.of(e.getKey(), e.getValue())).toArray(String[]::new);
    }
  }

  /** A person registered by the service {@code shop}, with a session. */
  record Person(String id, String email, Credential session) {}

  static final String OWNER_SERVICE = "shop";
  static final String OTHER_SERVICE = "mail";

  private static final AtomicLong SEQUENCE = new AtomicLong();
  private final ObjectMapper json = new ObjectMapper();
  final Running running;
  final Credential none = new Credential("no credential", Map.of());
  final Credential garbageBearer = new Credential("a garbage bearer credential", Map.of("Authorization", "Bearer pls_not-a-key-0000000000000000000000000000000"));
  final Credential garbageSession = new Credential("a garbage session cookie", Map.of("Cookie", "pl_session=not-a-session-0000000000", "X-CSRF-Token", "not-a-token"));
  final Credential owner;
  final Credential otherService;
  final Credential partner;
  /** Staff tokens by role; the key "" is a member with no role at all. */
  final Map<String, Credential> staff = new LinkedHashMap<>();
  final String staffMemberId;
  /** The support member {@link #staffMemberId}'s own token: they ask for grants. */
  final Credential staffMember;
  /** Staff members' ids by role, as {@link #staff}. */
  final Map<String, String> staffIds = new LinkedHashMap<>();
  /** A second member of the legal team: the creator of the legal requests the tests approve (approval is never by the creator). */
  final Credential secondLegal;

  Callers(Running running) throws Exception {
    this.running = running;
    var keys = running.platform.store().credentials();
    owner = bearer("service " + OWNER_SERVICE + " (the person's)", keys.issue(Credentials.Kind.SERVICE, OWNER_SERVICE).key());
    otherService = bearer("service " + OTHER_SERVICE + " (another service)", keys.issue(Credentials.Kind.SERVICE, OTHER_SERVICE).key());
    partner = bearer("partner acme-ads", keys.issue(Credentials.Kind.PARTNER, "acme-ads").key());
    staff.put("", staffToken("Nora None", List.of()));
    for (var role : running.platform.policy().staffRoles()) {
      staff.put(role.id(), staffToken("Staff " + role.id(), List.of(role.id())));
    }
    staffMemberId = running.platform.vault().staff().add("Sam Support", "employee", List.of("support"), Instant.now()).id();
    staffMember = bearer("staff member Sam Support", running.platform.issuer().issue(staffMemberId, Duration.ofMinutes(30)));
    secondLegal = staffToken("Lena Legal", List.of("legal"));
  }

  private static Credential bearer(String label, String key) {
    return new Credential(label, Map.of("Authorization", "Bearer " + key));
  }

  private Credential staffToken(String name, List<String> roles) {
    var member = running.platform.vault().staff().add(name, "employee", roles, Instant.now());
    staffIds.put(roles.isEmpty() ? "" : roles.get(0), member.id());
    String label = roles.isEmpty() ? "staff with no role" : "staff " + String.join(",", roles);
    return bearer(label, running.platform.issuer().issue(member.id(), Duration.ofMinutes(30)));
  }

  /** Registers a person through the API as {@link #OWNER_SERVICE} and gives them a session. */
  Person person() throws Exception {
    long n = SEQUENCE.incrementAndGet();
    String email = "p" + n + "." + System.nanoTime() + "@example.org";
    HttpResponse<String> r = send(owner, "POST", "/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Person " + n + "\",\"address\":\"" + n + " Test Road\"}}");
    assertThat(r.statusCode()).as("registering a person: %s", r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    var session = running.platform.vault().startSession(id);
    return new Person(id, email, new Credential("person " + id, Map.of("Cookie", "pl_session=" + session.getKey(), "X-CSRF-Token", session.getValue().csrf())));
  }

  /** A partner link of {@code person}, made by the owner service. */
  String link(Person person) throws Exception {
    HttpResponse<String> r = send(owner, "POST", "/api/v1/subjects/" + person.id() + "/partner-links",
        "{\"partner\":\"acme-ads\",\"identifier\":\"acme-" + SEQUENCE.incrementAndGet() + "\",\"purpose\":\"improve\"}");
    assertThat(r.statusCode()).as("linking: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** A consent {@code person} gave in their own session, for the purpose {@code improve}. */
  String consent(Person person) throws Exception {
    HttpResponse<String> r = send(person.session(), "POST", "/api/v1/me/consents", "{\"purpose\":\"improve\"}");
    assertThat(r.statusCode()).as("consenting: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /**
   * A request for {@code person}'s consent to the purpose {@code develop}, made by the owner service and
   * waiting for their answer: a new one, or the one waiting already (the service may not ask twice).
   */
  String consentRequest(Person person) throws Exception {
    HttpResponse<String> r = send(owner, "POST", "/api/v1/subjects/" + person.id() + "/consent-requests",
        "{\"purpose\":\"develop\",\"reason\":\"A new feature, request " + SEQUENCE.incrementAndGet() + ".\"}");
    if (r.statusCode() == 409) {
      for (JsonNode waiting : json.readTree(send(person.session(), "GET", "/api/v1/me/consent-requests", null).body()).get("consent_requests")) {
        if (waiting.get("status").asText().equals("pending") && waiting.get("purpose").asText().equals("develop") && waiting.get("recipient").isNull()) {
          return waiting.get("id").asText();
        }
      }
    }
    assertThat(r.statusCode()).as("asking for consent: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /**
   * A working link to reset {@code person}'s forgotten password, as the mail to them carries it: a new
   * one, or the one made for them already (a second is not mailed within a minute).
   */
  String resetToken(Person person) {
    return resetTokens.computeIfAbsent(person.id(), id -> {
      AtomicReference<String> token = new AtomicReference<>();
      running.platform.domain().passwords().requestReset(person.email(), Duration.ofHours(1), t -> {
        token.set(t);
        return new Passwords.Mail("Choose a new password", "Open /account/reset/" + t);
      }, "rq-fixture");
      assertThat(token.get()).as("a reset link for a person just registered").isNotNull();
      return token.get();
    });
  }

  private final Map<String, String> resetTokens = new ConcurrentHashMap<>();

  /** The one-click unsubscribe token of {@code person}'s service messages, as a message to them carries it. */
  String unsubscribeToken(Person person) {
    return UnsubscribeTokens.open(running.platform.config().keyDir()).token(person.id(), Kind.SERVICE);
  }

  /** A grant in force for the support member, given by the privacy officer. */
  String grant() throws Exception {
    String until = Instant.now().plus(Duration.ofDays(1)).toString();
    HttpResponse<String> r = send(staff.get("privacy-officer"), "POST", "/api/v1/staff/" + staffMemberId + "/grants",
        "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"" + until + "\"}");
    assertThat(r.statusCode()).as("granting: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** A grant request of the support member's own, waiting for a privacy officer (C32). */
  String grantRequest() throws Exception {
    String until = Instant.now().plus(Duration.ofDays(1)).toString();
    HttpResponse<String> r = send(staffMember, "POST", "/api/v1/grant-requests",
        "{\"role\":\"support\",\"categories\":[\"user.contact\"],\"purposes\":[\"communicate.respond\"],\"until\":\"" + until
            + "\",\"justification\":\"To answer a complaint\"}");
    assertThat(r.statusCode()).as("asking for a grant: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** An open incident (C33): the staff member with no role tried to read a person, and the policy denied it. */
  String incident() throws Exception {
    Person p = person();
    HttpResponse<String> r = send(staff.get(""), "GET", "/api/v1/subjects/" + p.id() + "?purpose=provide", null);
    assertThat(r.statusCode()).as("a denied read: %s", r.body()).isEqualTo(403);
    return running.platform.domain().incidents().list(new IncidentRecords.Filter("open", "denied", staffIds.get(""), null, null, 1)).get(0).id();
  }

  /** A break-glass opening by the privacy officer on {@code person}, which opens an incident (C33); answers its id. */
  String breakGlass(Person person) throws Exception {
    HttpResponse<String> r = send(staff.get("privacy-officer"), "POST", "/api/v1/break-glass", "{\"subject\":\"" + person.id()
        + "\",\"role\":\"privacy-officer\",\"categories\":[\"user.contact\"],\"purpose\":\"protect\",\"minutes\":30,\"justification\":\"Abuse reported\"}");
    assertThat(r.statusCode()).as("breaking the glass: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** The recipient the policy names as a processor, given an agreement version by the privacy officer; answers its id. */
  String recipientWithAnAgreement() throws Exception {
    HttpResponse<String> r = send(staff.get("privacy-officer"), "POST", "/api/v1/recipients/carrier/agreements",
        "{\"categories\":[\"user.contact\"],\"purposes\":[\"communicate\"],\"start\":\"2026-01-01\",\"end\":\"2027-12-31\","
            + "\"our_signatory\":\"A\",\"their_signatory\":\"B\",\"confidentiality\":\"kept\",\"security\":\"sealed\",\"data_centres\":[\"fra-1\"]}");
    assertThat(r.statusCode()).as("recording an agreement: %s", r.body()).isEqualTo(201);
    return "carrier";
  }

  /**
   * A legal request about {@code person}'s contact data, created by the second member of the legal team;
   * approved by the first when {@code approved}.
   */
  String legalRequest(Person person, boolean approved) throws Exception {
    HttpResponse<String> r = send(secondLegal, "POST", "/api/v1/legal-requests", "{\"ground\":\"a\",\"authority\":\"District Court\","
        + "\"reference\":\"AZ " + SEQUENCE.incrementAndGet() + "\",\"justification\":\"A court order\",\"subject_ids\":[\"" + person.id() + "\"],"
        + "\"categories\":[\"user.contact\"],\"deadline\":\"2099-12-31\"}");
    assertThat(r.statusCode()).as("recording a legal request: %s", r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    if (approved) {
      HttpResponse<String> a = send(staff.get("legal"), "POST", "/api/v1/legal-requests/" + id + "/approve", null);
      assertThat(a.statusCode()).as("approving a legal request: %s", a.body()).isEqualTo(200);
    }
    return id;
  }

  /** Defines (or adds a version of) the template {@code name}, by the privacy officer: "Hi {{who}}", to the person's {{name}}. */
  void template(String name) throws Exception {
    HttpResponse<String> r = send(staff.get("privacy-officer"), "POST", "/api/v1/message-templates",
        "{\"name\":\"" + name + "\",\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi {{who}}\",\"body\":\"Hello {{name}}.\"}");
    assertThat(r.statusCode()).as("defining a template: %s", r.body()).isEqualTo(201);
  }

  /** Saves the owner service's audience {@code name} holding {@code person}. */
  void audience(String name, Person person) throws Exception {
    HttpResponse<String> r = send(owner, "POST", "/api/v1/audiences", "{\"name\":\"" + name + "\",\"subject_ids\":[\"" + person.id() + "\"]}");
    assertThat(r.statusCode()).as("saving an audience: %s", r.body()).isEqualTo(201);
  }

  /** A review report made by the privacy officer (so an auditor may sign it off). */
  String review() throws Exception {
    HttpResponse<String> r = send(staff.get("privacy-officer"), "POST", "/api/v1/reviews", null);
    assertThat(r.statusCode()).as("making a review: %s", r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  /** Sends a request as {@code caller}; a non-null body goes as application/json. */
  HttpResponse<String> send(Credential caller, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(running.uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    caller.headers().forEach(b::header);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return running.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The operations of the OpenAPI document the server serves, each with the callers it names. */
  List<Operation> operations() throws Exception {
    HttpResponse<String> r = running.get("/openapi.json");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode paths = json.readTree(r.body()).get("paths");
    List<Operation> out = new ArrayList<>();
    paths.properties().forEach(p -> p.getValue().properties().forEach(m -> {
      JsonNode op = m.getValue();
      assertThat(op.has("x-callers")).as("%s %s names its callers", m.getKey(), p.getKey()).isTrue();
      List<String> callers = new ArrayList<>();
      op.get("x-callers").forEach(c -> callers.add(c.asText()));
      List<String> roles = new ArrayList<>();
      op.get("x-staff-roles").forEach(c -> roles.add(c.asText()));
      out.add(new Operation(m.getKey().toUpperCase(Locale.ROOT), p.getKey(), List.copyOf(callers), List.copyOf(roles), op.has("requestBody")));
    }));
    assertThat(out).hasSizeGreaterThan(20);
    return out;
  }

  /** One operation of the document: method, path template, caller kinds (empty: public), staff roles (empty: any), whether it takes JSON. */
  record Operation(String method, String path, List<String> callers, List<String> staffRoles, boolean jsonBody) {
    boolean isPublic() {
      return callers.isEmpty();
    }

    List<String> params() {
      List<String> out = new ArrayList<>();
      var m = Pattern.compile("\\{(\\w+)}").matcher(path);
      while (m.find()) {
        out.add(m.group(1));
      }
      return out;
    }

    @Override
    public String toString() {
      return method + " " + path;
    }
  }
}
