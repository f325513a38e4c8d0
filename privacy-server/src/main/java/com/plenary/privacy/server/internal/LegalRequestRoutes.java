package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.domain.sharing.Disclosures;
import com.plenary.privacy.domain.sharing.LegalRequests;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Legal requests (C26), for the legal team: create, approve (a second member, never the creator),
 * reject, narrow, release once; the privacy officer and auditors read them; the transparency report
 * counts them by sub-ground and authority and names no one.
 */
public final class LegalRequestRoutes {
  private static final Set<String> LEGAL = Set.of("legal");
  private static final Set<String> READERS = Set.of("legal", "privacy-officer", "auditor");
  private final Platform platform;
  private final JsonBodies bodies;

  public LegalRequestRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A legal request: the sub-ground (a)–(d), the requesting authority, its reference, the justification, the scope, the deadline. */
  record LegalRequestBody(
      @JsonBodies.Max(1) @JsonBodies.Example("\"a\"") String ground,
      @JsonBodies.Max(200) @JsonBodies.Example("\"District Court of Frankfurt\"") String authority,
      @JsonBodies.Max(200) @JsonBodies.Example("\"AZ 12-345/26\"") String reference,
      @JsonBodies.Max(2000) @JsonBodies.Example("\"Court order of 1 December 2026 for the account's contact data\"") String justification,
      @JsonProperty("subject_ids") @JsonBodies.MinItems(1) @JsonBodies.Max(LegalRequests.MAX_PEOPLE)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact.email\"]") List<String> categories,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2026-12-31\"") String deadline) {}

  /** Why a request is rejected. */
  record RejectBody(@JsonBodies.Max(2000) @JsonBodies.Example("\"The order does not name this service\"") String reason) {}

  /** A narrower scope (or, for a release, the part of the scope to release): people and categories already in it; a missing one is kept whole. */
  record ScopeBody(
      @JsonProperty("subject_ids") @JsonBodies.Optional @JsonBodies.Max(LegalRequests.MAX_PEOPLE)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds,
      @JsonBodies.Optional @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact.email\"]") List<String> categories) {}

  /** A legal request as staff see it; its people are counted, not named. */
  record LegalRequestView(
      String id,
      String ground,
      @JsonProperty("ground_text") String groundText,
      String authority,
      String reference,
      String justification,
      List<String> categories,
      int people,
      LocalDate deadline,
      String status,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("created_at") Instant createdAt,
      @JsonProperty("approved_by") @Schemas.Nullable String approvedBy,
      @JsonProperty("approved_at") @Schemas.Nullable Instant approvedAt,
      @JsonProperty("rejected_by") @Schemas.Nullable String rejectedBy,
      @Schemas.Nullable String rejection,
      @JsonProperty("released_by") @Schemas.Nullable String releasedBy,
      @JsonProperty("released_at") @Schemas.Nullable Instant releasedAt) {
    static LegalRequestView of(LegalRequests.View v) {
      LegalRequestRecords.Request r = v.request();
      return new LegalRequestView(r.id(), r.ground(), v.groundText(), r.authority(), r.reference(), r.justification(), r.categories(), r.people(),
          r.deadline(), r.status(), r.createdBy(), r.createdAt(), r.approvedBy(), r.approvedAt(), r.rejectedBy(), r.rejection(), r.releasedBy(),
          r.releasedAt());
    }
  }

  /** Every legal request, newest first. */
  record LegalRequestList(@JsonProperty("legal_requests") List<LegalRequestView> legalRequests) {}

  /** A release: the disclosure record, how many people, and the package of only the data in scope that the policy permits. */
  record Release(String disclosure, @JsonProperty("legal_request") String legalRequest, List<String> categories, int released,
      Map<String, Integer> withheld, @JsonProperty("released_at") Instant releasedAt, List<DisclosureRoutes.PackageItem> people) {}

  /** One row of the transparency report. */
  record ReportRow(String ground, @JsonProperty("ground_text") String groundText, String authority, int requests, int released, int rejected, int pending) {}

  /** The transparency report: requests created in [from, to), by sub-ground and authority; no one is named. */
  record Report(Instant from, Instant to, int requests, List<ReportRow> rows) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("post", "/api/v1/legal-requests", "legal",
            "Record a legal request: {ground (a)-(d), authority, reference, justification, subject_ids, categories, deadline}; it waits for a second "
                + "member of the legal team to approve it (C26)",
            staff, LEGAL, List.of(201), LegalRequestBody.class, Route.json(201, LegalRequestView.class), this::create),
        new Route("get", "/api/v1/legal-requests", "legal", "Every legal request, newest first; people counted, not named (C26)",
            staff, READERS, List.of(200), null, Route.json(200, LegalRequestList.class), this::list),
        new Route("get", "/api/v1/legal-requests/report", "legal",
            "The transparency report: ?from=&to= (days or instants), legal requests counted by sub-ground and authority; no personal data (C26)",
            staff, READERS, List.of(200), null, Route.json(200, Report.class), this::report),
        new Route("post", "/api/v1/legal-requests/{id}/approve", "legal",
            "Approve a pending legal request: a second member of the legal team, never its creator (C26)",
            staff, LEGAL, List.of(200), null, Route.json(200, LegalRequestView.class), this::approve),
        new Route("post", "/api/v1/legal-requests/{id}/reject", "legal", "Reject a legal request that was not released: {reason} (C26)",
            staff, LEGAL, List.of(200), RejectBody.class, Route.json(200, LegalRequestView.class), this::reject),
        new Route("post", "/api/v1/legal-requests/{id}/narrow", "legal",
            "Narrow a legal request that was not released to fewer people or categories: {subject_ids?, categories?}; never wider (C26)",
            staff, LEGAL, List.of(200), ScopeBody.class, Route.json(200, LegalRequestView.class), this::narrow),
        new Route("post", "/api/v1/legal-requests/{id}/release", "legal",
            "Release an approved legal request's data, once: {subject_ids?, categories?} within its scope (all of it when absent); each person decided "
                + "and audited; answers only the permitted fields (C23, C26)",
            staff, LEGAL, List.of(200), ScopeBody.class, Route.json(200, Release.class), this::release));
  }

  private void create(Context ctx) throws IOException {
    LegalRequestBody b = bodies.read(ctx, LegalRequestBody.class);
    LegalRequests.NewRequest n = new LegalRequests.NewRequest(b.ground(), b.authority(), b.reference(), b.justification(), b.subjectIds(),
        b.categories(), day(b.deadline(), "deadline"));
    ctx.status(201).json(LegalRequestView.of(platform.domain().legalRequests().create(access(ctx), n)));
  }

  private void list(Context ctx) {
    ctx.json(new LegalRequestList(platform.domain().legalRequests().list().stream().map(LegalRequestView::of).toList()));
  }

  private void approve(Context ctx) {
    ctx.json(LegalRequestView.of(platform.domain().legalRequests().approve(access(ctx), ctx.pathParam("id"))));
  }

  private void reject(Context ctx) throws IOException {
    RejectBody b = bodies.read(ctx, RejectBody.class);
    ctx.json(LegalRequestView.of(platform.domain().legalRequests().reject(access(ctx), ctx.pathParam("id"), b.reason())));
  }

  private void narrow(Context ctx) throws IOException {
    ScopeBody b = bodies.read(ctx, ScopeBody.class);
    ctx.json(LegalRequestView.of(platform.domain().legalRequests().narrow(access(ctx), ctx.pathParam("id"), b.subjectIds(), b.categories())));
  }

  private void release(Context ctx) throws IOException {
    ScopeBody b = bodies.read(ctx, ScopeBody.class);
    List<DisclosureRoutes.PackageItem> items = new ArrayList<>();
    String id = ctx.pathParam("id");
    Disclosures.Made made = platform.domain().legalRequests().release(access(ctx), id, b.subjectIds(), b.categories(),
        i -> items.add(new DisclosureRoutes.PackageItem(i.subject(), i.fields())));
    if (made.nothingReleased()) {
      Map<String, Object> ext = new LinkedHashMap<>();
      ext.put("clauses", made.refusal() == null ? List.of("C26") : made.refusal().clauses());
      ext.put("rules", made.refusal() == null ? List.of("legal-disclosure") : made.refusal().rules());
      ext.put("withheld", made.withheld());
      throw new HttpProblem(403, "policy-denied", "Denied by the privacy policy", "the policy permits this release for no one in scope; nothing was released", ext);
    }
    ctx.json(new Release(made.id(), id, made.categories(), made.released(), made.withheld(), made.at(), items));
  }

  private void report(Context ctx) {
    Instant from = instant(ctx.queryParam("from"), "from");
    Instant to = instant(ctx.queryParam("to"), "to");
    var legal = platform.domain().legalRequests();
    List<ReportRow> rows = legal.report(from, to).stream()
        .map(c -> new ReportRow(c.ground(), legal.groundText(c.ground()), c.authority(), c.requests(), c.released(), c.rejected(),
            c.pending())).toList();
    ctx.json(new Report(from, to, rows.stream().mapToInt(ReportRow::requests).sum(), rows));
  }

  private Access access(Context ctx) {
    Caller c = ctx.attribute("caller");
    return Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
  }

  private static LocalDate day(String s, String name) {
    try {
      return LocalDate.parse(s);
    } catch (DateTimeParseException | NullPointerException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-12-31");
    }
  }

  /** A day (its start, UTC) or an instant. */
  private static Instant instant(String s, String name) {
    if (s == null || s.isBlank()) {
      throw new InvalidInputException(name, "name the report's " + name + ": a day such as 2026-01-01, or an instant");
    }
    try {
      return s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a day such as 2026-01-01, or an instant such as 2026-01-01T00:00:00Z");
    }
  }
}
