package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Named audiences (C16): a service saves a list of the people registered with it under a name, and
 * then sends to it in bulk by name ({@code audience} instead of {@code subject_ids}); every member is
 * decided on their own at each send.
 */
public final class AudienceRoutes {
  private final Platform platform;
  private final JsonBodies bodies;

  public AudienceRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** An audience to save (replacing one of the same name). */
  record AudienceBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"winter-customers\"") String name,
      @JsonProperty("subject_ids") @JsonBodies.MinItems(1) @JsonBodies.Max(Messages.MAX_BULK)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds) {}

  /** An audience saved: how many people it holds, and how many of those named were left out because they are not yours to see; no one is named. */
  record AudienceSaved(String name, int members, @JsonProperty("left_out") int leftOut) {}

  /** One of the caller's audiences. */
  record AudienceView(String name, int members, @JsonProperty("created_at") Instant createdAt) {}

  /** The caller's audiences, by name. */
  record AudienceList(List<AudienceView> audiences) {}

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    return List.of(
        new Route("post", "/api/v1/audiences", "messages",
            "Save a named audience: up to 10,000 people registered with you, to send to in bulk by name; each is decided again at every send (C16)",
            service, Set.of(), List.of(201), AudienceBody.class, Route.json(201, AudienceSaved.class), this::save),
        new Route("get", "/api/v1/audiences", "messages", "Your named audiences, with how many people each holds (C16)",
            service, Set.of(), List.of(200), null, Route.json(200, AudienceList.class), this::list));
  }

  private void save(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    AudienceBody b = bodies.read(ctx, AudienceBody.class);
    Messages.Saved saved = platform.domain().messages().saveAudience(Access.service(c.name(), ctx.attribute("request-id")), b.name(), b.subjectIds());
    ctx.status(201).json(new AudienceSaved(saved.name(), saved.members(), saved.leftOut()));
  }

  private void list(Context ctx) {
    Caller c = ctx.attribute("caller");
    ctx.json(new AudienceList(platform.domain().messages().audiences(Access.service(c.name(), ctx.attribute("request-id"))).stream()
        .map(a -> new AudienceView(a.name(), a.members(), a.createdAt())).toList()));
  }
}
