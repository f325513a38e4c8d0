package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.policy.StaffRole;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.store.NotFound;
import com.plenary.privacy.store.Reviews;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
  private final ObjectMapper json;
  private final JsonBodies bodies;

  public ReviewRoutes(Platform platform, ObjectMapper json, JsonBodies bodies) {
    this.platform = platform;
    this.json = json;
    this.bodies = bodies;
  }

  /** A sign-off, with the reviewer's note. */
  record SignOffBody(@JsonBodies.Optional @JsonBodies.Max(10_000) String note) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("post", "/api/v1/reviews", "reviews", "Generate a review report from live data (C30)", staff, REVIEWERS, List.of(201), null, this::create),
        new Route("get", "/api/v1/reviews", "reviews", "Review reports, newest first", staff, REVIEWERS, List.of(200), null,
            ctx -> ctx.json(Map.of("reviews", platform.store().reviews().list().stream().map(this::summary).toList()))),
        new Route("get", "/api/v1/reviews/{id}", "reviews", "One review report", staff, REVIEWERS, List.of(200), null, this::get),
        new Route("post", "/api/v1/reviews/{id}/sign-off", "reviews",
            "Sign a report off: {\"note\": …}; by an auditor who is not also the privacy officer, and not by the one who made it (C30)", staff,
            Set.of("auditor"), List.of(200), SignOffBody.class, this::signOff));
  }

  private void create(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    Reviews.Review r = platform.store().reviews().create(c.id(), json.writeValueAsString(report()));
    ctx.status(201).json(full(r));
  }

  private void get(Context ctx) throws IOException {
    Reviews.Review r = platform.store().reviews().find(ctx.pathParam("id")).orElseThrow(() -> new NotFound("no review has this id"));
    ctx.json(full(r));
  }

  private void signOff(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    // the route lets auditors in; the review is independent of the officer whose practices it checks
    if (!c.hasRole("auditor") || c.hasRole("privacy-officer")) {
      throw com.plenary.privacy.server.HttpProblem.forbidden("reviews are signed off by an auditor who is not also the privacy officer (C30)");
    }
    SignOffBody body = bodies.read(ctx, SignOffBody.class);
    ctx.json(full(platform.store().reviews().signOff(ctx.pathParam("id"), c.id(), body.note())));
  }

  /** The report: built from the policy, the data map, the audit trail and the stores' counts. */
  Map<String, Object> report() {
    Policy p = platform.policy();
    Instant now = platform.clock().instant();
    List<Map<String, Object>> categories = new ArrayList<>();
    List<String> storeNames = platform.dataMap().stream().filter(s -> !"key files".equals(s.get("store"))).map(s -> s.get("store") + " @ " + s.get("data_centre")).toList();
    for (Category c : p.categories()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("category", c.id());
      m.put("text", c.text());
      List<String> collectors = new ArrayList<>();
      for (Service s : p.services()) {
        if (s.categories().stream().anyMatch(d -> Policy.isUnder(c.id(), d) || Policy.isUnder(d, c.id()))) {
          collectors.add("service:" + s.id());
        }
      }
      if (p.collection().categories().stream().anyMatch(d -> Policy.isUnder(c.id(), d) || Policy.isUnder(d, c.id()))) {
        collectors.add("collector (snippet)");
      }
      if (Policy.isUnder(c.id(), "user.partner") || Policy.isUnder(c.id(), "user.device") || Policy.isUnder(c.id(), "user.behavior")) {
        p.partners().forEach(x -> collectors.add("partner:" + x.id()));
      }
      m.put("collected_by", collectors);
      m.put("stored_in", storeNames);
      List<String> roles = new ArrayList<>();
      for (StaffRole r : p.staffRoles()) {
        if (r.categories().stream().anyMatch(d -> Policy.isUnder(c.id(), d))) {
          roles.add(r.id());
        }
      }
      Map<String, Object> access = new LinkedHashMap<>();
      access.put("services", collectors.stream().filter(x -> x.startsWith("service:")).toList());
      access.put("staff_roles_with_a_grant", roles);
      access.put("the_person", true);
      m.put("accessible_by", access);
      m.put("retention", p.retention().stream().filter(r -> Policy.isUnder(c.id(), r.category())).map(Retention::period).map(String::valueOf).findFirst().orElse(null));
      categories.add(m);
    }
    Map<String, Object> counts = new LinkedHashMap<>();
    platform.vault().usage().settle(); // beacons acknowledged so far are counted, none still in the collector's journal
    for (String table : List.of("subject", "usage_event", "content_item", "consent", "partner_link", "browser", "audit_log_entry")) {
      counts.put(table, platform.store().count(table));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("generated_at", now.toString());
    out.put("policy", p.name() + " v" + p.version());
    out.put("categories", categories);
    out.put("stores", platform.dataMap());
    out.put("recent_denials_30_days", platform.store().audit().denialsSince(now.minus(Duration.ofDays(30))));
    out.put("counts", counts);
    out.put("audit_chain", platform.store().audit().verify());
    return out;
  }

  private Map<String, Object> summary(Reviews.Review r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("created_at", r.createdAt());
    m.put("created_by", r.createdBy());
    m.put("signed_off_by", r.signedOffBy());
    m.put("signed_off_at", r.signedOffAt());
    return m;
  }

  private Map<String, Object> full(Reviews.Review r) throws IOException {
    Map<String, Object> m = summary(r);
    m.put("note", r.note());
    m.put("report", json.readTree(r.report()));
    return m;
  }
}
