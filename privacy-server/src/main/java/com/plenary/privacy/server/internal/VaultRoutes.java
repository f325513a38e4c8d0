package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.ConsentRecords;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.AuditLog;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.net.URI;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The personal-data endpoints: registration and purpose-bound reads by services, and the person's
 * own access, correction, export, consents and erasure. Each handler goes through the vault, which
 * decides and audits; a denial becomes a 403 problem naming the clauses and rules that decided.
 */
public final class VaultRoutes {
  public static final String SESSION_COOKIE = "pl_session";

  private final Platform platform;
  private final ObjectMapper json;
  private final JsonBodies bodies;
  private final RegionForwarding forwarding;

  public VaultRoutes(Platform platform, ObjectMapper json, JsonBodies bodies, RegionForwarding forwarding) {
    this.forwarding = forwarding;
    this.platform = platform;
    this.json = json;
    this.bodies = bodies;
  }

  // ---- the bodies (the policy judges the names in them: fields, purposes, recipients, regions) ----

  /** A registration by a service: the person's fields, and what they chose in the service's form. */
  record RegisterBody(
      @JsonBodies.Max(100) @JsonBodies.Example("{\"email\": \"ada@example.org\", \"name\": \"Ada\", \"address\": \"1 Analytical Way\"}")
      Map<String, Object> fields,
      @JsonBodies.Optional @JsonBodies.Max(200) String password,
      @JsonBodies.Optional @JsonBodies.Max(200) String region,
      @JsonBodies.Optional @JsonBodies.Max(32) List<GivenConsent> consents) {}

  /** A consent the person gave in the service's registration form, with the SHA-256 of the text they were shown (C19). */
  record GivenConsent(
      @JsonBodies.Max(200) @JsonBodies.Example("\"improve\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(200) String recipient,
      @JsonProperty("shown_sha256") @JsonBodies.Max(64) String shownSha256) {}

  /** A correction: the fields to set. */
  record CorrectBody(@JsonBodies.Max(100) @JsonBodies.Example("{\"name\": \"Ada\"}") Map<String, Object> fields) {}

  /** A message or posted content to retain for a purpose (C11). */
  record ContentBody(
      @JsonBodies.Max(32) @JsonBodies.Example("\"message\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"communicate.respond\"") String purpose,
      @JsonBodies.Max(100_000) String text) {}

  /** A consent given ({@code granted} true, null or left out) or withdrawn ({@code false}). */
  record ConsentBody(
      @JsonBodies.Max(200) @JsonBodies.Example("\"improve\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(200) String recipient,
      @JsonBodies.Optional Boolean granted) {}

  /** A person's sign-in. */
  record SignInBody(@JsonBodies.Max(320) String email, @JsonBodies.Max(1000) String password) {}

  /**
   * A sign-in made at another region's node, as that node forwards it: the address of the person's browser
   * counts in the throttle here. Without a password: is the address held here? With {@code count: "yes"}
   * (and no password): count a failure of an address that no region holds, this region being where it is counted.
   */
  record SignInThere(
      @JsonBodies.Max(320) String email,
      @JsonBodies.Optional @JsonBodies.Max(1000) String password,
      @JsonBodies.Max(64) String address,
      @JsonBodies.Optional @JsonBodies.Max(3) String count) {}

  // ---- the answers ----

  /** A person registered: the fields stored and declined, and the services they cannot use yet (C22). */
  record Registered(String id, List<String> stored, List<String> declined, List<Unavailable> unavailable) {
    static Registered of(Subjects.Registered r) {
      return new Registered(r.id(), r.stored(), r.declined(), Unavailable.of(r.unavailable()));
    }
  }

  /** A service the person cannot use without the fields it requires (C22). */
  record Unavailable(String service, List<String> missing) {
    static List<Unavailable> of(List<Subjects.Unavailable> all) {
      return all.stream().map(u -> new Unavailable(u.service(), u.missing())).toList();
    }
  }

  /** A purpose-bound read: the permitted fields, the names of those withheld, and the decision (C14). */
  record Read(String id, String purpose, Map<String, String> fields, List<String> withheld, DecisionSummary decision) {}

  /** What decided, in short. */
  record DecisionSummary(String effect, List<String> rules, List<String> clauses) {
    static DecisionSummary of(Decision d) {
      return new DecisionSummary(d.effect().name().toLowerCase(Locale.ROOT), d.rules(), d.clauses());
    }
  }

  /** The names of the fields a correction set (C35). */
  record Corrected(List<String> corrected) {}

  /** A message or posted content retained. */
  record Retained(String id) {}

  /** A consent as the API and the export show it (C19, C24). */
  record Consent(
      String id,
      String purpose,
      @Schemas.Nullable String recipient,
      @JsonProperty("policy_version") int policyVersion,
      @JsonProperty("granted_by") String grantedBy,
      @JsonProperty("granted_at") Instant grantedAt,
      @JsonProperty("withdrawn_at") @Schemas.Nullable Instant withdrawnAt,
      @Schemas.Nullable String channel,
      @JsonProperty("shown_sha256") @Schemas.Nullable String shownSha256) {
    static Consent of(ConsentRecords.Consent c) {
      return new Consent(c.id(), c.purpose(), c.recipient(), c.policyVersion(), c.grantedBy(), c.grantedAt(), c.withdrawnAt(), c.channel(), c.shownSha256());
    }
  }

  /** A person's consents, oldest first, withdrawn ones included. */
  record Consents(List<Consent> consents) {
    static Consents of(List<ConsentRecords.Consent> all) {
      return new Consents(all.stream().map(Consent::of).toList());
    }
  }

  /** How many consents a withdrawal ended. */
  record Withdrawn(int withdrawn) {}

  /** A session begun: the person, the CSRF token their changes carry, and when it ends. */
  record SignedIn(String subject, String csrf, @JsonProperty("expires_at") Instant expiresAt) {}

  /** The person's own view of their data (C34). */
  record Me(String id, Map<String, String> fields, List<String> services, List<Unavailable> unavailable, List<PersonRequest> requests) {}

  /** A request of the person's (export, correction, erasure), with its deadline and when it was served. */
  record PersonRequest(
      String kind,
      @JsonProperty("requested_at") Instant requestedAt,
      Instant deadline,
      @JsonProperty("served_at") @Schemas.Nullable Instant servedAt) {
    static PersonRequest of(Map<String, Object> described) {
      return new PersonRequest((String) described.get("kind"), (Instant) described.get("requested_at"), (Instant) described.get("deadline"),
          (Instant) described.get("served_at"));
    }
  }

  /** An erasure done: the person's id and how many records of each kind went. */
  record Erasure(String erased, Map<String, Integer> counts) {}

  /** Everything held about the person (C34): a document whose parts the domain decides, so open-ended here. */
  record Export(@JsonValue Map<String, Object> document) {}

  /** The newest audit entries. */
  record AuditEntries(List<AuditEntry> entries) {}

  /**
   * One audit entry, its property names as the trail has always been served (camelCase, unlike the
   * rest of the API); {@code seq} is 0 and the hashes null until the entry is sealed (C29).
   */
  record AuditEntry(
      long seq, Instant at, String actorKind, String actorId, String action, String purpose, @Schemas.Nullable String subject,
      List<String> categories, String effect, List<String> rules, List<String> clauses, @Schemas.Nullable String requestId,
      @Schemas.Nullable String prevHash, @Schemas.Nullable String hash) {
    static AuditEntry of(AuditLog.Entry e) {
      return new AuditEntry(e.seq(), e.at(), e.actorKind(), e.actorId(), e.action(), e.purpose(), e.subject(), e.categories(), e.effect(), e.rules(),
          e.clauses(), e.requestId(), e.prevHash(), e.hash());
    }
  }

  /** The audit chain checked end to end (C29), its property names as it has always been served. */
  record ChainCheck(boolean intact, long entries, long firstBrokenSeq, @Schemas.Nullable String detail) {}

  /** A consent given is answered 201 with the consent, a withdrawal 200 with how many it ended. */
  private static final Map<Integer, List<Class<? extends Record>>> GIVEN_OR_WITHDRAWN = Map.of(201, List.of(Consent.class), 200, List.of(Withdrawn.class));

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    Set<Caller.Kind> serviceOrStaff = EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF);
    Set<Caller.Kind> person = EnumSet.of(Caller.Kind.SUBJECT);
    return List.of(
        new Route("post", "/api/v1/subjects", "subjects", "Register a person for the calling service (C2, C18, C22)", service, Set.of(), List.of(201), RegisterBody.class,
            Route.json(201, Registered.class), this::register),
        new Route("get", "/api/v1/subjects/{id}", "subjects", "Read a person's fields for a purpose (query: purpose, fields); only permitted fields come back (C14)", serviceOrStaff, Set.of(), List.of(200), null,
            Route.json(200, Read.class), this::read),
        new Route("patch", "/api/v1/subjects/{id}", "subjects", "Correct a person's fields (C35)", service, Set.of(), List.of(200), CorrectBody.class, Route.json(200, Corrected.class), this::correctSubject),
        new Route("post", "/api/v1/subjects/{id}/content", "subjects", "Retain a message or posted content for a purpose (C11)", service, Set.of(), List.of(201), ContentBody.class,
            Route.json(201, Retained.class), this::content),
        new Route("get", "/api/v1/subjects/{id}/consents", "consents", "A person's consents", service, Set.of(), List.of(200), null, Route.json(200, Consents.class), this::subjectConsents),
        // only the person gives a consent: a service's grant is refused (403), so its success is a withdrawal
        new Route("post", "/api/v1/subjects/{id}/consents", "consents", "Withdraw a consent on the person's behalf; a grant by a service is refused (C19, C24)", service,
            Set.of(), List.of(200), ConsentBody.class, Route.json(200, Withdrawn.class), this::subjectConsent),
        Route.publicPost("/api/v1/session", "people", "Sign in with email and password; sets the session cookie (C6)", SignInBody.class, SignedIn.class, this::signIn),
        Route.publicPost(RegionForwarding.SIGN_IN_PATH, "people", "A sign-in made at another region's node, checked here in the person's home region; "
            + "for the regions' nodes only, signed with their shared secret (C6, C13)", SignInThere.class, RegionForwarding.HandOff.class, this::signInForAnotherRegion),
        new Route("delete", "/api/v1/session", "people", "Sign out", person, Set.of(), List.of(204), null, Route.NO_JSON, this::signOut),
        new Route("get", "/api/v1/me", "people", "My data: fields, services, what is unavailable (C34)", person, Set.of(), List.of(200), null, Route.json(200, Me.class), this::me),
        new Route("patch", "/api/v1/me", "people", "Correct my data (C35); needs X-CSRF-Token", person, Set.of(), List.of(200), CorrectBody.class, Route.json(200, Corrected.class), this::correctMe),
        new Route("delete", "/api/v1/me", "people", "Erase me: my data key is destroyed and my data deleted; needs X-CSRF-Token", person, Set.of(), List.of(200), null,
            Route.json(200, Erasure.class), this::eraseMe),
        new Route("get", "/api/v1/me/export", "people", "Everything held about me, as JSON (C34)", person, Set.of(), List.of(200), null, Route.json(200, Export.class), this::export),
        new Route("get", "/api/v1/me/consents", "people", "My consents", person, Set.of(), List.of(200), null, Route.json(200, Consents.class), this::myConsents),
        new Route("post", "/api/v1/me/consents", "people", "Give or withdraw a consent (C19, C24); needs X-CSRF-Token", person, Set.of(), List.of(201, 200), ConsentBody.class,
            GIVEN_OR_WITHDRAWN, this::myConsent),
        new Route("get", "/api/v1/audit", "audit", "The newest audit entries, newest first (query: limit, before; search by subject, actor, action, rule, effect, since, until), "
            + "or the sealed ones in sequence order after a sequence number (query: after, limit) (C29)",
            EnumSet.of(Caller.Kind.STAFF), Set.of("auditor", "privacy-officer"), List.of(200), null,
            Route.json(200, AuditEntries.class), this::audit),
        new Route("get", "/api/v1/audit/verify", "audit", "Check the audit chain end to end (C29)", EnumSet.of(Caller.Kind.STAFF), Set.of("auditor", "privacy-officer"), List.of(200, 409), null,
            Route.json(200, ChainCheck.class), this::verify));
  }

  // ---- services ----

  private void register(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    RegisterBody body = bodies.read(ctx, RegisterBody.class);
    List<Subjects.GivenAtRegistration> given = body.consents() == null ? List.of()
        : body.consents().stream().map(c -> new Subjects.GivenAtRegistration(c.purpose(), c.recipient(), c.shownSha256())).toList();
    // an address registered already answers as a new one does (no oracle); its owner, not the caller, is told
    var out = platform.domain().subjects().register(access(ctx), caller.name(), body.fields(), body.password(), body.region(), given, true);
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    if (out.value().addressInUse()) {
      // in the language of the address's owner where they gave one (and there is a translation), else the request's, else English
      Texts browser = Texts.of(ctx);
      var service = platform.policy().service(caller.name());
      platform.domain().messages().notice(null, String.valueOf(body.fields().get("email")), Kind.TRANSACTIONAL, language -> {
        Texts t = language == null ? browser : Texts.of(language);
        String name = t.policy("service", service.id(), service.text());
        return new Messages.Text(t.format("mail.taken-by-service.subject", name), t.format("mail.taken-by-service.body", name));
      }, ctx.attribute("request-id"));
    }
    ctx.status(201).header("Location", "/api/v1/subjects/" + out.value().id()).json(Registered.of(out.value()));
  }

  private void read(Context ctx) {
    String purpose = ctx.queryParam("purpose");
    if (purpose == null || purpose.isBlank()) {
      throw new InvalidInputException("purpose", "name the purpose of the read: ?purpose=provide (C14)");
    }
    String fieldsParam = ctx.queryParam("fields");
    List<String> fields = fieldsParam == null || fieldsParam.isBlank() ? List.of() : List.of(fieldsParam.split(","));
    var out = platform.domain().subjects().read(access(ctx), ctx.pathParam("id"), purpose, fields);
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.json(new Read(ctx.pathParam("id"), purpose, out.value().values(), out.value().withheld(), DecisionSummary.of(out.decision())));
  }

  private void correctSubject(Context ctx) throws IOException {
    CorrectBody body = bodies.read(ctx, CorrectBody.class);
    var out = platform.domain().subjects().correct(access(ctx), ctx.pathParam("id"), body.fields());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.json(new Corrected(out.value()));
  }

  private void content(Context ctx) throws IOException {
    ContentBody body = bodies.read(ctx, ContentBody.class);
    var out = platform.domain().subjects().addContent(access(ctx), ctx.pathParam("id"), body.kind(), body.purpose(), body.text());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.status(201).json(new Retained(out.value()));
  }

  private void subjectConsents(Context ctx) {
    ctx.json(Consents.of(platform.domain().consents().of(access(ctx), ctx.pathParam("id"))));
  }

  private void subjectConsent(Context ctx) throws IOException {
    consent(ctx, ctx.pathParam("id"));
  }

  private void consent(Context ctx, String subject) throws IOException {
    ConsentBody body = bodies.read(ctx, ConsentBody.class);
    if (body.granted() == null || body.granted()) {
      ctx.status(201).json(Consent.of(platform.domain().consents().grant(access(ctx), subject, body.purpose(), body.recipient(), "api")));
    } else {
      ctx.json(new Withdrawn(platform.domain().consents().withdraw(access(ctx), subject, body.purpose(), body.recipient())));
    }
  }

  // ---- people ----

  private void signIn(Context ctx) throws IOException {
    SignInBody body = bodies.read(ctx, SignInBody.class);
    SignIn out = signIn(platform, forwarding, body.email(), body.password(), ctx.ip(), ctx.attribute("request-id"));
    if (out.retryAfter() > 0) {
      ctx.header("Retry-After", String.valueOf(out.retryAfter()));
      throw new HttpProblem(429, "too-many-attempts", "Too many attempts", "too many failed sign-ins; try again later");
    }
    if (out.there().isPresent()) {
      ctx.header("Location", out.there().get().toString());
      throw new HttpProblem(421, "another-region", "Your account is kept in another region",
          "continue at the address in Location within two minutes: it signs you in at your region's site", Map.of("location", out.there().get().toString()));
    }
    if (out.subject().isEmpty()) {
      throw HttpProblem.unauthorized("the email address or the password is not right");
    }
    CollectRoutes.attachBrowser(platform, ctx, out.subject().get());
    var session = platform.vault().startSession(out.subject().get());
    setSessionCookie(ctx, session.getKey(), (int) Vault.SESSION_LIFETIME.toSeconds());
    ctx.json(new SignedIn(out.subject().get(), session.getValue().csrf(), session.getValue().expiresAt()));
  }

  /** A sign-in's outcome: the person signed in here, or the address of their region's hand-off, or seconds to wait (429), or none of them (401). */
  record SignIn(Optional<String> subject, Optional<URI> there, long retryAfter) {}

  /**
   * Signs a person in, at whichever region holds their address (C6, issue 18), for the API and the
   * privacy center's form alike. A failed attempt counts once, in the throttle of the region that holds
   * the address: here when this region holds it (or when there is no other region to ask), else in the
   * home region, which the address and password are passed to, signed; nothing is counted here then. An
   * address that no region holds (or whose region did not answer) is counted here, after the other regions
   * were asked, so that it is throttled as a held address is: a 429 does not tell that an account exists. The password is checked here in either case, so that the work done here
   * does not tell whether the address is held here.
   */
  static SignIn signIn(Platform platform, RegionForwarding forwarding, String email, String password, String clientAddress, String requestId) {
    boolean here = !forwarding.signsInElsewhere() || platform.domain().subjects().signsInHere(email);
    var attempt = here ? platform.signInThrottle().reserve(email, clientAddress) : null;
    if (attempt != null && !attempt.admitted()) {
      return new SignIn(Optional.empty(), Optional.empty(), attempt.retryAfter());
    }
    Optional<String> subject = platform.domain().subjects().signIn(email, password, requestId);
    if (subject.isPresent()) {
      if (attempt != null) {
        attempt.succeeded();
      }
      return new SignIn(subject, Optional.empty(), 0);
    }
    // the person may live in another region: their region checks and counts it, and they continue there
    RegionForwarding.Elsewhere elsewhere = forwarding.signInElsewhere(email, password, clientAddress, requestId);
    if (elsewhere.there().isPresent() && attempt != null) {
      attempt.succeeded(); // the address here is another person's, whose failures this was not
    }
    if (attempt == null && elsewhere.there().isEmpty() && !elsewhere.throttled() && !elsewhere.counted()) {
      // no region holds the address (or none that answered): counted in the one region the address names, so that it gets as many tries in
      // all regions together as a held one does, and a 429 tells nothing; here when that region cannot be reached
      String counting = forwarding.countingRegion(email);
      RegionForwarding.Elsewhere there = counting.equals(platform.regions().here()) ? RegionForwarding.Elsewhere.NOWHERE
          : forwarding.countThere(counting, email, clientAddress, requestId);
      if (there.throttled()) {
        return new SignIn(Optional.empty(), Optional.empty(), there.retryAfter());
      }
      if (!there.counted()) {
        var counted = platform.signInThrottle().reserve(email, clientAddress);
        if (!counted.admitted()) {
          return new SignIn(Optional.empty(), Optional.empty(), counted.retryAfter());
        }
      }
    }
    return new SignIn(Optional.empty(), elsewhere.there(), elsewhere.throttled() ? elsewhere.retryAfter() : 0);
  }

  /**
   * Checks a sign-in that another region's node forwarded (issue 18), as a sign-in here is checked and
   * throttled; answers a single-use hand-off that the person's browser takes to {@link RegionForwarding#CONTINUE_PATH}.
   * An address not held here is refused (401) with nothing counted: it is another region's, or no one's.
   */
  private void signInForAnotherRegion(Context ctx) throws IOException {
    forwarding.require(ctx, "post " + RegionForwarding.SIGN_IN_PATH, "this endpoint serves the regions' nodes: a person signs in with POST /api/v1/session");
    SignInThere body = bodies.read(ctx, SignInThere.class);
    if (body.count() != null && !body.count().equals("yes")) {
      throw new InvalidInputException("count", "count is \"yes\" or absent");
    }
    String clientAddress = body.address() == null || body.address().isBlank() ? ctx.ip() : body.address();
    boolean held = platform.domain().subjects().signsInHere(body.email());
    if (body.count() != null) {
      // an address that no region holds, and this region is where its failures are counted: counted as a held address's are
      var attempt = platform.signInThrottle().reserve(body.email(), clientAddress);
      if (!attempt.admitted()) {
        ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
        throw new HttpProblem(429, "too-many-attempts", "Too many attempts", "too many failed sign-ins; try again later");
      }
      // the work of a password check, as the home region of a held address does it, so that the time taken does not tell the two apart
      platform.domain().subjects().signIn(body.email(), "no password is sent to count a failure", ctx.attribute("request-id"));
      ctx.header(RegionForwarding.COUNTED, "yes");
      throw HttpProblem.unauthorized("the email address or the password is not right");
    }
    if (body.password() == null) {
      // the first question, with no password: is the address held here? Nothing is counted; the password comes only if it is
      if (!held) {
        throw HttpProblem.unauthorized("the email address or the password is not right");
      }
      ctx.json(new RegionForwarding.HandOff(null, true));
      return;
    }
    var attempt = held ? platform.signInThrottle().reserve(body.email(), clientAddress) : null;
    if (attempt != null && !attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      throw new HttpProblem(429, "too-many-attempts", "Too many attempts", "too many failed sign-ins; try again later");
    }
    var subject = platform.domain().subjects().signIn(body.email(), body.password(), ctx.attribute("request-id"));
    if (subject.isEmpty() || attempt == null) {
      if (attempt != null) {
        ctx.header(RegionForwarding.COUNTED, "yes"); // to the asking node only: it counts nothing more
      }
      throw HttpProblem.unauthorized("the email address or the password is not right");
    }
    attempt.succeeded();
    ctx.json(new RegionForwarding.HandOff(platform.vault().handOff(subject.get()), true));
  }

  private void signOut(Context ctx) {
    platform.vault().endSession(ctx.cookie(SESSION_COOKIE));
    setSessionCookie(ctx, "", 0);
    ctx.status(204);
  }

  /** Sets the session cookie: HttpOnly, SameSite=Lax, Secure when served over TLS. */
  public static void setSessionCookie(Context ctx, String value, int maxAge) {
    Cookie cookie = new Cookie(SESSION_COOKIE, value, "/", maxAge, Requests.overHttps(ctx), true, null, SameSite.LAX);
    ctx.cookie(cookie);
  }

  private void me(Context ctx) {
    Caller caller = ctx.attribute("caller");
    var read = platform.domain().subjects().read(access(ctx), caller.id(), Vocabulary.PROVIDE, List.of());
    Map<String, String> fields = read.permitted() ? read.value().values() : Map.of();
    var account = platform.domain().subjects().account(access(ctx), caller.id());
    List<Unavailable> unavailable = Unavailable.of(platform.domain().subjects().unavailable(account.given()));
    List<PersonRequest> requests = platform.domain().subjects().requests(access(ctx), caller.id()).stream().map(PersonRequest::of).toList();
    ctx.json(new Me(caller.id(), fields, account.services(), unavailable, requests));
  }

  private void correctMe(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    CorrectBody body = bodies.read(ctx, CorrectBody.class);
    var out = platform.domain().subjects().correct(access(ctx), caller.id(), body.fields());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.json(new Corrected(out.value()));
  }

  private void eraseMe(Context ctx) {
    Caller caller = ctx.attribute("caller");
    var out = platform.domain().subjects().erase(access(ctx), caller.id());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    setSessionCookie(ctx, "", 0);
    ctx.json(new Erasure(out.value().subject(), out.value().counts()));
  }

  private void export(Context ctx) {
    Caller caller = ctx.attribute("caller");
    // the sentences in the language the request asks for, else in the person's own (their language field), else English
    boolean asked = ctx.header("Accept-Language") != null;
    var d = platform.domain().subjects().exportTo(access(ctx), caller.id(), language -> asked ? Texts.of(ctx) : Texts.of(language), out -> {
      ctx.contentType("application/json").header("Content-Disposition", "attachment; filename=\"plenary-export.json\"");
      try (JsonGenerator g = json.getFactory().createGenerator(ctx.outputStream())) {
        g.useDefaultPrettyPrinter();
        json.writeValue(g, new Export(out)); // the events are read, opened and written one at a time
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!d.permits()) {
      throw denied(d);
    }
  }

  private void myConsents(Context ctx) {
    Caller caller = ctx.attribute("caller");
    ctx.json(Consents.of(platform.domain().consents().of(access(ctx), caller.id())));
  }

  private void myConsent(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    consent(ctx, caller.id());
  }

  // ---- audit ----

  private void audit(Context ctx) {
    int limit = intParam(ctx, "limit", 100, 1, 1000);
    String before = ctx.queryParam("before");
    Long beforeSeq = before == null ? null : (long) intParam(ctx, "before", 0, 1, Integer.MAX_VALUE);
    if (ctx.queryParam("after") != null) {
      // sealed entries in sequence order, for a verifier that recomputes the Merkle tree (C29)
      long after = intParam(ctx, "after", 0, 0, Integer.MAX_VALUE);
      ctx.json(new AuditEntries(platform.store().audit().sealedFrom(after + 1, limit).stream().map(AuditEntry::of).toList()));
      return;
    }
    String effect = filter(ctx, "effect", 8);
    if (effect != null && !effect.equals("permit") && !effect.equals("deny")) {
      throw new InvalidInputException("effect", "effect must be permit or deny");
    }
    var q = new AuditLog.Search(filter(ctx, "subject", 40), filter(ctx, "actor", 100), filter(ctx, "action", 16), filter(ctx, "rule", 200), effect,
        time(ctx, "since"), time(ctx, "until"), beforeSeq, limit);
    ctx.json(new AuditEntries(platform.store().audit().search(q).stream().map(AuditEntry::of).toList()));
  }

  /** A search term from the query: null when left out or blank; a 400 naming it when longer than the column it searches. */
  private static String filter(Context ctx, String name, int max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    if (v.length() > max) {
      throw new InvalidInputException(name, name + " is at most " + max + " characters");
    }
    return v;
  }

  /** A time from the query (an instant, or a day meaning its start, UTC); null when left out. */
  private static Instant time(Context ctx, String name) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      return v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-12-01 or an instant such as 2026-12-01T09:00:00Z");
    }
  }

  private void verify(Context ctx) {
    var v = platform.store().audit().verify();
    if (!v.intact()) {
      throw new HttpProblem(409, "audit-chain-broken", "The audit chain is broken", v.detail(),
          Map.of("entries", v.entries(), "first_broken_seq", v.firstBrokenSeq()));
    }
    ctx.json(new ChainCheck(v.intact(), v.entries(), v.firstBrokenSeq(), v.detail()));
  }

  // ---- helpers ----

  private Access access(Context ctx) {
    return access(platform, ctx);
  }

  /** The request attribute naming the data centre a forwarded read goes to (issue 18); unset for any other request. */
  public static final String TRANSFER_TO = "transfer-to";

  /** Who the request's caller is to the domain, with the request's id; a service served for another region's node reads as a transfer there. */
  static Access access(Platform platform, Context ctx) {
    Caller c = ctx.attribute("caller");
    String rid = ctx.attribute("request-id");
    String transferTo = ctx.attribute(TRANSFER_TO);
    return switch (c.kind()) {
      case SERVICE -> transferTo == null ? Access.service(c.name(), rid) : Access.service(c.name(), rid).transferringTo(transferTo);
      case SUBJECT -> Access.subject(c.id(), rid);
      case STAFF -> Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), rid);
      case PARTNER -> throw HttpProblem.forbidden("a partner may not call this endpoint");
    };
  }

  static HttpProblem denied(Decision d) {
    return new HttpProblem(403, "policy-denied", "Denied by the privacy policy",
        d.reasons().isEmpty() ? "the policy does not permit this" : d.reasons().get(0).detail(),
        Map.of("clauses", d.clauses(), "rules", d.rules()));
  }

  private static int intParam(Context ctx, String name, int fallback, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInputException(name, name + " must be a whole number from " + min + " to " + max);
  }
}
