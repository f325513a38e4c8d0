package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.TemplateRecords.Template;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.messages.Templates;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The message gateway's templates (C16): the privacy officer defines them, each change a new version;
 * services and staff list them, and a message names one ({@code template} and {@code variables})
 * instead of a subject and body.
 */
public final class TemplateRoutes {
  private final Platform platform;
  private final JsonBodies bodies;

  public TemplateRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A template, or its next version: {@code {{variable}}} in the text; a variable that names a person's field is filled from the vault at send time. */
  record TemplateBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"order-shipped\"") String name,
      @JsonBodies.Max(16) @JsonBodies.Example("\"service\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Max(Messages.MAX_SUBJECT) @JsonBodies.Example("\"Your order {{order}} has shipped\"") String subject,
      @JsonBodies.Max(Messages.MAX_BODY) @JsonBodies.Example("\"Dear {{name}}, it arrives on {{day}}.\"") String body) {}

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
            EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF), Set.of(), List.of(200), null, Route.json(200, TemplateList.class), this::list));
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
