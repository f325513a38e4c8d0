package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Named audiences (C16): a service saves a list of the people registered with it under a name, and
 * then sends to it in bulk by name ({@code audience} instead of {@code subject_ids}); every member is
 * decided on their own at each send.
 */
public final class AudienceRoutes {
  private final Platform platform;
  private final JsonBodies bodies;
  private final Runnable queued;
  private final MeterRegistry metrics;

  /** {@code queued}: told when messages were queued, so the sender looks at once. */
  public AudienceRoutes(Platform platform, JsonBodies bodies, Runnable queued, MeterRegistry metrics) {
    this.platform = platform;
    this.bodies = bodies;
    this.queued = queued;
    this.metrics = metrics;
  }

  /** The same message to every member of one of the caller's audiences. */
  record AudienceMessageBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"winter-customers\"") String audience,
      @JsonBodies.Max(16) @JsonBodies.Example("\"marketing\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"communicate.marketing\"") String purpose,
      @JsonBodies.Max(Messages.MAX_SUBJECT) @JsonBodies.Example("\"Our winter offers\"") String subject,
      @JsonBodies.Max(Messages.MAX_BODY) @JsonBodies.Example("\"Warm socks.\"") String body,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

  /** A message made from a template to every member of one of the caller's audiences. */
  record AudienceFromTemplateBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"winter-customers\"") String audience,
      @JsonBodies.Max(64) @JsonBodies.Example("\"winter-offers\"") String template,
      @JsonBodies.Optional @JsonProperty("template_version") Integer templateVersion,
      @JsonBodies.Optional @JsonBodies.Max(50) @JsonBodies.Example("{\"season\": \"winter\"}") Map<String, String> variables,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

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
            service, Set.of(), List.of(200), null, Route.json(200, AudienceList.class), this::list),
        new Route("post", "/api/v1/messages/audience", "messages",
            "Send the same message to every member of one of your audiences, each decided before it is queued; answers counts only (C16)",
            service, Set.of(), List.of(202), AudienceMessageBody.class, Route.json(202, MessageRoutes.BulkQueued.class), this::send),
        new Route("post", "/api/v1/messages/audience/from-template", "messages",
            "Send a message made from a template to every member of one of your audiences, each decided before it is queued; answers counts only (C16)",
            service, Set.of(), List.of(202), AudienceFromTemplateBody.class, Route.json(202, MessageRoutes.BulkQueued.class), this::sendFromTemplate));
  }

  private void send(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    AudienceMessageBody b = bodies.read(ctx, AudienceMessageBody.class);
    Access by = Access.service(c.name(), ctx.attribute("request-id"));
    Messages.Request request = new Messages.Request(null, b.kind(), b.purpose(), b.subject(), b.body(), b.idempotencyKey());
    ctx.status(202).json(MessageRoutes.counted(metrics, queued, platform.domain().messages().sendToAudience(by, b.audience(), request)));
  }

  private void sendFromTemplate(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    AudienceFromTemplateBody b = bodies.read(ctx, AudienceFromTemplateBody.class);
    Access by = Access.service(c.name(), ctx.attribute("request-id"));
    Messages messages = platform.domain().messages();
    Messages.Request request = messages.templates().compose(by, null, b.template(), b.templateVersion(), b.variables(), b.idempotencyKey());
    ctx.status(202).json(MessageRoutes.counted(metrics, queued, messages.sendToAudience(by, b.audience(), request)));
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
