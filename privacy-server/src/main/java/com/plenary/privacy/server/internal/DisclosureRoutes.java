package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.Reason;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.DisclosureRecords;
import com.plenary.privacy.domain.Ground;
import com.plenary.privacy.domain.sharing.Disclosures;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The disclosure gateway (C23–C28): a service discloses people's data to a recipient on a ground, and
 * gets back the data package — only the permitted fields — as JSON, or streamed as NDJSON when it asks
 * with {@code Accept: application/x-ndjson}. Also the person's correction notices (C35) and the
 * privacy officer's setting of a recipient's webhook.
 */
public final class DisclosureRoutes {
  /** The media type of a streamed package: one person a line, then one line of summary. */
  public static final String NDJSON = Route.NDJSON;
  /** The most people a JSON (not streamed) answer holds. */
  public static final int MAX_JSON_PEOPLE = 10_000;

  private final Platform platform;
  private final JsonBodies bodies;
  private final ObjectMapper json;
  private final Webhooks webhooks;

  public DisclosureRoutes(Platform platform, JsonBodies bodies, ObjectMapper json, Webhooks webhooks) {
    this.platform = platform;
    this.bodies = bodies;
    this.json = json;
    this.webhooks = webhooks;
  }

  /** A disclosure to the members of one of your saved audiences. */
  record AudienceDisclosureBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"carrier\"") String recipient,
      @JsonBodies.Max(64) @JsonBodies.Example("\"winter-customers\"") String audience,
      @JsonBodies.MinItems(1) @JsonBodies.Max(Disclosures.MAX_CATEGORIES) @JsonBodies.Example("[\"user.contact.address\"]") List<String> categories,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Max(32) @JsonBodies.Example("\"processor\"") String ground) {}

  /** A disclosure: to whom, whose data (by id), which categories, why, on which ground. */
  record DisclosureBody(
      @JsonBodies.Max(64) @JsonBodies.Example("\"carrier\"") String recipient,
      @JsonProperty("subject_ids") @JsonBodies.MinItems(1) @JsonBodies.Max(Disclosures.MAX_PEOPLE)
      @JsonBodies.Example("[\"s-6f1c2b9e-0000-4000-8000-000000000001\"]") List<String> subjectIds,
      @JsonBodies.MinItems(1) @JsonBodies.Max(Disclosures.MAX_CATEGORIES) @JsonBodies.Example("[\"user.contact.address\"]") List<String> categories,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Max(32) @JsonBodies.Example("\"processor\"") String ground) {}

  /** A recipient's webhook for correction notices. */
  record WebhookBody(@JsonBodies.Max(2000) @JsonBodies.Example("\"https://partner.example/plenary/notices\"") String url) {}

  /** One person's part of a package: their pseudonymous id and the permitted fields, by name. */
  record PackageItem(String subject, Map<String, String> fields) {}

  /** A disclosure made: its record's id, what went and on which ground, how many people, how many withheld by which rule, and the package. */
  record DisclosurePackage(
      String disclosure,
      String recipient,
      String purpose,
      String ground,
      List<String> categories,
      int released,
      Map<String, Integer> withheld,
      @JsonProperty("disclosed_at") Instant disclosedAt,
      List<PackageItem> people) {}

  /** The last line of a streamed package. */
  record StreamSummary(DisclosureSummary summary) {}

  /** What a streamed package's last line says. */
  record DisclosureSummary(String disclosure, String recipient, String purpose, String ground, List<String> categories, int released,
      Map<String, Integer> withheld, @JsonProperty("disclosed_at") Instant disclosedAt) {}

  /** A recipient's webhook, with its signing secret: shown this once, then never again (it is derived, not stored). */
  record WebhookSet(String recipient, String url, @JsonProperty("set_at") Instant setAt, String secret, @JsonProperty("signature_header") String signatureHeader) {}

  /** A correction notice owed to a recipient that received a field the person corrected. */
  record NoticeView(String id, String recipient, String field, String disclosure, @JsonProperty("created_at") Instant createdAt, String status,
      @JsonProperty("delivered_at") @Schemas.Nullable Instant deliveredAt) {
    static NoticeView of(DisclosureRecords.Notice n) {
      return new NoticeView(n.id(), n.recipient(), n.field(), n.disclosureId(), n.createdAt(), n.status(), n.deliveredAt());
    }
  }

  /** The person's correction notices, oldest first. */
  record NoticeList(List<NoticeView> notices) {}

  public List<Route> routes() {
    return List.of(
        new Route("post", "/api/v1/disclosures", "sharing",
            "Disclose people's data to a recipient on a ground (consent, processor, terms-of-service; legal-request and aggregate have routes of their own): "
                + "each person decided and audited; answers the package of only the permitted fields, or with Accept: " + NDJSON
                + " streams one person a line and a summary line (up to " + Disclosures.MAX_PEOPLE + " people; JSON up to " + MAX_JSON_PEOPLE
                + "); nothing leaves when no one is permitted (C17, C23–C28)",
            EnumSet.of(Caller.Kind.SERVICE), Set.of(), List.of(201), DisclosureBody.class, Route.json(201, DisclosurePackage.class), this::disclose)
            .streaming(201, List.of(PackageItem.class, StreamSummary.class)),
        new Route("post", "/api/v1/disclosures/audience", "sharing",
            "Disclose the data of the members of one of your saved audiences, as POST /api/v1/disclosures does for ids: {recipient, audience, categories, "
                + "purpose, ground} (C23–C28)",
            EnumSet.of(Caller.Kind.SERVICE), Set.of(), List.of(201), AudienceDisclosureBody.class, Route.json(201, DisclosurePackage.class),
            this::discloseToAudience).streaming(201, List.of(PackageItem.class, StreamSummary.class)),
        new Route("post", "/api/v1/recipients/{id}/webhook", "recipients",
            "Set where a recipient takes correction notices: {url}; answers the signing secret once (HMAC-SHA256 of the body, header "
                + Webhooks.SIGNATURE_HEADER + ") (C35)",
            EnumSet.of(Caller.Kind.STAFF), Set.of("privacy-officer"), List.of(200), WebhookBody.class, Route.json(200, WebhookSet.class), this::webhook),
        new Route("get", "/api/v1/me/correction-notices", "account",
            "Your correction notices: each recipient that received a field you corrected, and whether it was told (C35)",
            EnumSet.of(Caller.Kind.SUBJECT), Set.of(), List.of(200), null, Route.json(200, NoticeList.class), this::notices));
  }

  private void disclose(Context ctx) throws IOException {
    DisclosureBody b = bodies.read(ctx, DisclosureBody.class);
    if (!accepts(ctx, NDJSON) && b.subjectIds().size() > MAX_JSON_PEOPLE) {
      throw new InvalidInputException("subject_ids", "a JSON answer holds at most " + MAX_JSON_PEOPLE + " people; ask with Accept: " + NDJSON
          + " to have the package streamed (up to " + Disclosures.MAX_PEOPLE + ")");
    }
    answer(ctx, new Disclosures.Request(b.recipient(), b.subjectIds(), null, b.categories(), b.purpose(), b.ground()));
  }

  private void discloseToAudience(Context ctx) throws IOException {
    AudienceDisclosureBody b = bodies.read(ctx, AudienceDisclosureBody.class);
    answer(ctx, new Disclosures.Request(b.recipient(), null, b.audience(), b.categories(), b.purpose(), b.ground()));
  }

  private void answer(Context ctx, Disclosures.Request request) throws IOException {
    Caller c = ctx.attribute("caller");
    boolean stream = accepts(ctx, NDJSON);
    Access by = Access.service(c.name(), ctx.attribute("request-id"));
    if (!stream) {
      List<PackageItem> items = new ArrayList<>();
      Disclosures.Made made = platform.domain().disclosures().disclose(by, request, i -> items.add(new PackageItem(i.subject(), i.fields())));
      if (made.nothingReleased()) {
        throw refused(made);
      }
      ctx.status(201).json(new DisclosurePackage(made.id(), made.recipient(), made.purpose(), made.ground(), made.categories(), made.released(),
          made.withheld(), made.at(), items));
      return;
    }
    OutputStream[] out = new OutputStream[1];
    Disclosures.Made made = platform.domain().disclosures().disclose(by, request, i -> {
      try {
        if (out[0] == null) {
          ctx.status(201).contentType(NDJSON);
          out[0] = ctx.outputStream();
        }
        out[0].write(json.writeValueAsBytes(new PackageItem(i.subject(), i.fields())));
        out[0].write('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (made.nothingReleased()) {
      throw refused(made);
    }
    out[0].write(json.writeValueAsBytes(new StreamSummary(new DisclosureSummary(made.id(), made.recipient(), made.purpose(), made.ground(),
        made.categories(), made.released(), made.withheld(), made.at()))));
    out[0].write('\n');
    out[0].flush();
  }

  /** The problem of a disclosure in which no one was permitted: the rules and clauses that refused, and how many each refused. */
  private static HttpProblem refused(Disclosures.Made made) {
    Decision d = made.refusal();
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("clauses", d == null ? List.of("C23") : d.clauses());
    ext.put("rules", d == null ? List.of("default-deny") : d.rules());
    ext.put("withheld", made.withheld());
    String detail = d == null || d.reasons().isEmpty() ? "the policy permits this disclosure for no one named" : groundReason(d, made.ground()).detail();
    return new HttpProblem(403, "policy-denied", "Denied by the privacy policy", detail.strip().replaceAll("[.;]+$", "") + "; nothing was disclosed", ext);
  }

  /**
   * The reason to tell: the one of the ground claimed (a processor ground refused for want of an agreement says so, not that no
   * consent covers it), else the first.
   */
  private static Reason groundReason(Decision d, String groundId) {
    Ground ground = Ground.of(groundId);
    if (ground != null) {
      for (Reason r : d.reasons()) {
        if (r.clauses().stream().anyMatch(c -> !c.equals("C23") && ground.clauses().contains(c))) {
          return r;
        }
      }
    }
    return d.reasons().get(0);
  }

  private void webhook(Context ctx) throws IOException {
    WebhookBody b = bodies.read(ctx, WebhookBody.class);
    Caller c = ctx.attribute("caller");
    Access by = Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
    DisclosureRecords.Endpoint e = platform.domain().correctionNotices().setEndpoint(by, ctx.pathParam("id"), b.url());
    ctx.json(new WebhookSet(e.recipient(), e.url(), e.setAt(), webhooks.secret(e), Webhooks.SIGNATURE_HEADER));
  }

  private void notices(Context ctx) {
    Caller c = ctx.attribute("caller");
    Access by = Access.subject(c.id(), ctx.attribute("request-id"));
    ctx.json(new NoticeList(platform.domain().correctionNotices().of(by, c.id()).stream().map(NoticeView::of).toList()));
  }

  private static boolean accepts(Context ctx, String type) {
    String accept = ctx.header("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains(type);
  }
}
