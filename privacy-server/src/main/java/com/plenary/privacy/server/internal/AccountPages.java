package com.plenary.privacy.server.internal;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.consent.ConsentRequests;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.sharing.Recipients;
import com.plenary.privacy.domain.subjects.Passwords;
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The privacy center's pages for people (/account): register, sign in and out, see and correct their
 * data, export it, give and withdraw consents (per purpose, and per recipient for sharing), answer
 * services' requests for consent, see their messages and requests, change or reset their password,
 * erase themselves after a confirmation step. Server-rendered from jte templates in the language the
 * browser asks for ({@link Texts}), no script; every form carries a CSRF token (the session's once
 * signed in, before that one bound to the browser id cookie by {@link FormTokens}). Every use of
 * personal data goes through the domain, as the API's does; bad input re-renders the page with the
 * form as it was sent and a sentence that says what to fix, and changes nothing.
 */
public final class AccountPages {
  /** What {@code ?done=} may say; anything else says nothing. */
  private static final Set<String> DONE = Set.of("registered", "signed-in", "signed-out", "corrected", "consent", "erased", "subscriptions", "check-mail",
      "password", "reset");

  private final Platform platform;
  private final FormTokens formTokens;
  private final RegionForwarding forwarding;
  private final JsonBodies bodies;

  public AccountPages(Platform platform, RegionForwarding forwarding, JsonBodies bodies) {
    this.platform = platform;
    this.forwarding = forwarding;
    this.bodies = bodies;
    this.formTokens = FormTokens.open(platform.config().keyDir());
  }

  public List<Route> routes() {
    return List.of(
        Route.publicGet("/account", "pages", "The privacy center: register, sign in, my data, consents, messages, requests (C34, C35)", this::account),
        Route.publicGet("/account/export", "pages", "My data, as a readable page (C34)", this::exportPage),
        form("/account/register", "Register (C2, C22)", this::register),
        form("/account/sign-in", "Sign in (C6)", this::signIn),
        Route.publicPost(RegionForwarding.RESET_PATH, "people", "A password reset asked for at another region's node: the link is mailed from here if "
            + "this region holds the address; for the regions' nodes only, signed with their shared secret (C6, C13)", ResetThere.class, ResetAsked.class,
            this::resetForAnotherRegion),
        Route.publicGet(RegionForwarding.CONTINUE_PATH, "pages", "Continue a sign-in made at another region's node: takes the single-use hand-off (query: handoff)",
            this::continueSignIn),
        form("/account/sign-out", "Sign out", this::signOut),
        form("/account/correct", "Correct my data (C35)", this::correct),
        form("/account/consents", "Give or withdraw a consent, for a purpose or for sharing with a recipient (C19, C24)", this::consent),
        form("/account/consent-requests", "Grant or decline a service's request for my consent (C19)", this::answerRequest),
        form("/account/subscriptions", "Unsubscribe from a kind of message, or subscribe again (C16)", this::subscription),
        Route.publicGet("/account/erase", "pages", "Erase me: what goes, and the confirmation step", this::erasePage),
        form("/account/erase", "Erase me, once confirmed", this::erase),
        Route.publicGet("/account/password", "pages", "Change my password", this::passwordPage),
        form("/account/password", "Change my password, giving the current one; every other session ends", this::changePassword),
        Route.publicGet("/account/forgot", "pages", "Forgotten password: ask for a reset link by mail", this::forgotPage),
        form("/account/forgot", "Mail a reset link to this address if it is registered; the answer is the same either way", this::forgot),
        Route.publicGet("/account/reset/{token}", "pages", "The page a mailed reset link opens: the new password's form (changes nothing)", this::resetPage),
        form("/account/reset/{token}", "Set a new password with a reset link; works once, until it expires; every session ends", this::reset),
        Route.publicGet("/assets/plenary.css", "pages", "The pages' styles", ctx -> {
          try (var in = AccountPages.class.getResourceAsStream("/assets/plenary.css")) {
            ctx.header("Cache-Control", "public, max-age=3600").contentType("text/css; charset=utf-8").result(in.readAllBytes());
          }
        }));
  }

  private static Route form(String path, String summary, Handler handler) {
    return new Route("post", path, "pages", summary + "; an HTML form post with its CSRF token", Set.of(), Set.of(), List.of(303), null, Route.NO_JSON, handler);
  }

  // ---- pages ----

  private void account(Context ctx) {
    Texts t = Texts.of(ctx);
    Optional<Vault.Session> session = session(ctx);
    String q = ctx.queryParam("done");
    String done = q != null && DONE.contains(q) ? t.get("done." + q) : null;
    if (session.isEmpty()) {
      anonymous(ctx, 200, t.get("center.sign-in-or-register"), done, null, "", Map.of());
      return;
    }
    if (PolicyRoutes.promptWaiting(platform, ctx, session.get().subjectId())) {
      ctx.redirect(PolicyRoutes.PROMPT, HttpStatus.SEE_OTHER); // a new policy version asks for their consent (C36)
      return;
    }
    home(ctx, 200, session.get(), done, null, "1".equals(ctx.queryParam("text")), Map.of());
  }

  /** The page before sign-in; {@code email} and {@code entered} keep what the person typed (never a password). */
  private void anonymous(Context ctx, int status, String title, String done, String error, String email, Map<String, String> entered) {
    Texts t = Texts.of(ctx);
    Service account = platform.policy().service("account");
    List<Pages.FormField> fields = new ArrayList<>();
    for (String f : account.required()) {
      fields.add(field(t, platform.policy().field(f), true, entered.getOrDefault(f, "")));
    }
    for (String f : account.optional()) {
      fields.add(field(t, platform.policy().field(f), false, entered.getOrDefault(f, "")));
    }
    Pages.render(ctx, status, "account/anonymous.jte", Map.of("page", new Pages.Anonymous(title, anonymousCsrf(ctx), done, error, email, fields)));
  }

  /**
   * The signed-in person's page. {@code withText}: they asked to see the text of their messages (decided
   * and audited by the domain). {@code entered}: corrections as they were sent, shown again when refused.
   */
  private void home(Context ctx, int status, Vault.Session session, String done, String error, boolean withText, Map<String, String> entered) {
    Texts t = Texts.of(ctx);
    String id = session.subjectId();
    Access me = Access.subject(id, ctx.attribute("request-id"));
    var read = platform.domain().subjects().read(me, id, Vocabulary.PROVIDE, List.of());
    Map<String, String> values = read.permitted() ? read.value().values() : Map.of();
    List<Pages.Row> rows = values.entrySet().stream().map(e -> new Pages.Row(fieldLabel(t, e.getKey()), e.getValue())).toList();
    List<Pages.FormField> correctable = new ArrayList<>();
    for (Field f : platform.policy().fields()) {
      if (values.containsKey(f.name()) || platform.policy().service("account").optional().contains(f.name())) {
        correctable.add(field(t, f, false, entered.getOrDefault(f.name(), values.getOrDefault(f.name(), ""))));
      }
    }
    Subjects.Account account = platform.domain().subjects().account(me, id);
    List<String> off = new ArrayList<>(cookiesOff(ctx, t));
    for (Subjects.Unavailable u : platform.domain().subjects().unavailable(account.given())) {
      Service service = platform.policy().service(u.service());
      off.add(t.format("off.service", t.policy("service", service.id(), service.text()),
          String.join(", ", u.missing().stream().map(f -> fieldLabel(t, f)).toList())));
    }
    var consents = platform.domain().consents().of(me, id);
    List<Recipients.View> known = platform.domain().recipients().list();
    Map<String, String> recipientNames = recipientNames(t, known);
    List<Pages.ConsentRow> consentRows = new ArrayList<>();
    for (Purpose p : platform.policy().purposes()) {
      if (p.listed()) {
        consentRows.add(new Pages.ConsentRow(p.id(), null, purposeText(t, p.id()),
            consents.stream().anyMatch(c -> c.purpose().equals(p.id()) && c.recipient() == null && c.withdrawnAt() == null)));
      }
    }
    consents.stream().filter(c -> c.recipient() != null && c.withdrawnAt() == null).map(c -> List.of(c.purpose(), c.recipient())).distinct()
        .forEach(pr -> consentRows.add(new Pages.ConsentRow(pr.get(0), pr.get(1),
            t.format("sharing.row", recipientNames.getOrDefault(pr.get(1), pr.get(1)), purposeText(t, pr.get(0))), true)));
    // sharing is offered with the recipients the policy names and those the privacy officer registered, never processors (they act under agreement, not consent)
    List<Pages.Row> recipients = known.stream().filter(r -> !r.processor()).map(r -> new Pages.Row(r.id(), recipientNames.get(r.id()))).toList();
    List<Pages.Row> sharingPurposes = platform.policy().purposes().stream().filter(Purpose::listed).map(p -> new Pages.Row(p.id(), purposeText(t, p.id()))).toList();
    List<Pages.ConsentAsk> asks = platform.domain().consentRequests().of(me, id).stream()
        .filter(r -> r.request().status().equals(ConsentRequests.PENDING)).map(r -> new Pages.ConsentAsk(r.request().id(), r.text(), r.textSha256())).toList();
    Instant now = platform.clock().instant();
    List<Pages.RequestRow> requests = platform.domain().subjects().requests(me, id).stream().map(r -> requestRow(t, r, now)).toList();
    Outcome<Messages.OwnMessages> own = platform.domain().messages().own(me, id, 50, null, withText);
    boolean showingText = own.permitted() && withText;
    Messages.OwnMessages mailbox = own.permitted() ? own.value() : platform.domain().messages().own(me, id, 50, null, false).value();
    List<Pages.MessageRow> messages = mailbox.messages().stream().map(m -> messageRow(t, m.entry(), m.subject(), m.body())).toList();
    List<Pages.MessageRow> waiting = mailbox.waiting().stream().map(e -> messageRow(t, e, null, null)).toList();
    List<Pages.SubscriptionRow> subscriptions = List.of(
        new Pages.SubscriptionRow(Kind.SERVICE.id(), t.get("subscriptions.service"), !mailbox.unsubscribed().contains(Kind.SERVICE.id())),
        new Pages.SubscriptionRow(Kind.MARKETING.id(), t.get("subscriptions.marketing"), !mailbox.unsubscribed().contains(Kind.MARKETING.id())));
    if (mailbox.suppressed()) {
      off.add(t.get("off.suppressed"));
    }
    Pages.render(ctx, status, "account/home.jte", Map.of("page", new Pages.Home(session.csrf(), done, error, off, rows, correctable, consentRows,
        recipients, sharingPurposes, asks, requests, messages, subscriptions, waiting, showingText)));
  }

  /** The features that are off because of the browser's cookie choices (C21), one plain sentence each. */
  private static List<String> cookiesOff(Context ctx, Texts t) {
    String c = ctx.cookie(CollectRoutes.CONSENT_COOKIE);
    boolean gpc = "1".equals(ctx.header("Sec-GPC"));
    if (c == null || !c.matches("v1\\.p[01]\\.a[01]")) {
      return List.of(t.get("off.no-choice"));
    }
    List<String> off = new ArrayList<>();
    if (c.contains(".p0")) {
      off.add(t.get("off.preferences"));
    }
    if (c.contains(".a0") || gpc) {
      off.add(t.get(gpc ? "off.gpc" : "off.analytics"));
    }
    return off;
  }

  /** Every recipient's name as a person reads it: the translation of a policy's recipient where there is one, the registered name otherwise. */
  private Map<String, String> recipientNames(Texts t, List<Recipients.View> known) {
    Map<String, String> out = new HashMap<>();
    for (Recipients.View r : known) {
      Recipient declared = platform.policy().recipient(r.id());
      out.put(r.id(), declared != null ? t.policy("recipient", declared.id(), declared.text()) : r.name());
    }
    return out;
  }

  private Pages.RequestRow requestRow(Texts t, Map<String, Object> r, Instant now) {
    String kind = String.valueOf(r.get("kind"));
    Instant made = (Instant) r.get("requested_at");
    Instant due = (Instant) r.get("deadline");
    Instant served = (Instant) r.get("served_at");
    String status;
    String met;
    if (served != null) {
      status = t.format("requests.served", dateTime(t, served));
      met = t.get(served.isAfter(due) ? "requests.met.no" : "requests.met.yes");
    } else if (now.isAfter(due)) {
      status = t.get("requests.open");
      met = t.get("requests.met.no");
    } else {
      status = t.get("requests.open");
      met = t.get("requests.met.not-yet");
    }
    String label = t.has("requests.kind." + kind) ? t.get("requests.kind." + kind) : label(kind);
    return new Pages.RequestRow(label, dateTime(t, made), date(t, due), status, met);
  }

  private static String dateTime(Texts t, Instant at) {
    return DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT).withLocale(t.locale()).withZone(ZoneOffset.UTC).format(at) + " UTC";
  }

  private static String date(Texts t, Instant at) {
    return DateTimeFormatter.ofLocalizedDate(FormatStyle.LONG).withLocale(t.locale()).withZone(ZoneOffset.UTC).format(at);
  }

  private Pages.MessageRow messageRow(Texts t, MessageRecords.Entry e, String subject, String body) {
    String kind = t.has("messages.kind." + e.kind()) ? t.get("messages.kind." + e.kind()) : e.kind();
    String status = t.get("messages.status." + e.status().name().toLowerCase(Locale.ROOT));
    return new Pages.MessageRow(kind, purposeText(t, e.purpose()), dateTime(t, e.queuedAt()), status, subject, body);
  }

  private void exportPage(Context ctx) throws Exception {
    Optional<Vault.Session> session = session(ctx);
    if (session.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    Texts t = Texts.of(ctx);
    var out = platform.domain().subjects().export(Access.subject(session.get().subjectId(), ctx.attribute("request-id")), session.get().subjectId(), language -> t);
    List<Pages.Row> profile = new ArrayList<>();
    List<Pages.Section> sections = new ArrayList<>();
    if (out.permitted()) {
      for (var e : out.value().entrySet()) {
        if (e.getKey().equals("profile") && e.getValue() instanceof Map<?, ?> fields) {
          fields.forEach((name, v) -> profile.add(new Pages.Row(fieldLabel(t, String.valueOf(name)),
              v instanceof Map<?, ?> m ? String.valueOf(m.get("value")) : String.valueOf(v))));
          continue;
        }
        String key = "export.section." + e.getKey();
        sections.add(section(t, t.has(key) ? t.get(key) : label(e.getKey()), e.getValue()));
      }
    }
    Pages.render(ctx, 200, "account/export.jte", Map.of("profile", profile, "sections", sections));
  }

  /**
   * A section of the export as people read it: a list of records is a table with a column for every
   * name any of them has (headed in words), one record is a table of one row, a single value a
   * sentence, and an empty list says that nothing is recorded.
   */
  private Pages.Section section(Texts t, String title, Object value) {
    if (value instanceof Map<?, ?> one) {
      return section(t, title, List.of(one));
    }
    if (!(value instanceof List<?> list)) {
      return new Pages.Section(title, cell(t, null, value), List.of(), List.of());
    }
    if (list.isEmpty()) {
      return new Pages.Section(title, t.get("export.nothing"), List.of(), List.of());
    }
    Set<String> names = new LinkedHashSet<>();
    list.forEach(r -> {
      if (r instanceof Map<?, ?> m) {
        m.keySet().forEach(k -> names.add(String.valueOf(k)));
      }
    });
    if (names.isEmpty()) {
      return new Pages.Section(title, String.join(", ", list.stream().map(x -> cell(t, null, x)).toList()), List.of(), List.of());
    }
    List<String> columns = names.stream().map(n -> column(t, n)).toList();
    List<List<String>> rows = list.stream().map(r -> r instanceof Map<?, ?> m
        ? names.stream().map(n -> cell(t, n, m.get(n))).toList() : List.of(cell(t, null, r))).toList();
    return new Pages.Section(title, null, columns, rows);
  }

  /**
   * One value in a cell: a nested record as "name: value; …", a list joined with commas, nothing as
   * empty, yes or no in words, and the policy's ids under {@code name} (purpose, recipient, service,
   * category) as the names people read.
   */
  private String cell(Texts t, String name, Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof Map<?, ?> m) {
      return String.join("; ", m.entrySet().stream().map(e -> column(t, String.valueOf(e.getKey())) + ": " + cell(t, String.valueOf(e.getKey()), e.getValue()))
          .toList());
    }
    if (v instanceof Collection<?> c) {
      return String.join(", ", c.stream().map(x -> cell(t, name, x)).toList());
    }
    if (v instanceof Boolean b) {
      return t.get(b ? "export.yes" : "export.no");
    }
    String text = String.valueOf(v);
    if (name == null) {
      return text;
    }
    return switch (name) {
      case "purpose", "purposes" -> platform.policy().purpose(text) != null ? purposeText(t, text) : text;
      case "recipient" -> Optional.ofNullable(platform.policy().recipient(text)).map(r -> t.policy("recipient", r.id(), r.text())).orElse(text);
      case "service", "services" -> Optional.ofNullable(platform.policy().service(text)).map(x -> t.policy("service", x.id(), x.text())).orElse(text);
      case "category", "categories" -> platform.policy().categories().stream().filter(c -> c.id().equals(text)).findFirst()
          .map(c -> t.policy("category", c.id(), c.text())).orElse(text);
      default -> text;
    };
  }

  /** A record's name in words: the page's translation where there is one, else the name itself with spaces. */
  private static String column(Texts t, String name) {
    return t.has("export.col." + name) ? t.get("export.col." + name) : label(name);
  }

  private void erasePage(Context ctx) {
    Optional<Vault.Session> session = session(ctx);
    if (session.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    Pages.render(ctx, 200, "account/erase.jte", Map.of("page", new Pages.Simple(session.get().csrf(), null)));
  }

  private void passwordPage(Context ctx) {
    Optional<Vault.Session> session = session(ctx);
    if (session.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    Pages.render(ctx, 200, "account/password.jte", Map.of("page", new Pages.Simple(session.get().csrf(), null)));
  }

  private void forgotPage(Context ctx) {
    Pages.render(ctx, 200, "account/forgot.jte", Map.of("page", new Pages.Forgot(anonymousCsrf(ctx), "1".equals(ctx.queryParam("sent")),
        platform.config().passwordResetLifetime().toMinutes(), "", null)));
  }

  private void resetPage(Context ctx) {
    String token = ctx.pathParam("token");
    boolean valid = platform.domain().passwords().resetWorks(token);
    Pages.render(ctx, valid ? 200 : 410, "account/reset.jte", Map.of("page", new Pages.Reset(token, anonymousCsrf(ctx), valid, null)));
  }

  // ---- forms ----

  private void register(Context ctx) {
    checkAnonymousCsrf(ctx);
    Texts t = Texts.of(ctx);
    Service account = platform.policy().service("account");
    Map<String, Object> fields = new LinkedHashMap<>();
    Map<String, String> entered = new LinkedHashMap<>();
    for (String f : account.required()) {
      fields.put(f, ctx.formParam(f));
      entered.put(f, Objects.requireNonNullElse(ctx.formParam(f), ""));
    }
    for (String f : account.optional()) {
      String v = ctx.formParam(f);
      if (v != null && !v.isBlank()) {
        fields.put(f, v);
        entered.put(f, v);
      }
    }
    try {
      var out = platform.domain().subjects().register(Access.service("account", ctx.attribute("request-id")), "account", fields, ctx.formParam("password"), null);
      if (!out.permitted()) {
        anonymous(ctx, 403, t.get("register.title"), null, t.get("error.register-denied"), "", entered);
        return;
      }
      // the same answer whether or not the address was registered before (issue 13, defect 6): the owner of the address learns which it was, by mail
      platform.domain().messages().notice(out.value().id(), null, Kind.TRANSACTIONAL, mail(t, "mail.welcome"), ctx.attribute("request-id"));
      ctx.redirect("/account?done=check-mail", HttpStatus.SEE_OTHER);
    } catch (Conflict e) {
      platform.domain().messages().notice(null, String.valueOf(fields.get("email")), Kind.TRANSACTIONAL, mail(t, "mail.taken"), ctx.attribute("request-id"));
      ctx.redirect("/account?done=check-mail", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      anonymous(ctx, 400, t.get("register.title"), null, inputError(t, e), "", entered);
    }
  }

  /** A mail's words under {@code key}: in the person's own language where they gave one (and there is a translation), else in {@code browser}'s. */
  private static Function<Locale, Messages.Text> mail(Texts browser, String key) {
    return language -> {
      Texts m = language == null ? browser : Texts.of(language);
      return new Messages.Text(m.get(key + ".subject"), m.get(key + ".body"));
    };
  }

  private void signIn(Context ctx) {
    checkAnonymousCsrf(ctx);
    Texts t = Texts.of(ctx);
    String email = ctx.formParam("email");
    String kept = email == null || email.length() > 254 ? "" : email;
    VaultRoutes.SignIn out = VaultRoutes.signIn(platform, forwarding, email, ctx.formParam("password"), ctx.ip(), ctx.attribute("request-id"));
    if (out.retryAfter() > 0) {
      ctx.header("Retry-After", String.valueOf(out.retryAfter()));
      anonymous(ctx, 429, t.get("signin.title"), null, t.get("error.too-many"), kept, Map.of());
      return;
    }
    if (out.there().isPresent()) {
      // the person lives in another region: the browser continues there, with no personal value in the URL
      ctx.redirect(out.there().get().toString(), HttpStatus.SEE_OTHER);
      return;
    }
    if (out.subject().isEmpty()) {
      anonymous(ctx, 401, t.get("signin.title"), null, t.get("error.sign-in"), kept, Map.of());
      return;
    }
    startSession(ctx, out.subject().get());
    ctx.redirect("/account?done=signed-in", HttpStatus.SEE_OTHER);
  }

  /** Takes the hand-off of a sign-in checked here for another region's node (issue 18), once, within its time, and starts the session. */
  private void continueSignIn(Context ctx) {
    Optional<String> subject = platform.vault().takeHandOff(ctx.queryParam("handoff"));
    if (subject.isEmpty()) {
      Texts t = Texts.of(ctx);
      anonymous(ctx, 400, t.get("signin.title"), null, t.get("error.handoff"), "", Map.of());
      return;
    }
    startSession(ctx, subject.get());
    ctx.redirect("/account?done=signed-in", HttpStatus.SEE_OTHER);
  }

  private void signOut(Context ctx) {
    sessionWithCsrf(ctx);
    platform.vault().endSession(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=signed-out", HttpStatus.SEE_OTHER);
  }

  private void correct(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Texts t = Texts.of(ctx);
    Map<String, String> current = platform.domain().subjects().read(Access.subject(s.subjectId(), null), s.subjectId(), Vocabulary.PROVIDE, List.of()).value().values();
    Map<String, Object> changes = new LinkedHashMap<>();
    Map<String, String> entered = new LinkedHashMap<>();
    for (Field f : platform.policy().fields()) {
      String v = ctx.formParam(f.name());
      if (v != null) {
        entered.put(f.name(), v);
      }
      if (v != null && !v.isBlank() && !v.equals(current.get(f.name()))) {
        changes.put(f.name(), v);
      }
    }
    if (changes.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    try {
      platform.domain().subjects().correct(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(), changes);
      ctx.redirect("/account?done=corrected", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      home(ctx, 400, s, null, inputError(t, e), false, entered);
    } catch (Conflict e) {
      home(ctx, 409, s, null, t.get("error.email-taken"), false, entered);
    }
  }

  private void consent(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Texts t = Texts.of(ctx);
    String purpose = ctx.formParam("purpose");
    String recipient = ctx.formParam("recipient");
    if (recipient != null && recipient.isBlank()) {
      recipient = null;
    }
    Access me = Access.subject(s.subjectId(), ctx.attribute("request-id"));
    try {
      if ("false".equals(ctx.formParam("granted"))) {
        platform.domain().consents().withdraw(me, s.subjectId(), purpose == null ? "" : purpose, recipient, Consents.PRIVACY_CENTER);
      } else {
        platform.domain().consents().grant(me, s.subjectId(), purpose == null ? "" : purpose, recipient, Consents.PRIVACY_CENTER);
      }
      ctx.redirect("/account?done=consent#consents", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      home(ctx, 400, s, null, t.get("error.consent"), false, Map.of());
    } catch (Conflict e) {
      home(ctx, 409, s, null, t.get("error.consent-conflict"), false, Map.of());
    }
  }

  private void answerRequest(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Texts t = Texts.of(ctx);
    String answer = ctx.formParam("answer");
    if (!"grant".equals(answer) && !"decline".equals(answer)) {
      home(ctx, 400, s, null, t.get("error.answer"), false, Map.of());
      return;
    }
    try {
      platform.domain().consentRequests().answer(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(),
          String.valueOf(ctx.formParam("request")), answer.equals("grant"), ctx.formParam("shown"), Consents.PRIVACY_CENTER);
      ctx.redirect("/account?done=consent", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      home(ctx, 400, s, null, t.get("error.request-changed"), false, Map.of());
    } catch (NotFound | Conflict e) {
      home(ctx, 409, s, null, t.get("error.request-answered"), false, Map.of());
    }
  }

  private void subscription(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Texts t = Texts.of(ctx);
    Kind kind = Kind.find(ctx.formParam("kind"));
    if (kind == null || !kind.unsubscribable()) {
      home(ctx, 400, s, null, t.get("error.kind"), false, Map.of());
      return;
    }
    if ("false".equals(ctx.formParam("subscribed"))) {
      platform.domain().messages().unsubscribe(s.subjectId(), kind, ctx.attribute("request-id"), "privacy-center");
    } else {
      platform.domain().messages().resubscribe(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(), kind);
    }
    ctx.redirect("/account?done=subscriptions#messages", HttpStatus.SEE_OTHER);
  }

  private void erase(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    if (!"yes".equals(ctx.formParam("confirm"))) {
      Pages.render(ctx, 400, "account/erase.jte", Map.of("page", new Pages.Simple(s.csrf(), Texts.of(ctx).get("error.erase-confirm"))));
      return;
    }
    platform.domain().subjects().erase(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId());
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=erased", HttpStatus.SEE_OTHER);
  }

  private void changePassword(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Texts t = Texts.of(ctx);
    // the current password is checked here too: a stolen session must not become a way to guess it, so
    // these checks meet the sign-in throttle, counted for the person and for the client address
    var attempt = platform.signInThrottle().reserve("subject:" + s.subjectId(), ctx.ip());
    if (!attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      Pages.render(ctx, 429, "account/password.jte", Map.of("page", new Pages.Simple(s.csrf(), t.get("error.too-many"))));
      return;
    }
    try {
      var out = platform.domain().passwords().change(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(),
          ctx.formParam("current_password"), ctx.formParam("password"));
      attempt.succeeded();
      if (!out.permitted()) {
        Pages.render(ctx, 403, "account/password.jte", Map.of("page", new Pages.Simple(s.csrf(), t.get("error.password-denied"))));
        return;
      }
    } catch (InvalidInputException e) {
      if (!"current_password".equals(e.field())) {
        attempt.succeeded(); // the current password was not what failed: no guess was made
      }
      String error = "current_password".equals(e.field()) ? t.get("error.current-password") : t.get("error.password");
      Pages.render(ctx, 400, "account/password.jte", Map.of("page", new Pages.Simple(s.csrf(), error)));
      return;
    }
    // every session of the person ended with the change: this browser gets a new one
    startSession(ctx, s.subjectId());
    ctx.redirect("/account?done=password", HttpStatus.SEE_OTHER);
  }

  private void forgot(Context ctx) {
    checkAnonymousCsrf(ctx);
    Texts t = Texts.of(ctx);
    String email = ctx.formParam("email");
    long minutes = platform.config().passwordResetLifetime().toMinutes();
    if (email == null || email.isBlank() || email.length() > 254 || !email.contains("@")) {
      String kept = email == null || email.length() > 254 ? "" : email;
      Pages.render(ctx, 400, "account/forgot.jte", Map.of("page", new Pages.Forgot(anonymousCsrf(ctx), false, minutes, kept, t.get("error.email"))));
      return;
    }
    String base = linkBase(ctx);
    platform.domain().passwords().requestReset(email, platform.config().passwordResetLifetime(),
        // in the person's own language where they gave one, else the browser's
        (token, language) -> {
          Texts m = language == null ? t : Texts.of(language);
          return new Passwords.Mail(m.get("mail.reset.subject"), m.format("mail.reset.body", base + "/account/reset/" + token, minutes));
        },
        ctx.attribute("request-id"));
    // the person may live in another region: its node mails its own link if it holds the address (issue 18)
    forwarding.passwordResetElsewhere(email, t.locale().toLanguageTag(), ctx.attribute("request-id"));
    ctx.redirect("/account/forgot?sent=1", HttpStatus.SEE_OTHER);
  }

  /** A password reset asked for at another region's node, as that node forwards it. */
  record ResetThere(@JsonBodies.Max(320) String email, @JsonBodies.Max(35) String language) {}

  /** The same answer whether or not the address is held here. */
  record ResetAsked(String status) {}

  /** Mails this region's reset link for a request made at another region's node, if this region holds the address (issue 18). */
  private void resetForAnotherRegion(Context ctx) throws IOException {
    forwarding.require(ctx, "post " + RegionForwarding.RESET_PATH, "this endpoint serves the regions' nodes: a person asks for a new password at /account/forgot");
    ResetThere body = bodies.read(ctx, ResetThere.class);
    if (body.email() == null || body.email().isBlank() || body.email().length() > 254 || !body.email().contains("@")) {
      throw new InvalidInputException("email", "name the address to send the link to");
    }
    Texts t = body.language() == null || body.language().isBlank() ? Texts.of(Locale.ENGLISH) : Texts.of(Locale.forLanguageTag(body.language()));
    String base = linkBase(ctx);
    long minutes = platform.config().passwordResetLifetime().toMinutes();
    platform.domain().passwords().requestReset(body.email(), platform.config().passwordResetLifetime(),
        (token, language) -> {
          Texts m = language == null ? t : Texts.of(language);
          return new Passwords.Mail(m.get("mail.reset.subject"), m.format("mail.reset.body", base + "/account/reset/" + token, minutes));
        },
        ctx.attribute("request-id"));
    ctx.json(new ResetAsked("sent if held"));
  }

  private void reset(Context ctx) {
    checkAnonymousCsrf(ctx);
    Texts t = Texts.of(ctx);
    String token = ctx.pathParam("token");
    try {
      if (!platform.domain().passwords().reset(token, ctx.formParam("password"), ctx.attribute("request-id"))) {
        Pages.render(ctx, 410, "account/reset.jte", Map.of("page", new Pages.Reset(token, anonymousCsrf(ctx), false, null)));
        return;
      }
    } catch (InvalidInputException e) {
      boolean valid = platform.domain().passwords().resetWorks(token);
      Pages.render(ctx, 400, "account/reset.jte", Map.of("page", new Pages.Reset(token, anonymousCsrf(ctx), valid, t.get("error.password"))));
      return;
    }
    platform.vault().endSession(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=reset", HttpStatus.SEE_OTHER);
  }

  /**
   * Where links in mail point: {@code server.public_url}, or else this server's own address as it is
   * bound — never the request's Host header, which whoever asks for a reset link could choose.
   */
  private String linkBase(Context ctx) {
    String url = platform.config().publicUrl();
    if (url != null) {
      return url.replaceAll("/+$", "");
    }
    String host = platform.config().host();
    return "http://" + (host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host) + ":" + ctx.req().getLocalPort();
  }

  /** A plain sentence for what is wrong with a field of a form: its label and what it must be, never an internal name or a clause. */
  private String inputError(Texts t, InvalidInputException e) {
    String field = e.field() == null ? "" : e.field();
    if (field.equals("password")) {
      return t.get("error.password");
    }
    if (platform.policy().field(field) != null) {
      Field f = platform.policy().field(field);
      String rule = t.has("error.type." + f.type()) ? t.get("error.type." + f.type()) : t.format("error.type.text", f.max());
      return t.format("error.field", fieldLabel(t, field), rule);
    }
    return t.get("error.form");
  }

  private String purposeText(Texts t, String purpose) {
    Purpose p = platform.policy().purpose(purpose);
    return p == null ? purpose : t.policy("purpose", p.id(), p.text());
  }

  private static String fieldLabel(Texts t, String name) {
    return t.policy("field", name, label(name));
  }

  // ---- sessions and CSRF ----

  private Optional<Vault.Session> session(Context ctx) {
    return platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE));
  }

  private Vault.Session sessionWithCsrf(Context ctx) {
    Vault.Session s = session(ctx).orElseThrow(() -> HttpProblem.unauthorized("sign in first"));
    if (!same(ctx.formParam("csrf"), s.csrf())) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
    return s;
  }

  private void startSession(Context ctx, String subjectId) {
    platform.vault().endSession(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    CollectRoutes.attachBrowser(platform, ctx, subjectId);
    var session = platform.vault().startSession(subjectId);
    VaultRoutes.setSessionCookie(ctx, session.getKey(), (int) Vault.SESSION_LIFETIME.toSeconds());
  }

  /** The token for the forms before sign-in: bound to the browser id cookie ({@link FormTokens#forBrowser}). */
  private String anonymousCsrf(Context ctx) {
    return formTokens.forBrowser(platform, ctx);
  }

  private void checkAnonymousCsrf(Context ctx) {
    if (!formTokens.carriedBy(ctx)) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
  }

  private static boolean same(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  // ---- bits ----

  private static Pages.FormField field(Texts t, Field f, boolean required, String value) {
    String type = switch (f.type()) {
      case "email" -> "email";
      case "phone" -> "tel";
      case "date" -> "date";
      default -> "text";
    };
    String autocomplete = switch (f.name()) {
      case "email" -> "email";
      case "name" -> "name";
      case "phone" -> "tel";
      case "address" -> "street-address";
      case "birth_date" -> "bday";
      case "country" -> "country";
      case "language" -> "language";
      default -> "off";
    };
    return new Pages.FormField(f.name(), fieldLabel(t, f.name()), type, f.max(), value, required, autocomplete);
  }

  static String label(String name) {
    String s = name.replace('_', ' ');
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
