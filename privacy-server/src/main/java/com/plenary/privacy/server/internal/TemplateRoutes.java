package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.TemplateRecords.Template;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.messages.Templates;
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
 * The message gateway's templates (C16): the privacy officer defines them, each change a new version;
 * services and staff list them, and a message names one ({@code template} and {@code variables})
 * instead of a subject and body.
 */
public final class TemplateRoutes {
  private final Platform platform;
  private final JsonBodies bodies;
  private final Runnable queued;
  private final MeterRegistry metrics;

  /** {@code queued}: told when messages were queued, so the sender looks at once. */
  public TemplateRoutes(Platform platform, JsonBodies bodies, Runnable queued, MeterRegistry metrics) {
    this.platform = platform;
    this.bodies = bodies;
    this.queued = queued;
    this.metrics = metrics;
  }

  /** A message to one person made from a template: the values of its variables (a person's field is filled by the platform). */
  record FromTemplateBody(
      @JsonProperty("subject_id") @JsonBodies.Max(40) @JsonBodies.Example("\"s-6f1c2b9e-0000-4000-8000-000000000001\"") String subjectId,
      @JsonBodies.Max(64) @JsonBodies.Example("\"order-shipped\"") String template,
      @JsonBodies.Optional @JsonProperty("template_version") Integer templateVersion,
      @JsonBodies.Optional @JsonBodies.Max(50) @JsonBodies.Example("{\"order\": \"A-1001\", \"day\": \"Tuesday\"}") Map<String, String> variables,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

  /** The same message made from a template to up to 10,000 people. */
  record BulkFromTemplateBody(
      @JsonProperty("subject_ids") @JsonBodies.MinItems(1) @JsonBodies.Max(Messages.MAX_BULK)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds,
      @JsonBodies.Max(64) @JsonBodies.Example("\"order-shipped\"") String template,
      @JsonBodies.Optional @JsonProperty("template_version") Integer templateVersion,
      @JsonBodies.Optional @JsonBodies.Max(50) @JsonBodies.Example("{\"order\": \"A-1001\", \"day\": \"Tuesday\"}") Map<String, String> variables,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

  /** A template, or its next version: {@code {{variable}}} in the text; a variable that names a person's field is filled from the vault at send time. */
  record TemplateBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"order-shipped\"") String name,
      @JsonBodies.Max(16) @JsonBodies.Example("\"service\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Max(Messages.MAX_SUBJECT) @JsonBodies.Example("\"Your order has shipped\"") String subject,
      @JsonBodies.Max(Messages.MAX_BODY) @JsonBodies.Example("\"Dear {{name}}, it arrives on Tuesday.\"") String body) {}

  /** One version of a template: the variables a sender gives, and the person's fields the platform fills in. */
  record TemplateView(String name, int version, String kind, String purpose, String subject, String body, List<String> variables, List<String> fields,
      @JsonProperty("created_at") Instant createdAt) {
    static TemplateView of(Templates.Described d) {
      Template t = d.template();
      return new TemplateView(t.name(), t.version(), t.kind(), t.purpose(), t.subject(), t.body(), d.variables(), d.fields(), t.createdAt());
    }
  }

  /** The newest version of every template. */
  record TemplateList(List<TemplateView> templates) {}

  public List<Route> routes() {
    return List.of(
        new Route("post", "/api/v1/message-templates", "messages",
            "Define a message template, or its next version: kind, purpose, subject and body with {{variables}}; a variable naming a person's field is "
                + "filled from the vault when the message is sent (C16)",
            EnumSet.of(Caller.Kind.STAFF), Set.of("privacy-officer"), List.of(201), TemplateBody.class, Route.json(201, TemplateView.class), this::define),
        new Route("get", "/api/v1/message-templates", "messages", "The newest version of every message template, with its variables (C16)",
            EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF), Set.of(), List.of(200), null, Route.json(200, TemplateList.class), this::list),
        new Route("post", "/api/v1/messages/from-template", "messages",
            "Send a person a message made from a template, decided as any message before it is queued; a variable naming a field the purpose may "
                + "not read is refused (C16)",
            EnumSet.of(Caller.Kind.SERVICE), Set.of(), List.of(202), FromTemplateBody.class, Route.json(202, MessageRoutes.Queued.class), this::send),
        new Route("post", "/api/v1/messages/bulk/from-template", "messages",
            "Send a message made from a template to up to 10,000 people, each decided before it is queued; answers counts only (C16)",
            EnumSet.of(Caller.Kind.SERVICE), Set.of(), List.of(202), BulkFromTemplateBody.class, Route.json(202, MessageRoutes.BulkQueued.class), this::sendBulk));
  }

  private void send(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    FromTemplateBody b = bodies.read(ctx, FromTemplateBody.class);
    Access by = Access.service(c.name(), ctx.attribute("request-id"));
    Messages messages = platform.domain().messages();
    Messages.Request request = messages.templates().compose(by, b.subjectId(), b.template(), b.templateVersion(), b.variables(), b.idempotencyKey());
    Messages.Accepted accepted;
    try {
      accepted = messages.send(by, request);
    } catch (Refused r) {
      MessageRoutes.refused(metrics, r.rule()).increment();
      throw r;
    }
    if (!accepted.repeated()) {
      MessageRoutes.queued(metrics).increment();
      queued.run();
    }
    ctx.status(202).json(new MessageRoutes.Queued(accepted.id(), "queued", accepted.repeated()));
  }

  private void sendBulk(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    BulkFromTemplateBody b = bodies.read(ctx, BulkFromTemplateBody.class);
    Access by = Access.service(c.name(), ctx.attribute("request-id"));
    Messages messages = platform.domain().messages();
    Messages.Request request = messages.templates().compose(by, null, b.template(), b.templateVersion(), b.variables(), b.idempotencyKey());
    ctx.status(202).json(MessageRoutes.counted(metrics, queued, messages.sendBulk(by, b.subjectIds(), request)));
  }

  private void define(Context ctx) throws IOException {
    Caller c = ctx.attribute("caller");
    TemplateBody b = bodies.read(ctx, TemplateBody.class);
    Access by = Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
    Templates.Described d = platform.domain().messages().templates().define(by, b.name(), b.kind(), b.purpose(), b.subject(), b.body());
    ctx.status(201).json(TemplateView.of(d));
  }

  private void list(Context ctx) {
    ctx.json(new TemplateList(platform.domain().messages().templates().list().stream().map(TemplateView::of).toList()));
  }
}
