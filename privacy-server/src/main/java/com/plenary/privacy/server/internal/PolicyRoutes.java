package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.consent.Signals;
import com.plenary.privacy.domain.versions.PolicyVersions;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.PolicyDiff;
import com.plenary.privacy.policy.PolicyException;
import com.plenary.privacy.policy.Problem;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Policy versions (C36): the privacy officer publishes a version; anyone reads every version and what
 * changed, as JSON or — by {@code Accept} — as text or a page; the pages {@code /policy} and {@code
 * /policy/versions/{n}}; and a signed-in person's prompt ({@code /account/policy-changes}) when a version
 * they have not accepted changed something that needs their consent.
 */
public final class PolicyRoutes {
  /** The prompt's path; the privacy center's home sends a person there once per visit while a change waits for them. */
  public static final String PROMPT = "/account/policy-changes";

  private final Platform platform;
  private final JsonBodies bodies;

  public PolicyRoutes(Platform platform, JsonBodies bodies) {
    this.platform = platform;
    this.bodies = bodies;
  }

  /** A new version to publish: the policy file's text, the day it comes into force, and the file's name for problems. */
  record PublishBody(
      @JsonBodies.Max(524_288) @JsonBodies.Example("\"policy: plenary\\nversion: 2\\n…\"") String policy,
      @JsonBodies.Format("date") @JsonBodies.Max(10) @JsonBodies.Example("\"2027-01-01\"") String effective,
      @JsonBodies.Optional @JsonBodies.Max(200) @JsonBodies.Example("\"plenary-v2.yaml\"") String source) {}

  // ---- the answers ----

  /** One version: where it stands ({@code in-force}, {@code past}, {@code scheduled}) and when everyone was told. */
  record VersionView(
      int version,
      String name,
      @Schemas.Nullable LocalDate effective,
      @JsonProperty("text_sha256") @Schemas.Nullable String textSha256,
      @JsonProperty("published_at") @Schemas.Nullable Instant publishedAt,
      @JsonProperty("published_by") @Schemas.Nullable String publishedBy,
      String status,
      @JsonProperty("notified_at") @Schemas.Nullable Instant notifiedAt) {
    static VersionView of(PolicyVersions.Version v) {
      return new VersionView(v.version(), v.name(), v.effective(), v.textSha256(), v.publishedAt(), v.publishedBy(), v.status(), v.notifiedAt());
    }
  }

  /** Every version, oldest first. */
  record VersionList(List<VersionView> versions) {}

  /** One version with its full text (null for the version the platform was started with, which is its policy file). */
  record VersionDocument(VersionView version, @Schemas.Nullable String text) {}

  /** What one section gained and lost. */
  record SectionChange(String section, List<String> added, List<String> removed) {}

  /** What changed from one version to another, and what needs people's fresh consent. */
  record DiffView(
      @JsonProperty("from_version") int fromVersion,
      @JsonProperty("to_version") int toVersion,
      List<SectionChange> changes,
      @JsonProperty("needs_fresh_consent") List<String> needsFreshConsent) {
    static DiffView of(PolicyDiff d) {
      List<SectionChange> out = new ArrayList<>();
      new TreeMap<>(d.changes()).forEach((section, c) -> {
        if (!c.isEmpty()) {
          out.add(new SectionChange(section, c.added(), c.removed()));
        }
      });
      return new DiffView(d.fromVersion(), d.toVersion(), out, d.needsFreshConsent());
    }
  }

  /** A version published, and what changed against the version in force. */
  record PublishedView(VersionView version, DiffView diff) {}

  public List<Route> routes() {
    return List.of(
        new Route("post", "/api/v1/policy/versions", "policy",
            "Publish a new version of the policy: {policy, effective, source?}; checked as a policy in force is (problems as file:line:column), "
                + "stored with its text, in force from its effective date on every node (C36)",
            EnumSet.of(Caller.Kind.STAFF), Set.of("privacy-officer"), List.of(201, 422), PublishBody.class, Route.json(201, PublishedView.class), this::publish),
        Route.publicGet("/api/v1/policy/versions", "policy", "Every version of the policy, oldest first, with where it stands (C36)", VersionList.class,
            this::list),
        Route.publicGet("/api/v1/policy/versions/{n}", "policy",
            "One version with its full text (C36); Accept: text/plain answers the policy file, text/html a page", VersionDocument.class, this::version),
        Route.publicGet("/api/v1/policy/versions/{n}/diff", "policy",
            "What changed from the version before to this one (C36); Accept: text/plain or text/html answers it in words", DiffView.class, this::diff),
        Route.publicGet("/policy", "pages", "The privacy policy in force, its versions and what changed (C36)", this::policyPage),
        Route.publicGet("/policy/versions/{n}", "pages", "One version of the privacy policy and what changed in it (C36)", this::versionPage),
        Route.publicGet(PROMPT, "pages", "What changed in the privacy policy since you last agreed, and your consent to it (C36)", this::promptPage),
        new Route("post", PROMPT, "pages", "Answer the policy change prompt; an HTML form post with its CSRF token", Set.of(), Set.of(), List.of(303), null,
            Route.NO_JSON, this::answer));
  }

  // ---- the API ----

  private void publish(Context ctx) throws IOException {
    PublishBody b = bodies.read(ctx, PublishBody.class);
    LocalDate effective;
    try {
      effective = LocalDate.parse(b.effective());
    } catch (DateTimeParseException e) {
      throw new InvalidInputException("effective", "effective must be a day such as 2027-01-01");
    }
    Caller c = ctx.attribute("caller");
    Access by = Access.staff(platform.vault().staff().facts(c.id(), c.staffType()), ctx.attribute("request-id"));
    PolicyVersions.Published p;
    try {
      p = platform.domain().versions().publish(by, b.policy(), b.source() == null ? "policy" : b.source(), effective);
    } catch (PolicyException e) {
      throw invalidPolicy(e);
    }
    ctx.status(201).json(new PublishedView(VersionView.of(p.version()), DiffView.of(p.diff())));
  }

  /**
   * A policy with mistakes: 422 {@code /problems/invalid-policy} (the body is well formed; the policy it
   * carries is not), every problem as {@code file:line:column: message} in {@code problems}.
   */
  static HttpProblem invalidPolicy(PolicyException e) {
    List<String> problems = e.problems().stream().map(Problem::toString).toList();
    return new HttpProblem(422, "invalid-policy", "Invalid policy", problems.size() + (problems.size() == 1 ? " problem" : " problems")
        + " in the policy; nothing was published", Map.of("field", "policy", "problems", problems));
  }

  private void list(Context ctx) {
    ctx.json(new VersionList(platform.domain().versions().list().stream().map(VersionView::of).toList()));
  }

  private void version(Context ctx) {
    int n = number(ctx);
    PolicyVersions.Full full = platform.domain().versions().get(n);
    String accept = accept(ctx);
    if (accept.equals("text/plain")) {
      ctx.contentType("text/plain; charset=utf-8").result(full.text() != null ? full.text() : String.join("\n", words(platform.domain().versions().policy(n))) + "\n");
    } else if (accept.equals("text/html")) {
      versionPage(ctx);
    } else {
      ctx.json(new VersionDocument(VersionView.of(full.version()), full.text()));
    }
  }

  private void diff(Context ctx) {
    int n = number(ctx);
    PolicyDiff d = platform.domain().versions().diff(n);
    String accept = accept(ctx);
    if (accept.equals("text/plain")) {
      ctx.contentType("text/plain; charset=utf-8").result("Policy version " + d.fromVersion() + " -> " + d.toVersion() + "\n"
          + String.join("\n", changesInWords(Texts.of(ctx), n)) + "\n");
    } else if (accept.equals("text/html")) {
      versionPage(ctx);
    } else {
      ctx.json(DiffView.of(d));
    }
  }

  /** The first of text/html, text/plain and JSON that the Accept header names; JSON when it names none of them. */
  private static String accept(Context ctx) {
    String a = ctx.header("Accept");
    if (a == null) {
      return "application/json";
    }
    int html = a.indexOf("text/html");
    int plain = a.indexOf("text/plain");
    int json = a.indexOf("application/json");
    int best = Integer.MAX_VALUE;
    String out = "application/json";
    for (var e : Map.of("text/html", html, "text/plain", plain, "application/json", json).entrySet()) {
      if (e.getValue() >= 0 && e.getValue() < best) {
        best = e.getValue();
        out = e.getKey();
      }
    }
    return out;
  }

  private static int number(Context ctx) {
    try {
      int n = Integer.parseInt(ctx.pathParam("n"));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new NotFound("there is no such policy version");
  }

  // ---- pages ----

  /** A version in the history list of the policy page. */
  public record VersionRow(int version, String effective, String status, boolean current) {}

  /** The policy page: the version in force in words, and every version. */
  public record PolicyPage(int version, String effective, List<String> purposes, List<String> categories, List<String> recipients, List<VersionRow> history) {}

  /** One version's page: where it stands, what it holds, and what changed from the version before. */
  public record VersionPage(int version, String effective, String status, List<String> changes, List<String> purposes) {}

  /** The prompt: what changed, the new purposes to consent to, the hash of the text shown. */
  public record PromptPage(String csrf, int version, List<String> changes, List<PurposeChoice> purposes, String shown, String error) {}

  /** A new purpose the person may consent to on the prompt. */
  public record PurposeChoice(String id, String text) {}

  private void policyPage(Context ctx) {
    Texts t = Texts.of(ctx);
    Policy p = platform.domain().policy();
    List<VersionRow> history = platform.domain().versions().list().stream()
        .map(v -> new VersionRow(v.version(), v.effective() == null ? "" : v.effective().toString(), words(t, v.status()), v.version() == p.version())).toList();
    Pages.render(ctx, 200, "policy.jte", Map.of("page", new PolicyPage(p.version(), p.effective() == null ? "" : p.effective().toString(),
        purposes(t, p), p.categories().stream().map(c -> t.policy("category", c.id(), c.text())).toList(),
        p.recipients().stream().map(r -> t.policy("recipient", r.id(), r.text())).toList(), history)));
  }

  private static List<String> purposes(Texts t, Policy p) {
    return p.purposes().stream().filter(Purpose::listed).map(x -> t.policy("purpose", x.id(), x.text())).toList();
  }

  private void versionPage(Context ctx) {
    Texts t = Texts.of(ctx);
    int n = number(ctx);
    PolicyVersions.Version v = platform.domain().versions().get(n).version();
    Policy p = platform.domain().versions().policy(n);
    Pages.render(ctx, 200, "policy-version.jte", Map.of("page", new VersionPage(n, v.effective() == null ? "" : v.effective().toString(),
        words(t, v.status()), changesInWords(t, n), purposes(t, p))));
  }

  private static String words(Texts t, String status) {
    return t.get(switch (status) {
      case "in-force" -> "policy-page.status.in-force";
      case "scheduled" -> "policy-page.status.scheduled";
      default -> "policy-page.status.replaced";
    });
  }

  /** What changed in version {@code n}, in sentences people read: texts, never ids. */
  private List<String> changesInWords(Texts t, int n) {
    PolicyDiff d = platform.domain().versions().diff(n);
    Policy to = platform.domain().versions().policy(n);
    Policy from = d.fromVersion() == d.toVersion() ? to : platform.domain().versions().policy(d.fromVersion());
    List<String> out = new ArrayList<>();
    section(t, out, d, "purposes", "purpose", id -> text(t, "purpose", id, to.purpose(id), from.purpose(id), Purpose::text));
    section(t, out, d, "categories", "category", id -> text(t, "category", id, category(to, id), category(from, id), Category::text));
    section(t, out, d, "recipients", "recipient", id -> text(t, "recipient", id, to.recipient(id), from.recipient(id), Recipient::text));
    section(t, out, d, "services", "service", id -> text(t, "service", id, to.service(id), from.service(id), Service::text));
    section(t, out, d, "cookies", "cookie", id -> id);
    int rules = d.changes().get("rules").added().size() + d.changes().get("rules").removed().size()
        + d.changes().get("prohibitions").added().size() + d.changes().get("prohibitions").removed().size();
    if (rules > 0) {
      out.add(t.format("changes.rules", rules));
    }
    if (out.isEmpty()) {
      out.add(t.get(d.fromVersion() == d.toVersion() ? "changes.first" : "changes.none"));
    }
    return out;
  }

  /** The sentences of one section of the diff: {@code changes.new-KIND} for each added, {@code changes.dropped-KIND} for each removed. */
  private static void section(Texts t, List<String> out, PolicyDiff d, String name, String kind, Function<String, String> text) {
    PolicyDiff.Change c = d.changes().get(name);
    c.added().forEach(id -> out.add(t.format("changes.new-" + kind, text.apply(id))));
    c.removed().forEach(id -> out.add(t.format("changes.dropped-" + kind, text.apply(id))));
  }

  private static <T> String text(Texts t, String kind, String id, T now, T before, Function<T, String> text) {
    T x = now != null ? now : before;
    return x == null ? id : t.policy(kind, id, text.apply(x));
  }

  private static Category category(Policy p, String id) {
    return p.categories().stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
  }

  /** A policy in words, for a version kept only as the node's policy file. */
  private static List<String> words(Policy p) {
    List<String> out = new ArrayList<>();
    out.add("Privacy policy version " + p.version() + (p.effective() == null ? "" : ", in force from " + p.effective()));
    out.add("Purposes:");
    p.purposes().stream().filter(Purpose::listed).forEach(x -> out.add("- " + x.text()));
    return out;
  }

  // ---- the person's prompt ----

  private void promptPage(Context ctx) {
    Optional<Vault.Session> session = platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    if (session.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    prompt(ctx, 200, session.get(), null);
  }

  private void prompt(Context ctx, int status, Vault.Session s, String error) {
    Access me = Access.subject(s.subjectId(), ctx.attribute("request-id"));
    Texts t = Texts.of(ctx);
    Optional<PolicyVersions.Prompt> prompt = platform.domain().versions().promptFor(me, s.subjectId(), t);
    if (prompt.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    PolicyVersions.Prompt p = prompt.get();
    Pages.render(ctx, status, "account/policy-changes.jte", Map.of("page", new PromptPage(s.csrf(), p.version(), p.changes(),
        p.purposes().stream().map(x -> new PurposeChoice(x.id(), t.policy("purpose", x.id(), x.text()))).toList(), p.textSha256(), error)));
  }

  private void answer(Context ctx) {
    Vault.Session s = platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE)).orElseThrow(() -> HttpProblem.unauthorized("sign in first"));
    String csrf = ctx.formParam("csrf");
    if (csrf == null || !MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
    if ("later".equals(ctx.formParam("answer"))) {
      ctx.redirect("/account?later=1", HttpStatus.SEE_OTHER);
      return;
    }
    try {
      platform.domain().versions().answer(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(), ctx.formParam("shown"),
          ctx.formParams("purpose"), Texts.of(ctx));
      ctx.redirect("/account?done=policy", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      prompt(ctx, 400, s, Texts.of(ctx).get("prompt.stale"));
    }
  }

  /**
   * For the privacy center's home: whether a signed-in person should be sent to the prompt now — a
   * change waits for their answer and they did not put it off on this visit ({@code ?later=1}).
   */
  public static boolean promptWaiting(Platform platform, Context ctx, String subjectId) {
    if (ctx.queryParam("later") != null) {
      return false;
    }
    return platform.domain().versions().promptFor(Access.subject(subjectId, ctx.attribute("request-id")), subjectId).isPresent();
  }

  // ---- the banner's and the Global Privacy Control's consents (C19, C20) ----

  /**
   * The cookie banner's choices of a signed-in person, as entries of their consent ledger (channel
   * {@code banner}): each class the person can refuse is a consent to its purpose, given or withdrawn.
   */
  public static void bannerChoices(Platform platform, Context ctx, Map<String, Boolean> byClass) {
    Optional<Vault.Session> s = ctx.cookie(VaultRoutes.SESSION_COOKIE) == null ? Optional.empty()
        : platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    if (s.isEmpty()) {
      return;
    }
    Map<String, Boolean> byPurpose = new TreeMap<>();
    platform.domain().policy().cookieClasses().stream().filter(c -> !c.required() && byClass.containsKey(c.id()))
        .forEach(c -> byPurpose.put(c.purpose(), byClass.get(c.id())));
    Signals.banner(platform.domain(), Access.subject(s.get().subjectId(), ctx.attribute("request-id")), s.get().subjectId(), byPurpose);
  }

  /**
   * A {@code Sec-GPC: 1} header on a signed-in person's request (Global Privacy Control): what it opts
   * out of (see {@link Signals#gpc}) is withdrawn in their ledger, channel {@code gpc}. Only a person's
   * session counts: a service's call about them carries their signal only when they send it.
   */
  public static void globalPrivacyControl(Platform platform, Context ctx) {
    if (!"1".equals(ctx.header("Sec-GPC")) || ctx.cookie(VaultRoutes.SESSION_COOKIE) == null || ctx.header("Authorization") != null) {
      return;
    }
    platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE))
        .ifPresent(s -> Signals.gpc(platform.domain(), Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId()));
  }
}
