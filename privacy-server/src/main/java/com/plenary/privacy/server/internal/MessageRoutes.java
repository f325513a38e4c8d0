package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The message gateway's endpoints (C16): a service sends a message to one person or the same message
 * to many (bulk), each decided by the domain before it is queued; and the one-click unsubscribe link of every
 * message that has one (RFC 8058): a POST unsubscribes with no sign-in, a GET only shows the page that
 * asks to confirm, so link scanners unsubscribe no one.
 */
public final class MessageRoutes {
  private final Platform platform;
  private final JsonBodies bodies;
  private final UnsubscribeTokens tokens;
  private final Runnable queued;
  private final MeterRegistry metrics;
  private final Counter queuedCount;

  /** {@code queued}: told when messages were queued, so the sender looks at once. */
  public MessageRoutes(Platform platform, JsonBodies bodies, UnsubscribeTokens tokens, Runnable queued, MeterRegistry metrics) {
    this.platform = platform;
    this.bodies = bodies;
    this.tokens = tokens;
    this.queued = queued;
    this.metrics = metrics;
    this.queuedCount = Counter.builder("plenary_messages").tag("outcome", "queued").description("Messages decided and queued").register(metrics);
  }

  /** A message to one person. */
  record MessageBody(
      @JsonProperty("subject_id") @JsonBodies.Max(40) @JsonBodies.Example("\"s-6f1c2b9e-0000-4000-8000-000000000001\"") String subjectId,
      @JsonBodies.Max(16) @JsonBodies.Example("\"service\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Max(Messages.MAX_SUBJECT) @JsonBodies.Example("\"Your order has shipped\"") String subject,
      @JsonBodies.Max(Messages.MAX_BODY) @JsonBodies.Example("\"It arrives on Tuesday.\"") String body,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

  /** The same message to many people (up to 10,000); the idempotency key, when given, keys each person's message. */
  /** A message queued: its id, and whether an earlier send with the same idempotency key queued it already. */
  record Queued(String id, String status, boolean repeated) {}

  /** A bulk send: how many were queued, and how many were refused by each rule; no one is named. */
  record BulkQueued(int queued, Map<String, Integer> refused) {}

  record BulkBody(
      @JsonProperty("subject_ids") @JsonBodies.MinItems(1) @JsonBodies.Max(Messages.MAX_BULK)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds,
      @JsonBodies.Max(16) @JsonBodies.Example("\"marketing\"") String kind,
      @JsonBodies.Max(200) @JsonBodies.Example("\"communicate.marketing\"") String purpose,
      @JsonBodies.Max(Messages.MAX_SUBJECT) @JsonBodies.Example("\"Our winter offers\"") String subject,
      @JsonBodies.Max(Messages.MAX_BODY) @JsonBodies.Example("\"Warm socks.\"") String body,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonProperty("idempotency_key") String idempotencyKey) {}

  /** One of the person's own messages; its subject and body only when they asked for them with {@code ?include=body}. */
  record MyMessage(
      String id,
      String kind,
      String purpose,
      String service,
      String status,
      @JsonProperty("queued_at") Instant queuedAt,
      @JsonProperty("sent_at") @Schemas.Nullable Instant sentAt,
      @JsonInclude(JsonInclude.Include.NON_NULL) String subject,
      @JsonInclude(JsonInclude.Include.NON_NULL) String body) {
    static MyMessage of(MessageRecords.Entry e, String subject, String body) {
      return new MyMessage(e.id(), e.kind(), e.purpose(), e.service(), e.status().name().toLowerCase(Locale.ROOT), e.queuedAt(), e.sentAt(), subject, body);
    }
  }

  /** Whether the person gets messages of a kind, for a purpose ({@code null}: every purpose a service declares). */
  record Subscription(String kind, @Schemas.Nullable String purpose, boolean subscribed) {}

  /**
   * The person's messages, a page of them newest first ({@code next}: the cursor of the page after, for
   * {@code ?before=}), their subscriptions, whether their address is suppressed, and what is waiting to be sent.
   */
  record MyMessages(List<MyMessage> messages, @Schemas.Nullable String next, List<Subscription> subscriptions, boolean suppressed, List<MyMessage> waiting) {}

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    return List.of(
        new Route("get", "/api/v1/me/messages", "people",
            "My messages: kind, purpose, service, status, dates, newest first (?limit=1..200, ?before=<id> for the next page); "
                + "their text only with ?include=body, which is audited; my subscriptions, suppression, and what is waiting to be sent (C16, C34)",
            EnumSet.of(Caller.Kind.SUBJECT), Set.of(), List.of(200), null, Route.json(200, MyMessages.class), this::mine),
        new Route("post", "/api/v1/messages", "messages",
            "Send a message to a person, decided before it is queued: marketing only with opt-in, "
                + "nothing after an unsubscribe, nothing to a suppressed address, a per-person marketing limit (C16)",
            service, Set.of(), List.of(202), MessageBody.class, Route.json(202, Queued.class), this::send),
        new Route("post", "/api/v1/messages/bulk", "messages",
            "Send the same message to up to 10,000 people, each decided before it is queued; answers how many were queued and refused by rule, no personal data (C16)",
            service, Set.of(), List.of(202), BulkBody.class, Route.json(202, BulkQueued.class), this::sendBulk),
        new Route("get", "/unsubscribe/{token}", "messages", "The page of a message's unsubscribe link: asks to confirm; changes nothing (C16)",
            Set.of(), Set.of(), List.of(200, 404), null, Route.NO_JSON, this::confirmPage),
        new Route("post", "/unsubscribe/{token}", "messages", "One-click unsubscribe (RFC 8058): no sign-in; the next message of that kind is not sent (C16)",
            Set.of(), Set.of(), List.of(200, 404), null, Route.NO_JSON, this::unsubscribe));
  }

  private void mine(Context ctx) {
    Caller caller = ctx.attribute("caller");
    String include = ctx.queryParam("include");
    if (include != null && !include.equals("body")) {
      throw new InvalidInputException("include", "include may only be body");
    }
    int limit = limit(ctx.queryParam("limit"));
    Access me = Access.subject(caller.id(), ctx.attribute("request-id"));
    Outcome<Messages.OwnMessages> out = platform.domain().messages().own(me, caller.id(), limit, ctx.queryParam("before"), include != null);
    if (!out.permitted()) {
      throw VaultRoutes.denied(out.decision());
    }
    Messages.OwnMessages own = out.value();
    List<Subscription> subscriptions = List.of(
        new Subscription(Kind.SERVICE.id(), null, !own.unsubscribed().contains(Kind.SERVICE.id())),
        new Subscription(Kind.MARKETING.id(), Vocabulary.MARKETING, !own.unsubscribed().contains(Kind.MARKETING.id())));
    ctx.json(new MyMessages(own.messages().stream().map(m -> MyMessage.of(m.entry(), m.subject(), m.body())).toList(), own.next(), subscriptions,
        own.suppressed(), own.waiting().stream().map(e -> MyMessage.of(e, null, null)).toList()));
  }

  private static int limit(String v) {
    if (v == null) {
      return 50;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= Messages.MAX_PAGE) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new InvalidInputException("limit", "limit must be a whole number from 1 to " + Messages.MAX_PAGE);
  }

  private void send(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    MessageBody b = bodies.read(ctx, MessageBody.class);
    Access by = Access.service(caller.name(), ctx.attribute("request-id"));
    Messages.Request request = new Messages.Request(b.subjectId(), b.kind(), b.purpose(), b.subject(), b.body(), b.idempotencyKey());
    Messages.Accepted accepted;
    try {
      accepted = platform.domain().messages().send(by, request);
    } catch (Refused r) {
      refusedCounter(r.rule()).increment();
      throw r;
    }
    if (!accepted.repeated()) {
      queuedCount.increment();
      queued.run();
    }
    ctx.status(202).json(new Queued(accepted.id(), "queued", accepted.repeated()));
  }

  private void sendBulk(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    BulkBody b = bodies.read(ctx, BulkBody.class);
    if (b.subjectIds().stream().anyMatch(id -> id == null)) {
      throw new InvalidInputException("subject_ids", "every entry of subject_ids is a person's id");
    }
    Access by = Access.service(caller.name(), ctx.attribute("request-id"));
    Messages.Request template = new Messages.Request(null, b.kind(), b.purpose(), b.subject(), b.body(), b.idempotencyKey());
    Messages.Bulk bulk = platform.domain().messages().sendBulk(by, b.subjectIds(), template);
    queuedCount.increment(bulk.queued());
    bulk.refused().forEach((rule, n) -> refusedCounter(rule).increment(n));
    if (bulk.queued() > 0) {
      queued.run();
    }
    ctx.status(202).json(new BulkQueued(bulk.queued(), bulk.refused()));
  }

  private Counter refusedCounter(String rule) {
    return refused(metrics, rule);
  }

  /** The counter of messages refused before they were queued by {@code rule}. */
  static Counter refused(MeterRegistry metrics, String rule) {
    return Counter.builder("plenary_messages_refused").tag("rule", rule).description("Messages refused before they were queued, by rule").register(metrics);
  }

  /** The counter of messages decided and queued. */
  static Counter queued(MeterRegistry metrics) {
    return Counter.builder("plenary_messages").tag("outcome", "queued").description("Messages decided and queued").register(metrics);
  }

  /** Counts a bulk send in the metrics, tells the sender when something was queued, and answers it. */
  static BulkQueued counted(MeterRegistry metrics, Runnable queued, Messages.Bulk bulk) {
    queued(metrics).increment(bulk.queued());
    bulk.refused().forEach((rule, n) -> refused(metrics, rule).increment(n));
    if (bulk.queued() > 0) {
      queued.run();
    }
    return new BulkQueued(bulk.queued(), bulk.refused());
  }

  private void confirmPage(Context ctx) {
    Texts t = Texts.of(ctx);
    Optional<UnsubscribeTokens.Named> named = tokens.verify(ctx.pathParam("token"));
    if (named.isEmpty()) {
      Pages.render(ctx, 404, "unsubscribe.jte", Map.of("page", new Pages.Unsubscribe(t.get("unsubscribe.title"), null, null, false, false)));
      return;
    }
    Pages.render(ctx, 200, "unsubscribe.jte",
        Map.of("page", new Pages.Unsubscribe(t.get("unsubscribe.title"), ctx.pathParam("token"), what(t, named.get().kind()), true, false)));
  }

  private void unsubscribe(Context ctx) {
    Texts t = Texts.of(ctx);
    Optional<UnsubscribeTokens.Named> named = tokens.verify(ctx.pathParam("token"));
    if (named.isEmpty()) {
      Pages.render(ctx, 404, "unsubscribe.jte", Map.of("page", new Pages.Unsubscribe(t.get("unsubscribe.title"), null, null, false, false)));
      return;
    }
    platform.domain().messages().unsubscribe(named.get().subjectId(), named.get().kind(), ctx.attribute("request-id"));
    Pages.render(ctx, 200, "unsubscribe.jte", Map.of("page", new Pages.Unsubscribe(t.get("unsubscribe.done-title"), null, what(t, named.get().kind()), true, true)));
  }

  private static String what(Texts t, Kind kind) {
    return t.get(kind == Kind.MARKETING ? "unsubscribe.what.marketing" : "unsubscribe.what.service");
  }
}
