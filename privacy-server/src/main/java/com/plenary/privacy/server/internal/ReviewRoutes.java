package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
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

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("post", "/api/v1/reviews", "reviews", "Generate a review report from live data (C30)", staff, REVIEWERS, List.of(201), null, this::create),
        new Route("get", "/api/v1/reviews", "reviews", "Review reports, newest first", staff, REVIEWERS, List.of(200), null,
            ctx -> ctx.json(Map.of("reviews", platform.domain().reviews().list().stream().map(this::summary).toList()))),
        new Route("get", "/api/v1/reviews/{id}", "reviews", "One review report", staff, REVIEWERS, List.of(200), null, this::get),
        new Route("post", "/api/v1/reviews/{id}/sign-off", "reviews",
            "Sign a report off: {\"note\": …}; by an auditor who is not also the privacy officer, and not by the one who made it (C30)", staff,
            Set.of("auditor"), List.of(200), SignOffBody.class, this::signOff));
  }

  private void create(Context ctx) {
    Caller c = ctx.attribute("caller");
    ctx.status(201).json(full(platform.domain().reviews().create(c.id())));
  }

  private void get(Context ctx) {
    ctx.json(full(platform.domain().reviews().find(ctx.pathParam("id"))));
  }

  private void signOff(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    SignOffBody body = bodies.read(ctx, SignOffBody.class);
    ctx.json(full(platform.domain().reviews().signOff(ctx.pathParam("id"), c.id(), Set.copyOf(c.roles()), body.note(), ctx.attribute("request-id"))));
  }

  private Map<String, Object> summary(Review r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("created_at", r.createdAt());
    m.put("created_by", r.createdBy());
    m.put("signed_off_by", r.signedOffBy());
    m.put("signed_off_at", r.signedOffAt());
    return m;
  }

  private Map<String, Object> full(Review r) {
    Map<String, Object> m = summary(r);
    m.put("note", r.note());
    m.put("report", r.report());
    return m;
  }
}
