package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
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

  public VaultRoutes(Platform platform, ObjectMapper json, JsonBodies bodies) {
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

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    Set<Caller.Kind> serviceOrStaff = EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF);
    Set<Caller.Kind> person = EnumSet.of(Caller.Kind.SUBJECT);
    return List.of(
        new Route("post", "/api/v1/subjects", "subjects", "Register a person for the calling service (C2, C18, C22)", service, Set.of(), List.of(201), RegisterBody.class, this::register),
        new Route("get", "/api/v1/subjects/{id}", "subjects", "Read a person's fields for a purpose (query: purpose, fields); only permitted fields come back (C14)", serviceOrStaff, Set.of(), List.of(200), null, this::read),
        new Route("patch", "/api/v1/subjects/{id}", "subjects", "Correct a person's fields (C35)", service, Set.of(), List.of(200), CorrectBody.class, this::correctSubject),
        new Route("post", "/api/v1/subjects/{id}/content", "subjects", "Retain a message or posted content for a purpose (C11)", service, Set.of(), List.of(201), ContentBody.class, this::content),
        new Route("get", "/api/v1/subjects/{id}/consents", "consents", "A person's consents", service, Set.of(), List.of(200), null, this::subjectConsents),
        new Route("post", "/api/v1/subjects/{id}/consents", "consents", "Record a consent or its withdrawal on the person's behalf (C19, C24)", service, Set.of(), List.of(201), ConsentBody.class, this::subjectConsent),
        Route.publicPost("/api/v1/session", "people", "Sign in with email and password; sets the session cookie (C6)", SignInBody.class, this::signIn),
        new Route("delete", "/api/v1/session", "people", "Sign out", person, Set.of(), List.of(204), null, this::signOut),
        new Route("get", "/api/v1/me", "people", "My data: fields, services, what is unavailable (C34)", person, Set.of(), List.of(200), null, this::me),
        new Route("patch", "/api/v1/me", "people", "Correct my data (C35); needs X-CSRF-Token", person, Set.of(), List.of(200), CorrectBody.class, this::correctMe),
        new Route("delete", "/api/v1/me", "people", "Erase me: my data key is destroyed and my data deleted; needs X-CSRF-Token", person, Set.of(), List.of(200), null, this::eraseMe),
        new Route("get", "/api/v1/me/export", "people", "Everything held about me, as JSON (C34)", person, Set.of(), List.of(200), null, this::export),
        new Route("get", "/api/v1/me/consents", "people", "My consents", person, Set.of(), List.of(200), null, this::myConsents),
        new Route("post", "/api/v1/me/consents", "people", "Give or withdraw a consent (C19, C24); needs X-CSRF-Token", person, Set.of(), List.of(201), ConsentBody.class, this::myConsent),
        new Route("get", "/api/v1/audit", "audit", "The newest audit entries (query: limit, before)", EnumSet.of(Caller.Kind.STAFF), Set.of("auditor", "privacy-officer"), List.of(200), null, this::audit),
        new Route("get", "/api/v1/audit/verify", "audit", "Check the audit chain end to end (C29)", EnumSet.of(Caller.Kind.STAFF), Set.of("auditor", "privacy-officer"), List.of(200, 409), null, this::verify));
  }

  // ---- services ----

  private void register(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    RegisterBody body = bodies.read(ctx, RegisterBody.class);
    List<Subjects.GivenAtRegistration> given = body.consents() == null ? List.of()
        : body.consents().stream().map(c -> new Subjects.GivenAtRegistration(c.purpose(), c.recipient(), c.shownSha256())).toList();
    var out = platform.domain().subjects().register(access(ctx), caller.name(), body.fields(), body.password(), body.region(), given);
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", out.value().id());
    m.put("stored", out.value().stored());
    m.put("declined", out.value().declined());
    m.put("unavailable", out.value().unavailable());
    ctx.status(201).header("Location", "/api/v1/subjects/" + out.value().id()).json(m);
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
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", ctx.pathParam("id"));
    m.put("purpose", purpose);
    m.put("fields", out.value().values());
    m.put("withheld", out.value().withheld());
    m.put("decision", summary(out.decision()));
    ctx.json(m);
  }

  private void correctSubject(Context ctx) throws IOException {
    CorrectBody body = bodies.read(ctx, CorrectBody.class);
    var out = platform.domain().subjects().correct(access(ctx), ctx.pathParam("id"), body.fields());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.json(Map.of("corrected", out.value()));
  }

  private void content(Context ctx) throws IOException {
    ContentBody body = bodies.read(ctx, ContentBody.class);
    var out = platform.domain().subjects().addContent(access(ctx), ctx.pathParam("id"), body.kind(), body.purpose(), body.text());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.status(201).json(Map.of("id", out.value()));
  }

  private void subjectConsents(Context ctx) {
    ctx.json(Map.of("consents", platform.domain().consents().of(access(ctx), ctx.pathParam("id"))));
  }

  private void subjectConsent(Context ctx) throws IOException {
    consent(ctx, ctx.pathParam("id"));
  }

  private void consent(Context ctx, String subject) throws IOException {
    ConsentBody body = bodies.read(ctx, ConsentBody.class);
    if (body.granted() == null || body.granted()) {
      ctx.status(201).json(platform.domain().consents().grant(access(ctx), subject, body.purpose(), body.recipient(), "api"));
    } else {
      ctx.json(Map.of("withdrawn", platform.domain().consents().withdraw(access(ctx), subject, body.purpose(), body.recipient())));
    }
  }

  // ---- people ----

  private void signIn(Context ctx) throws IOException {
    SignInBody body = bodies.read(ctx, SignInBody.class);
    String email = body.email();
    String password = body.password();
    String address = ctx.ip();
    var attempt = platform.signInThrottle().reserve(email, address);
    if (!attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      throw new HttpProblem(429, "too-many-attempts", "Too many attempts", "too many failed sign-ins; try again later");
    }
    var subject = platform.vault().signIn(email, password);
    if (subject.isEmpty()) {
      throw HttpProblem.unauthorized("the email address or the password is not right");
    }
    attempt.succeeded();
    CollectRoutes.attachBrowser(platform, ctx, subject.get());
    var session = platform.vault().startSession(subject.get());
    setSessionCookie(ctx, session.getKey(), (int) Vault.SESSION_LIFETIME.toSeconds());
    ctx.json(Map.of("subject", subject.get(), "csrf", session.getValue().csrf(), "expires_at", session.getValue().expiresAt()));
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
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", caller.id());
    m.put("fields", read.permitted() ? read.value().values() : Map.of());
    var account = platform.domain().subjects().account(access(ctx), caller.id());
    m.put("services", account.services());
    m.put("unavailable", platform.domain().subjects().unavailable(account.given()));
    m.put("requests", platform.domain().subjects().requests(access(ctx), caller.id()));
    ctx.json(m);
  }

  private void correctMe(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    CorrectBody body = bodies.read(ctx, CorrectBody.class);
    var out = platform.domain().subjects().correct(access(ctx), caller.id(), body.fields());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    ctx.json(Map.of("corrected", out.value()));
  }

  private void eraseMe(Context ctx) {
    Caller caller = ctx.attribute("caller");
    var out = platform.domain().subjects().erase(access(ctx), caller.id());
    if (!out.permitted()) {
      throw denied(out.decision());
    }
    setSessionCookie(ctx, "", 0);
    ctx.json(Map.of("erased", out.value().subject(), "counts", out.value().counts()));
  }

  private void export(Context ctx) {
    Caller caller = ctx.attribute("caller");
    var d = platform.domain().subjects().exportTo(access(ctx), caller.id(), out -> {
      ctx.contentType("application/json").header("Content-Disposition", "attachment; filename=\"plenary-export.json\"");
      try (JsonGenerator g = json.getFactory().createGenerator(ctx.outputStream())) {
        g.useDefaultPrettyPrinter();
        json.writeValue(g, out); // the events are read, opened and written one at a time
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    if (!d.permits()) {
      throw denied(d);
    }
  }

  private void myConsents(Context ctx) {
    Caller caller = ctx.attribute("caller");
    ctx.json(Map.of("consents", platform.domain().consents().of(access(ctx), caller.id())));
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
    ctx.json(Map.of("entries", platform.store().audit().recent(limit, beforeSeq)));
  }

  private void verify(Context ctx) {
    var v = platform.store().audit().verify();
    if (!v.intact()) {
      throw new HttpProblem(409, "audit-chain-broken", "The audit chain is broken", v.detail(),
          Map.of("entries", v.entries(), "first_broken_seq", v.firstBrokenSeq()));
    }
    ctx.json(v);
  }

  // ---- helpers ----

  private Access access(Context ctx) {
    Caller c = ctx.attribute("caller");
    String rid = ctx.attribute("request-id");
    return switch (c.kind()) {
      case SERVICE -> Access.service(c.name(), rid);
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

  private static Map<String, Object> summary(Decision d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("effect", d.effect().name().toLowerCase(java.util.Locale.ROOT));
    m.put("rules", d.rules());
    m.put("clauses", d.clauses());
    return m;
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
