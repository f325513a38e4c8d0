package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.reviews.RecordsOfProcessing;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Internal reviews (C30): a report generated from live data — what is collected and by whom, where
 * it is stored, who may access it, recent denials, record counts, the state of the audit chain — and
 * its sign-off by a second reviewer.
 */
public final class ReviewRoutes {
  private static final Set<String> REVIEWERS = Set.of("auditor", "privacy-officer");

  private final Platform platform;
  private final JsonBodies bodies;

  public ReviewRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A sign-off, with the reviewer's note. */
  record SignOffBody(@JsonBodies.Optional @JsonBodies.Max(10_000) String note) {}

  // ---- the answers ----

  /** A review report without its contents: who made it when, and its sign-off if it has one. */
  record Summary(
      String id,
      @JsonProperty("created_at") Instant createdAt,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("signed_off_by") @Schemas.Nullable String signedOffBy,
      @JsonProperty("signed_off_at") @Schemas.Nullable Instant signedOffAt) {
    static Summary of(Review r) {
      return new Summary(r.id(), r.createdAt(), r.createdBy(), r.signedOffBy(), r.signedOffAt());
    }
  }

  /** Review reports, newest first. */
  record Reviews(List<Summary> reviews) {}

  /** A review report with the reviewer's note and the report itself (a document generated from live data: open-ended). */
  record Report(
      String id,
      @JsonProperty("created_at") Instant createdAt,
      @JsonProperty("created_by") String createdBy,
      @JsonProperty("signed_off_by") @Schemas.Nullable String signedOffBy,
      @JsonProperty("signed_off_at") @Schemas.Nullable Instant signedOffAt,
      @Schemas.Nullable String note,
      Map<String, Object> report) {
    static Report of(Review r) {
      return new Report(r.id(), r.createdAt(), r.createdBy(), r.signedOffBy(), r.signedOffAt(), r.note(), r.report());
    }
  }

  /** The records of processing activities (GDPR Art. 30), generated from the policy in force. */
  record RecordsOfProcessingView(
      String controller,
      String policy,
      String effective,
      List<ActivityView> activities,
      @JsonProperty("security_measures") List<String> securityMeasures) {}

  /** One processing activity: a purpose, with what, whose, who does it, to whom, where and how long. */
  record ActivityView(
      String purpose,
      String description,
      List<String> services,
      @JsonProperty("data_subjects") List<String> dataSubjects,
      List<String> categories,
      List<String> recipients,
      List<String> storage,
      List<String> retention) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("get", "/api/v1/reviews/{id}/report.html", "reviews", "A review report as a printable page: inventory, grants, incidents, requests (C30)", staff,
            REVIEWERS, List.of(200), null, Route.NO_JSON, ctx -> Pages.render(ctx, 200, "staff/document.jte", Map.of("doc", review(ctx))), Map.of(200, "text/html")),
        new Route("get", "/api/v1/reviews/{id}/report.csv", "reviews", "A review report as CSV: one block per section (C30)", staff, REVIEWERS, List.of(200), null,
            Route.NO_JSON, ctx -> csv(ctx, ReviewDocuments.csv(review(ctx)), "review-" + ctx.pathParam("id")), Map.of(200, "text/csv")),
        new Route("get", "/api/v1/records-of-processing", "reviews", "The records of processing activities (GDPR Art. 30), generated from the policy", staff,
            REVIEWERS, List.of(200), null, Route.json(200, RecordsOfProcessingView.class), this::records),
        new Route("get", "/api/v1/records-of-processing.html", "reviews", "The records of processing activities as a printable page (GDPR Art. 30)", staff,
            REVIEWERS, List.of(200), null, Route.NO_JSON,
            ctx -> Pages.render(ctx, 200, "staff/document.jte", Map.of("doc", ReviewDocuments.recordsOfProcessing(platform.domain().reviews().recordsOfProcessing()))),
            Map.of(200, "text/html")),
        new Route("get", "/api/v1/records-of-processing.csv", "reviews", "The records of processing activities as CSV (GDPR Art. 30)", staff, REVIEWERS,
            List.of(200), null, Route.NO_JSON,
            ctx -> csv(ctx, ReviewDocuments.csv(ReviewDocuments.recordsOfProcessing(platform.domain().reviews().recordsOfProcessing())), "records-of-processing"),
            Map.of(200, "text/csv")),
        new Route("post", "/api/v1/reviews", "reviews", "Generate a review report from live data (C30)", staff, REVIEWERS, List.of(201), null,
            Route.json(201, Report.class), this::create),
        new Route("get", "/api/v1/reviews", "reviews", "Review reports, newest first", staff, REVIEWERS, List.of(200), null, Route.json(200, Reviews.class),
            ctx -> ctx.json(new Reviews(platform.domain().reviews().list().stream().map(Summary::of).toList()))),
        new Route("get", "/api/v1/reviews/{id}", "reviews", "One review report", staff, REVIEWERS, List.of(200), null, Route.json(200, Report.class), this::get),
        new Route("post", "/api/v1/reviews/{id}/sign-off", "reviews",
            "Sign a report off: {\"note\": …}; by an auditor who is not also the privacy officer, and not by the one who made it (C30)", staff,
            Set.of("auditor"), List.of(200), SignOffBody.class, Route.json(200, Report.class), this::signOff));
  }

  private Pages.Document review(Context ctx) {
    return ReviewDocuments.review(platform.domain().reviews().find(ctx.pathParam("id")), RuleTexts.of(platform.policy()));
  }

  private static void csv(Context ctx, String body, String name) {
    ctx.header("Content-Disposition", "attachment; filename=\"" + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".csv\"");
    ctx.contentType("text/csv; charset=utf-8").result(body);
  }

  private void records(Context ctx) {
    var r = platform.domain().reviews().recordsOfProcessing();
    ctx.json(new RecordsOfProcessingView(RecordsOfProcessing.CONTROLLER, r.policyVersion(), r.effective(), r.activities().stream()
        .map(a -> new ActivityView(a.purpose(), a.description(), a.services(), a.dataSubjects(), a.categories(), a.recipients(), a.storage(), a.retention()))
        .toList(), r.measures()));
  }

  private void create(Context ctx) {
    Caller c = ctx.attribute("caller");
    ctx.status(201).json(Report.of(platform.domain().reviews().create(c.id())));
  }

  private void get(Context ctx) {
    ctx.json(Report.of(platform.domain().reviews().find(ctx.pathParam("id"))));
  }

  private void signOff(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    SignOffBody body = bodies.read(ctx, SignOffBody.class);
    ctx.json(Report.of(platform.domain().reviews().signOff(ctx.pathParam("id"), c.id(), Set.copyOf(c.roles()), body.note(), ctx.attribute("request-id"))));
  }
}
