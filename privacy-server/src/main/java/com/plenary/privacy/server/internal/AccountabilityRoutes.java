package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.staff.Incidents;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Staff accountability (C32, C33) over HTTP: confidentiality agreements recorded by privacy officers,
 * grant requests made by staff and approved or rejected by another privacy officer, break-glass
 * openings, and incidents followed up and closed. Every decision is the domain's; this only binds
 * bodies and shapes answers, so a console drives the same calls.
 */
public final class AccountabilityRoutes {
  private static final Set<String> OVERSEERS = Set.of("privacy-officer", "auditor");
  private static final Set<String> OFFICERS = Set.of("privacy-officer");
  /** How long a requested grant lasts when the request names no end: a working day. */
  private static final Duration DEFAULT_REQUEST = Duration.ofHours(8);

  private final Platform platform;
  private final JsonBodies bodies;

  public AccountabilityRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  // ---- the bodies ----

  /** A confidentiality agreement on file: the document's version, the day it was signed and the day it runs out, from which it is no longer in force (C33). */
  record AgreementBody(
      @JsonProperty("document_version") @JsonBodies.Max(64) @JsonBodies.Example("\"nda-2026.1\"") String documentVersion,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2026-01-05\"") String signed,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2099-01-01\"") String expires) {}

  /** A staff member's request for need-to-know access, with a justification, optionally for named people only (C32). */
  record GrantRequestBody(
      @JsonBodies.Max(200) @JsonBodies.Example("\"privacy-officer\"") String role,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact\"]") List<String> categories,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"protect\"]") List<String> purposes,
      @JsonBodies.Optional @JsonBodies.Max(100) List<String> subjects,
      @JsonBodies.Optional @JsonBodies.Format("date-time") @JsonBodies.Max(64) String from,
      @JsonBodies.Optional @JsonBodies.Format("date-time") @JsonBodies.Max(64) String until,
      @JsonBodies.Max(1000) @JsonBodies.Example("\"Ticket 4711: the person asked us to check their account\"") String justification) {}

  /** Breaking the glass on one person: a role of the caller's, categories within it, one purpose, at most 60 minutes, a justification (C33). */
  record BreakGlassBody(
      @JsonBodies.Max(40) @JsonBodies.Example("\"s-00000000-0000-0000-0000-000000000000\"") String subject,
      @JsonBodies.Max(200) @JsonBodies.Example("\"privacy-officer\"") String role,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact\"]") List<String> categories,
      @JsonBodies.Max(64) @JsonBodies.Example("\"protect\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(60) Integer minutes,
      @JsonBodies.Max(1000) @JsonBodies.Example("\"The account is being abused right now\"") String justification) {}

  /** Closing an incident: an outcome and a note (C33). */
  record CloseBody(
      @JsonBodies.Max(32) @JsonBodies.Example("\"training\"") String outcome,
      @JsonBodies.Max(2000) @JsonBodies.Example("\"Talked it through; refresher booked\"") String note) {}

  // ---- the answers ----

  /** A confidentiality agreement on file, with whether it is in force now. */
  record AgreementView(
      String id,
      String staff,
      @JsonProperty("document_version") String documentVersion,
      @JsonProperty("signed_at") Instant signedAt,
      @JsonProperty("expires_at") @Schemas.Nullable Instant expiresAt,
      @JsonProperty("recorded_by") String recordedBy,
      @JsonProperty("in_force") boolean inForce) {
    static AgreementView of(StaffRecords.Agreement a, Instant now) {
      return new AgreementView(a.id(), a.staffId(), a.documentVersion(), a.signedAt(), a.expiresAt(), a.recordedBy(), a.inForce(now));
    }
  }

  /** A staff member's agreements, newest signature first. */
  record Agreements(List<AgreementView> agreements) {}

  /** A grant or grant request as the API shows it (C32). */
  record GrantRequestView(
      String id,
      String staff,
      String role,
      List<String> categories,
      List<String> purposes,
      List<String> subjects,
      Instant from,
      Instant until,
      String status,
      @Schemas.Nullable String justification,
      @JsonProperty("requested_at") Instant requestedAt,
      @JsonProperty("decided_by") @Schemas.Nullable String decidedBy,
      @JsonProperty("decided_at") @Schemas.Nullable Instant decidedAt,
      @JsonProperty("revoked_at") @Schemas.Nullable Instant revokedAt,
      @JsonProperty("in_force") boolean inForce) {
    static GrantRequestView of(StaffRecords.Grant g, Instant now) {
      return new GrantRequestView(g.id(), g.staffId(), g.role(), g.categories(), g.purposes(), g.subjects(), g.from(), g.until(), g.status(), g.justification(),
          g.createdAt(), g.grantedBy(), g.decidedAt(), g.revokedAt(), g.inForce(now));
    }
  }

  /** Grants and grant requests, newest first. */
  record GrantRequests(List<GrantRequestView> grants) {}

  /** A break-glass opening: whose data, how, until when, and the incident it opened. */
  record BreakGlassView(
      String id,
      String staff,
      String subject,
      String role,
      List<String> categories,
      String purpose,
      String justification,
      @JsonProperty("opened_at") Instant openedAt,
      Instant until,
      String incident,
      @JsonProperty("in_force") boolean inForce) {
    static BreakGlassView of(StaffRecords.BreakGlass b, Instant now) {
      return new BreakGlassView(b.id(), b.staffId(), b.subjectId(), b.role(), b.categories(), b.purpose(), b.justification(), b.openedAt(), b.until(),
          b.incidentId(), !now.isBefore(b.openedAt()) && now.isBefore(b.until()));
    }
  }

  /** Break-glass openings, newest first. */
  record BreakGlassList(@JsonProperty("break_glass") List<BreakGlassView> breakGlass) {}

  /** An incident (C33): who, what, when, which rules, how many attempts and the last one; never a personal value. */
  record IncidentView(
      String id,
      String kind,
      String staff,
      @JsonProperty("opened_at") Instant openedAt,
      String operation,
      String purpose,
      @Schemas.Nullable String subject,
      List<String> categories,
      List<String> rules,
      List<String> clauses,
      @JsonProperty("request_id") @Schemas.Nullable String requestId,
      String status,
      @Schemas.Nullable String outcome,
      @Schemas.Nullable String note,
      @JsonProperty("closed_by") @Schemas.Nullable String closedBy,
      @JsonProperty("closed_at") @Schemas.Nullable Instant closedAt,
      int attempts,
      @JsonProperty("last_seen_at") Instant lastSeenAt) {
    static IncidentView of(Incident i) {
      return new IncidentView(i.id(), i.kind(), i.staffId(), i.openedAt(), i.operation(), i.purpose(), i.subject(), i.categories(), i.rules(), i.clauses(),
          i.requestId(), i.status(), i.outcome(), i.note(), i.closedBy(), i.closedAt(), i.attempts(), i.lastSeenAt());
    }
  }

  /** Incidents, newest first. */
  record IncidentList(List<IncidentView> incidents) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("post", "/api/v1/staff/{id}/agreements", "staff",
            "Record a confidentiality agreement on file: {document_version, signed, expires} (days); no access to personal data without one in force (C33)",
            staff, OFFICERS, List.of(201), AgreementBody.class, Route.json(201, AgreementView.class), this::recordAgreement),
        new Route("get", "/api/v1/staff/{id}/agreements", "staff", "A staff member's confidentiality agreements, newest first, each with in_force (C33)",
            staff, OVERSEERS, List.of(200), null, Route.json(200, Agreements.class), this::agreements),
        new Route("post", "/api/v1/grant-requests", "staff",
            "Ask for need-to-know access: {role, categories, purposes, subjects?, from?, until? (default: 8 hours on), justification}; another privacy officer approves it (C32)",
            staff, Set.of(), List.of(201), GrantRequestBody.class, Route.json(201, GrantRequestView.class), this::request),
        new Route("get", "/api/v1/grant-requests", "staff", "Grants and grant requests, newest first (query: status = requested (default), approved, rejected or all; limit) (C32)",
            staff, OVERSEERS, List.of(200), null, Route.json(200, GrantRequests.class), this::requests),
        new Route("post", "/api/v1/grant-requests/{request}/approve", "staff", "Approve a grant request; never by its requester (C32)",
            staff, OFFICERS, List.of(200), null, Route.json(200, GrantRequestView.class), ctx -> decide(ctx, true)),
        new Route("post", "/api/v1/grant-requests/{request}/reject", "staff", "Reject a grant request; never by its requester (C32)",
            staff, OFFICERS, List.of(200), null, Route.json(200, GrantRequestView.class), ctx -> decide(ctx, false)),
        new Route("post", "/api/v1/break-glass", "staff",
            "Break the glass on one person: {subject, role, categories, purpose, minutes? (at most 60), justification}; opens an incident (C33)",
            staff, Set.of(), List.of(201), BreakGlassBody.class, Route.json(201, BreakGlassView.class), this::breakGlass),
        new Route("get", "/api/v1/break-glass", "staff", "Break-glass openings, newest first (C33)",
            staff, OVERSEERS, List.of(200), null, Route.json(200, BreakGlassList.class), this::breakGlassList),
        new Route("get", "/api/v1/incidents", "incidents",
            "Incidents, newest first (query: status open|closed, kind denied|break-glass, staff, since, until, limit) (C33)",
            staff, OVERSEERS, List.of(200), null, Route.json(200, IncidentList.class), this::incidents),
        new Route("get", "/api/v1/incidents/{incident}", "incidents", "One incident (C33)",
            staff, OVERSEERS, List.of(200), null, Route.json(200, IncidentView.class), this::incident),
        new Route("post", "/api/v1/incidents/{incident}/close", "incidents",
            "Close an incident: {outcome: no-action|training|disciplinary-referral|contract-termination, note}; never by the one it is about (C33)",
            staff, OFFICERS, List.of(200), CloseBody.class, Route.json(200, IncidentView.class), this::close));
  }

  private void recordAgreement(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    AgreementBody b = bodies.read(ctx, AgreementBody.class);
    Instant signed = day(b.signed(), "signed");
    Instant expires = day(b.expires(), "expires");
    var a = platform.domain().staff().recordAgreement(ctx.pathParam("id"), b.documentVersion(), signed, expires, c.id(), ctx.attribute("request-id"));
    ctx.status(201).json(AgreementView.of(a, platform.clock().instant()));
  }

  private void agreements(Context ctx) {
    Instant now = platform.clock().instant();
    ctx.json(new Agreements(platform.domain().staff().agreements(ctx.pathParam("id")).stream().map(a -> AgreementView.of(a, now)).toList()));
  }

  private void request(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    GrantRequestBody b = bodies.read(ctx, GrantRequestBody.class);
    Instant now = platform.clock().instant();
    Instant from = b.from() == null ? now : time(b.from(), "from");
    Instant until = b.until() == null ? from.plus(DEFAULT_REQUEST) : time(b.until(), "until");
    var g = platform.domain().staff().request(c.id(), b.role(), b.categories(), b.purposes(), b.subjects(), from, until, b.justification(),
        ctx.attribute("request-id"));
    ctx.status(201).json(GrantRequestView.of(g, now));
  }

  private void requests(Context ctx) {
    String status = ctx.queryParam("status");
    String wanted = status == null ? StaffRecords.REQUESTED : status.equals("all") ? null : status;
    Instant now = platform.clock().instant();
    ctx.json(new GrantRequests(platform.domain().staff().grants(wanted, limit(ctx)).stream().map(g -> GrantRequestView.of(g, now)).toList()));
  }

  private void decide(Context ctx, boolean approve) {
    Caller c = ctx.attribute("caller");
    String id = ctx.pathParam("request");
    var staff = platform.domain().staff();
    var g = approve ? staff.approve(id, c.id(), c.roles(), ctx.attribute("request-id")) : staff.reject(id, c.id(), c.roles(), ctx.attribute("request-id"));
    ctx.json(GrantRequestView.of(g, platform.clock().instant()));
  }

  private void breakGlass(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    BreakGlassBody b = bodies.read(ctx, BreakGlassBody.class);
    int minutes = b.minutes() == null ? 60 : b.minutes();
    Access by = new Access(ActorKind.STAFF, c.id(), ctx.attribute("request-id"), null);
    var opened = platform.domain().staff().breakGlass(by, b.subject(), b.role(), b.categories(), b.purpose(), Duration.ofMinutes(minutes), b.justification());
    ctx.status(201).json(BreakGlassView.of(opened, platform.clock().instant()));
  }

  private void breakGlassList(Context ctx) {
    Instant now = platform.clock().instant();
    ctx.json(new BreakGlassList(platform.domain().staff().breakGlassOpenings(limit(ctx)).stream().map(b -> BreakGlassView.of(b, now)).toList()));
  }

  private void incidents(Context ctx) {
    String since = ctx.queryParam("since");
    String until = ctx.queryParam("until");
    var filter = new IncidentRecords.Filter(blank(ctx.queryParam("status")), blank(ctx.queryParam("kind")), blank(ctx.queryParam("staff")),
        since == null ? null : time(since, "since"), until == null ? null : time(until, "until"), limit(ctx));
    ctx.json(new IncidentList(platform.domain().incidents().list(filter).stream().map(IncidentView::of).toList()));
  }

  private void incident(Context ctx) {
    ctx.json(IncidentView.of(platform.domain().incidents().find(ctx.pathParam("incident"))));
  }

  private void close(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    CloseBody b = bodies.read(ctx, CloseBody.class);
    ctx.json(IncidentView.of(platform.domain().incidents().close(ctx.pathParam("incident"), b.outcome(), b.note(), c.id(), c.roles(), ctx.attribute("request-id"))));
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static int limit(Context ctx) {
    String s = ctx.queryParam("limit");
    if (s == null) {
      return 100;
    }
    try {
      int n = Integer.parseInt(s);
      if (n < 1 || n > Incidents.MOST) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new InvalidInputException("limit", "limit must be a whole number from 1 to " + Incidents.MOST);
    }
  }

  private static Instant time(String s, String name) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a time such as 2026-12-01T09:00:00Z");
    }
  }

  private static Instant day(String s, String name) {
    try {
      return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-12-01");
    }
  }
}
