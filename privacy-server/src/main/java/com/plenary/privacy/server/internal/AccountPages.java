package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
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
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The privacy center's pages for people (/account): register, sign in, see and correct their data,
 * export it, give and withdraw consents, see their requests, erase themselves. Server-rendered,
 * no script; every form carries a CSRF token (the session's once signed in, before that one bound
 * to the browser id cookie by {@link FormTokens}). Every change goes through the vault like the API does.
 */
public final class AccountPages {
  private static final Pattern BROWSER_ID = Pattern.compile("[A-Za-z0-9_-]{22,43}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Map<String, String> DONE = Map.of(
      "registered", "Welcome: your account is ready.", "signed-in", "You are signed in.", "signed-out", "You are signed out.",
      "corrected", "Your data is corrected.", "consent", "Your choice is recorded.", "erased", "Your data is erased. Goodbye.",
      "subscriptions", "Your choice of messages is recorded.",
      "check-mail", "Check your mail: we have sent a message to the address you gave. Then sign in with it and your password.");

  private static final Map<String, String> KIND_TEXT = Map.of(
      "transactional", "for something you asked for", "service", "service notice", "marketing", "news and offers");
  private static final Map<MessageRecords.Status, String> STATUS_TEXT = Map.of(
      MessageRecords.Status.QUEUED, "waiting to be sent", MessageRecords.Status.SENDING, "being sent", MessageRecords.Status.SENT, "sent",
      MessageRecords.Status.FAILED, "could not be delivered", MessageRecords.Status.WITHDRAWN, "not sent: you no longer wanted it",
      MessageRecords.Status.UNCERTAIN, "may have been sent");

  private final Platform platform;
  private final FormTokens formTokens;

  public AccountPages(Platform platform) {
    this.platform = platform;
    this.formTokens = FormTokens.open(platform.config().keyDir());
  }

  public List<Route> routes() {
    return List.of(
        Route.publicGet("/account", "pages", "The privacy center: register, sign in, my data (C34, C35)", this::account),
        Route.publicGet("/account/export", "pages", "My data, as a readable page (C34)", this::exportPage),
        form("/account/register", "Register (C2, C22)", this::register),
        form("/account/sign-in", "Sign in (C6)", this::signIn),
        form("/account/sign-out", "Sign out", this::signOut),
        form("/account/correct", "Correct my data (C35)", this::correct),
        form("/account/consents", "Give or withdraw a consent (C19)", this::consent),
        form("/account/consent-requests", "Grant or decline a service's request for my consent (C19)", this::answerRequest),
        form("/account/subscriptions", "Unsubscribe from a kind of message, or subscribe again (C16)", this::subscription),
        form("/account/erase", "Erase me", this::erase),
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
    Optional<Vault.Session> session = session(ctx);
    String done = ctx.queryParam("done") == null ? null : DONE.get(ctx.queryParam("done"));
    if (session.isEmpty()) {
      anonymous(ctx, 200, "Sign in or register", done, null);
      return;
    }
    if (PolicyRoutes.promptWaiting(platform, ctx, session.get().subjectId())) {
      ctx.redirect(PolicyRoutes.PROMPT, HttpStatus.SEE_OTHER); // a new policy version asks for their consent (C36)
      return;
    }
    home(ctx, 200, session.get(), done, null, "1".equals(ctx.queryParam("text")));
  }

  private void anonymous(Context ctx, int status, String title, String done, String error) {
    Service account = platform.policy().service("account");
    List<Pages.FormField> fields = new ArrayList<>();
    for (String f : account.required()) {
      fields.add(field(platform.policy().field(f), true, ""));
    }
    for (String f : account.optional()) {
      fields.add(field(platform.policy().field(f), false, ""));
    }
    Pages.render(ctx, status, "account/anonymous.jte", Map.of("page", new Pages.Anonymous(title, anonymousCsrf(ctx), done, error, fields)));
  }

  private void home(Context ctx, int status, Vault.Session session, String done, String error) {
    home(ctx, status, session, done, error, false);
  }

  /** {@code withText}: the person asked to see the text of their messages (decided and audited by the domain). */
  private void home(Context ctx, int status, Vault.Session session, String done, String error, boolean withText) {
    String id = session.subjectId();
    Access me = Access.subject(id, null);
    var read = platform.domain().subjects().read(me, id, Vocabulary.PROVIDE, List.of());
    Map<String, String> values = read.permitted() ? read.value().values() : Map.of();
    List<Pages.Row> rows = values.entrySet().stream().map(e -> new Pages.Row(label(e.getKey()), e.getValue())).toList();
    List<Pages.FormField> correctable = new ArrayList<>();
    for (Field f : platform.policy().fields()) {
      if (values.containsKey(f.name()) || platform.policy().service("account").optional().contains(f.name())) {
        correctable.add(field(f, false, values.getOrDefault(f.name(), "")));
      }
    }
    Subjects.Account account = platform.domain().subjects().account(me, id);
    List<Pages.Row> unavailable = platform.domain().subjects().unavailable(account.given()).stream()
        .map(u -> new Pages.Row(platform.policy().service(u.service()).text(), String.join(", ", u.missing().stream().map(AccountPages::label).toList())))
        .toList();
    var consents = platform.domain().consents().of(me, id);
    List<Pages.ConsentRow> consentRows = platform.policy().purposes().stream().filter(Purpose::listed)
        .map(p -> new Pages.ConsentRow(p.id(), p.text(),
            consents.stream().anyMatch(c -> c.purpose().equals(p.id()) && c.recipient() == null && c.withdrawnAt() == null)))
        .toList();
    List<Pages.ConsentAsk> asks = platform.domain().consentRequests().of(me, id).stream()
        .filter(r -> r.request().status().equals(ConsentRequests.PENDING)).map(r -> new Pages.ConsentAsk(r.request().id(), r.text(), r.textSha256())).toList();
    List<Pages.RequestRow> requests = platform.domain().subjects().requests(me, id).stream()
        .map(r -> new Pages.RequestRow(String.valueOf(r.get("kind")), String.valueOf(r.get("requested_at")), String.valueOf(r.get("deadline")),
            r.get("served_at") == null ? "pending" : String.valueOf(r.get("served_at"))))
        .toList();
    Outcome<Messages.OwnMessages> own = platform.domain().messages().own(me, id, 50, null, withText);
    boolean showingText = own.permitted() && withText;
    Messages.OwnMessages mailbox = own.permitted() ? own.value() : platform.domain().messages().own(me, id, 50, null, false).value();
    List<Pages.MessageRow> messages = mailbox.messages().stream().map(m -> messageRow(m.entry(), m.subject(), m.body())).toList();
    List<Pages.MessageRow> waiting = mailbox.waiting().stream().map(e -> messageRow(e, null, null)).toList();
    List<Pages.SubscriptionRow> subscriptions = List.of(
        new Pages.SubscriptionRow(Kind.SERVICE.id(), "Service notices, such as changes to this policy", !mailbox.unsubscribed().contains(Kind.SERVICE.id())),
        new Pages.SubscriptionRow(Kind.MARKETING.id(), "News and offers", !mailbox.unsubscribed().contains(Kind.MARKETING.id())));
    Pages.render(ctx, status, "account/home.jte", Map.of("page", new Pages.Home(session.csrf(), done, error, rows, correctable, unavailable, consentRows,
        asks, requests, messages, subscriptions, waiting, showingText)));
  }

  private Pages.MessageRow messageRow(MessageRecords.Entry e, String subject, String body) {
    return new Pages.MessageRow(KIND_TEXT.getOrDefault(e.kind(), e.kind()), purposeText(e.purpose()), e.queuedAt().toString(),
        STATUS_TEXT.getOrDefault(e.status(), e.status().name().toLowerCase(Locale.ROOT)), subject, body);
  }

  private void exportPage(Context ctx) throws Exception {
    Optional<Vault.Session> session = session(ctx);
    if (session.isEmpty()) {
      ctx.redirect("/account", HttpStatus.SEE_OTHER);
      return;
    }
    var out = platform.domain().subjects().export(Access.subject(session.get().subjectId(), ctx.attribute("request-id")), session.get().subjectId());
    var json = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writerWithDefaultPrettyPrinter();
    List<Pages.Row> sections = new ArrayList<>();
    if (out.permitted()) {
      for (var e : out.value().entrySet()) {
        sections.add(new Pages.Row(label(e.getKey()), json.writeValueAsString(e.getValue())));
      }
    }
    Pages.render(ctx, 200, "account/export.jte", Map.of("sections", sections));
  }

  // ---- forms ----

  private void register(Context ctx) {
    checkAnonymousCsrf(ctx);
    Service account = platform.policy().service("account");
    Map<String, Object> fields = new LinkedHashMap<>();
    for (String f : account.required()) {
      fields.put(f, ctx.formParam(f));
    }
    for (String f : account.optional()) {
      String v = ctx.formParam(f);
      if (v != null && !v.isBlank()) {
        fields.put(f, v);
      }
    }
    try {
      var out = platform.domain().subjects().register(Access.service("account", ctx.attribute("request-id")), "account", fields, ctx.formParam("password"), null);
      if (!out.permitted()) {
        anonymous(ctx, 403, "Register", null, "The privacy policy does not permit this registration.");
        return;
      }
      // the same answer whether or not the address was registered before (issue 13, defect 6): the owner of the address learns which it was, by mail
      platform.domain().messages().notice(out.value().id(), null, Kind.TRANSACTIONAL, "Welcome to Plenary",
          "Your Plenary account is ready. Sign in at the privacy center with your email address and the password you chose.", ctx.attribute("request-id"));
      ctx.redirect("/account?done=check-mail", HttpStatus.SEE_OTHER);
    } catch (Conflict e) {
      platform.domain().messages().notice(null, String.valueOf(fields.get("email")), Kind.TRANSACTIONAL, "Someone tried to register with your address",
          "Someone asked to register a Plenary account with this email address, which already has one. If it was you, sign in at the privacy center "
              + "(or reset your password); if it was not, you need do nothing: no second account was made.", ctx.attribute("request-id"));
      ctx.redirect("/account?done=check-mail", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      anonymous(ctx, 400, "Register", null, e.getMessage());
    }
  }

  private void signIn(Context ctx) {
    checkAnonymousCsrf(ctx);
    String email = ctx.formParam("email");
    var attempt = platform.signInThrottle().reserve(email, ctx.ip());
    if (!attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      anonymous(ctx, 429, "Sign in", null, "Too many failed sign-ins. Try again in a few minutes.");
      return;
    }
    var subject = platform.domain().subjects().signIn(email, ctx.formParam("password"), ctx.attribute("request-id"));
    if (subject.isEmpty()) {
      anonymous(ctx, 401, "Sign in", null, "The email address or the password is not right.");
      return;
    }
    attempt.succeeded();
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
    Map<String, String> current = platform.domain().subjects().read(Access.subject(s.subjectId(), null), s.subjectId(), Vocabulary.PROVIDE, List.of()).value().values();
    Map<String, Object> changes = new LinkedHashMap<>();
    for (Field f : platform.policy().fields()) {
      String v = ctx.formParam(f.name());
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
    } catch (InvalidInputException | Conflict e) {
      home(ctx, 400, s, null, e.getMessage());
    }
  }

  private void consent(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    String purpose = ctx.formParam("purpose");
    Access me = Access.subject(s.subjectId(), ctx.attribute("request-id"));
    try {
      if ("false".equals(ctx.formParam("granted"))) {
        platform.domain().consents().withdraw(me, s.subjectId(), purpose, null, Consents.PRIVACY_CENTER);
      } else {
        platform.domain().consents().grant(me, s.subjectId(), purpose == null ? "" : purpose, null, Consents.PRIVACY_CENTER);
      }
      ctx.redirect("/account?done=consent", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      home(ctx, 400, s, null, e.getMessage());
    }
  }

  private void answerRequest(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    String answer = ctx.formParam("answer");
    if (!"grant".equals(answer) && !"decline".equals(answer)) {
      home(ctx, 400, s, null, "Choose to agree or to decline.");
      return;
    }
    try {
      platform.domain().consentRequests().answer(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(),
          String.valueOf(ctx.formParam("request")), answer.equals("grant"), ctx.formParam("shown"), Consents.PRIVACY_CENTER);
      ctx.redirect("/account?done=consent", HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      home(ctx, 400, s, null, "The request changed since the page was shown. Read it again below before you answer.");
    } catch (NotFound | Conflict e) {
      home(ctx, 409, s, null, "This request is answered already, or is no longer there.");
    }
  }

  private String purposeText(String purpose) {
    Purpose p = platform.policy().purpose(purpose);
    return p == null ? purpose : p.text();
  }

  private void subscription(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Kind kind = Kind.find(ctx.formParam("kind"));
    if (kind == null || !kind.unsubscribable()) {
      home(ctx, 400, s, null, "Choose a kind of message from the list.");
      return;
    }
    if ("false".equals(ctx.formParam("subscribed"))) {
      platform.domain().messages().unsubscribe(s.subjectId(), kind, ctx.attribute("request-id"), "privacy-center");
    } else {
      platform.domain().messages().resubscribe(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(), kind);
    }
    ctx.redirect("/account?done=subscriptions", HttpStatus.SEE_OTHER);
  }

  private void erase(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    if (!"yes".equals(ctx.formParam("confirm"))) {
      home(ctx, 400, s, null, "Tick the box to confirm the erasure.");
      return;
    }
    platform.domain().subjects().erase(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId());
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=erased", HttpStatus.SEE_OTHER);
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

  /**
   * The token for the forms before sign-in: bound to the browser id cookie ({@code pl_bid}, essential,
   * C8), which is set here when the browser has none.
   */
  private String anonymousCsrf(Context ctx) {
    String browser = ctx.cookie(CollectRoutes.BROWSER_COOKIE);
    if (browser == null || !BROWSER_ID.matcher(browser).matches()) {
      byte[] raw = new byte[16];
      RANDOM.nextBytes(raw);
      browser = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      int lifetime = platform.policy().cookies().stream().filter(c -> c.name().equals(CollectRoutes.BROWSER_COOKIE)).findFirst()
          .map(c -> (int) Math.min(Integer.MAX_VALUE, c.lifetime().toSeconds())).orElse(3600);
      CollectRoutes.setCookie(ctx, CollectRoutes.BROWSER_COOKIE, browser, lifetime, true);
    }
    return formTokens.token(browser);
  }

  private void checkAnonymousCsrf(Context ctx) {
    String browser = ctx.cookie(CollectRoutes.BROWSER_COOKIE);
    if (browser == null || !BROWSER_ID.matcher(browser).matches() || !formTokens.valid(browser, ctx.formParam("csrf"))) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
  }

  private static boolean same(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  // ---- bits ----

  private static Pages.FormField field(Field f, boolean required, String value) {
    String type = switch (f.type()) {
      case "email" -> "email";
      case "phone" -> "tel";
      case "date" -> "date";
      default -> "text";
    };
    return new Pages.FormField(f.name(), label(f.name()), type, f.max(), value, required);
  }

  static String label(String name) {
    String s = name.replace('_', ' ');
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
