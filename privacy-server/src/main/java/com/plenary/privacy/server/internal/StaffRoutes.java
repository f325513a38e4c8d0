package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Need-to-know staff access (C32): the privacy officer grants a staff member categories × purposes
 * within one of their roles, for at most 90 days; staff decisions use the grants in force.
 */
public final class StaffRoutes {
  private final Platform platform;
  private final JsonBodies bodies;

  public StaffRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A grant: the role it opens, the categories and purposes within it, and when it holds (the domain judges them). */
  record GrantBody(
      @JsonBodies.Max(200) @JsonBodies.Example("\"support\"") String role,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"user.contact\"]") List<String> categories,
      @JsonBodies.MinItems(1) @JsonBodies.Max(50) @JsonBodies.Example("[\"communicate.respond\"]") List<String> purposes,
      @JsonBodies.Optional @JsonBodies.Format("date-time") @JsonBodies.Max(64) String from,
      @JsonBodies.Format("date-time") @JsonBodies.Max(64) String until) {}

  // ---- the answers ----

  /** A grant as the API shows it, with whether it is in force now (C32). */
  record GrantView(
      String id,
      String staff,
      String role,
      List<String> categories,
      List<String> purposes,
      Instant from,
      Instant until,
      @JsonProperty("granted_by") @Schemas.Nullable String grantedBy,
      @JsonProperty("revoked_at") @Schemas.Nullable Instant revokedAt,
      @JsonProperty("in_force") boolean inForce,
      String status,
      List<String> subjects) {
    static GrantView of(StaffRecords.Grant g, Instant now) {
      return new GrantView(g.id(), g.staffId(), g.role(), g.categories(), g.purposes(), g.from(), g.until(), g.grantedBy(), g.revokedAt(), g.inForce(now),
          g.status(), g.subjects());
    }
  }

  /** A staff member's grants, newest first. */
  record Grants(List<GrantView> grants) {}

  public List<Route> routes() {
    Set<Caller.Kind> staff = EnumSet.of(Caller.Kind.STAFF);
    return List.of(
        new Route("post", "/api/v1/staff/{id}/grants", "staff", "Grant need-to-know access: {role, categories, purposes, from?, until} within the role, at most 90 days (C32)",
            staff, Set.of("privacy-officer"), List.of(201), GrantBody.class, Route.json(201, GrantView.class), this::grant),
        new Route("get", "/api/v1/staff/{id}/grants", "staff", "A staff member's grants, newest first, each with whether it is in force (C32)",
            staff, Set.of("privacy-officer", "auditor"), List.of(200), null, Route.json(200, Grants.class), this::list),
        new Route("delete", "/api/v1/staff/{id}/grants/{grant}", "staff", "End a grant at once (C32)",
            staff, Set.of("privacy-officer"), List.of(200), null, Route.json(200, GrantView.class), this::revoke));
  }

  private void grant(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    GrantBody body = bodies.read(ctx, GrantBody.class);
    String role = body.role();
    List<String> categories = body.categories();
    List<String> purposes = body.purposes();
    Instant now = platform.clock().instant();
    Instant from = body.from() == null ? now : time(body.from(), "from");
    Instant until = time(body.until(), "until");
    StaffRecords.Grant g = platform.domain().staff().grant(ctx.pathParam("id"), role, categories, purposes, from, until, c.id(), ctx.attribute("request-id"));
    ctx.status(201).json(GrantView.of(g, now));
  }

  private void list(Context ctx) {
    String id = ctx.pathParam("id");
    platform.vault().staff().find(id).orElseThrow(() -> new NotFound("no staff member has this id"));
    Instant now = platform.clock().instant();
    ctx.json(new Grants(platform.domain().staff().grants(id).stream().map(g -> GrantView.of(g, now)).toList()));
  }

  private void revoke(Context ctx) {
    Caller c = ctx.attribute("caller");
    StaffRecords.Grant ended = platform.domain().staff().revokeGrant(ctx.pathParam("id"), ctx.pathParam("grant"), c.id(), ctx.attribute("request-id"));
    ctx.json(GrantView.of(ended, platform.clock().instant()));
  }

  private static Instant time(String s, String name) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(name, name + " must be a time such as 2026-12-01T09:00:00Z");
    }
  }

}
