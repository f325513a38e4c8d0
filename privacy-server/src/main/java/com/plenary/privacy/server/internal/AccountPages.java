package com.plenary.privacy.server.internal;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.server.Platform;
import com.plenary.privacy.store.Conflict;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.domain.Access;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The privacy center's pages for people (/account): register, sign in, see and correct their data,
 * export it, give and withdraw consents, see their requests, erase themselves. Server-rendered,
 * no script; every form carries a CSRF token (the session's once signed in, before that one bound
 * to the browser id cookie by {@link FormTokens}). Every change goes through the vault like the API does.
 */
public final class AccountPages {
  private static final java.util.regex.Pattern BROWSER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{22,43}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Map<String, String> DONE = Map.of(
      "registered", "Welcome: your account is ready.", "signed-in", "You are signed in.", "signed-out", "You are signed out.",
      "corrected", "Your data is corrected.", "consent", "Your choice is recorded.", "erased", "Your data is erased. Goodbye.");

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
        form("/account/erase", "Erase me", this::erase),
        Route.publicGet("/assets/plenary.css", "pages", "The pages' styles", ctx -> {
          try (var in = AccountPages.class.getResourceAsStream("/assets/plenary.css")) {
            ctx.header("Cache-Control", "public, max-age=3600").contentType("text/css; charset=utf-8").result(in.readAllBytes());
          }
        }));
  }

  private static Route form(String path, String summary, io.javalin.http.Handler handler) {
    return new Route("post", path, "pages", summary + "; an HTML form post with its CSRF token", Set.of(), Set.of(), List.of(303), false, handler);
  }

  // ---- pages ----

  private void account(Context ctx) {
    Optional<Vault.Session> session = session(ctx);
    String done = ctx.queryParam("done") == null ? null : DONE.get(ctx.queryParam("done"));
    if (session.isEmpty()) {
      ctx.html(Html.page("Sign in or register", anonymous(ctx, done, null)));
      return;
    }
    ctx.html(Html.page("My data", signedIn(session.get(), done, null)));
  }

  private String anonymous(Context ctx, String done, String error) {
    String csrf = anonymousCsrf(ctx);
    Service account = platform.policy().service("account");
    StringBuilder b = new StringBuilder("<h1>Your privacy center</h1>");
    notices(b, done, error);
    b.append("<div class=\"grid\"><section><h2>Sign in</h2><form method=\"post\" action=\"/account/sign-in\">")
        .append(hidden(csrf))
        .append("<label for=\"si-email\">Email address</label><input id=\"si-email\" type=\"email\" name=\"email\" autocomplete=\"username\" required>")
        .append("<label for=\"si-password\">Password</label><input id=\"si-password\" type=\"password\" name=\"password\" autocomplete=\"current-password\" required>")
        .append("<button type=\"submit\">Sign in</button></form></section>");
    b.append("<section><h2>Register</h2><form method=\"post\" action=\"/account/register\">").append(hidden(csrf));
    for (String f : account.required()) {
      b.append(input(platform.policy().field(f), true, ""));
    }
    for (String f : account.optional()) {
      b.append(input(platform.policy().field(f), false, ""));
    }
    b.append("<label for=\"rg-password\">Password (at least 10 characters)</label><input id=\"rg-password\" type=\"password\" name=\"password\" minlength=\"10\" autocomplete=\"new-password\" required>")
        .append("<p class=\"note\">Optional fields may be left empty; we will tell you which services then need them (C22).</p>")
        .append("<button type=\"submit\">Register</button></form></section></div>");
    return b.toString();
  }

  private String signedIn(Vault.Session session, String done, String error) {
    String id = session.subjectId();
    Access me = Access.subject(id, null);
    var read = platform.vault().read(me, id, "provide", List.of());
    Map<String, String> values = read.permitted() ? read.value().values() : Map.of();
    StringBuilder b = new StringBuilder("<h1>My data</h1>");
    notices(b, done, error);
    b.append("<section><h2>What we hold about you</h2><table><tr><th>Field</th><th>Value</th></tr>");
    values.forEach((k, v) -> b.append("<tr><td>").append(Html.escape(label(k))).append("</td><td>").append(Html.escape(v)).append("</td></tr>"));
    b.append("</table><p><a href=\"/account/export\">See everything we hold</a> · <a href=\"/api/v1/me/export\">Download it as JSON</a></p></section>");

    b.append("<section><h2>Correct your data</h2><form method=\"post\" action=\"/account/correct\">").append(hidden(session.csrf()));
    for (Field f : platform.policy().fields()) {
      if (values.containsKey(f.name()) || platform.policy().service("account").optional().contains(f.name())) {
        b.append(input(f, false, values.getOrDefault(f.name(), "")));
      }
    }
    b.append("<button type=\"submit\">Save corrections</button></form></section>");

    var unavailable = platform.vault().unavailable(platform.vault().givenFields(id));
    if (!unavailable.isEmpty()) {
      b.append("<section><h2>Services you cannot use yet</h2><ul>");
      for (var u : unavailable) {
        b.append("<li>").append(Html.escape(platform.policy().service(u.service()).text())).append(" needs: ")
            .append(Html.escape(String.join(", ", u.missing().stream().map(AccountPages::label).toList()))).append("</li>");
      }
      b.append("</ul></section>");
    }

    b.append("<section><h2>Your consents</h2><p class=\"note\">Uses beyond what a service declares need your consent first (C19). You can withdraw it at any time.</p><table>");
    var consents = platform.vault().consents(me, id);
    for (Purpose p : platform.policy().purposes()) {
      if (!p.listed()) {
        continue;
      }
      boolean given = consents.stream().anyMatch(c -> c.purpose().equals(p.id()) && c.recipient() == null && c.withdrawnAt() == null);
      b.append("<tr><td>").append(Html.escape(p.text())).append("</td><td>").append(given ? "given" : "not given").append("</td><td>")
          .append("<form method=\"post\" action=\"/account/consents\">").append(hidden(session.csrf()))
          .append("<input type=\"hidden\" name=\"purpose\" value=\"").append(Html.escape(p.id())).append("\">")
          .append("<input type=\"hidden\" name=\"granted\" value=\"").append(given ? "false" : "true").append("\">")
          .append("<button type=\"submit\">").append(given ? "Withdraw" : "Give").append("</button></form></td></tr>");
    }
    b.append("</table></section>");

    b.append("<section><h2>Your requests</h2><table><tr><th>Request</th><th>Made</th><th>Due by</th><th>Served</th></tr>");
    for (var r : platform.vault().requests(id)) {
      b.append("<tr><td>").append(Html.escape(String.valueOf(r.get("kind")))).append("</td><td>").append(Html.escape(String.valueOf(r.get("requested_at"))))
          .append("</td><td>").append(Html.escape(String.valueOf(r.get("deadline")))).append("</td><td>")
          .append(Html.escape(r.get("served_at") == null ? "pending" : String.valueOf(r.get("served_at")))).append("</td></tr>");
    }
    b.append("</table></section>");

    b.append("<section><h2>Erase me</h2><p>This destroys your encryption key and deletes your data. It cannot be undone.</p>")
        .append("<form method=\"post\" action=\"/account/erase\">").append(hidden(session.csrf()))
        .append("<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> I understand</label>")
        .append("<button class=\"danger\" type=\"submit\">Erase my data</button></form></section>")
        .append("<form method=\"post\" action=\"/account/sign-out\">").append(hidden(session.csrf())).append("<button type=\"submit\">Sign out</button></form>");
    return b.toString();
  }

  private void exportPage(Context ctx) throws Exception {
    Optional<Vault.Session> session = session(ctx);
    if (session.isEmpty()) {
      ctx.redirect("/account", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    var out = platform.vault().export(Access.subject(session.get().subjectId(), ctx.attribute("request-id")), session.get().subjectId());
    var json = new com.fasterxml.jackson.databind.ObjectMapper().registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
        .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).writerWithDefaultPrettyPrinter();
    StringBuilder b = new StringBuilder("<h1>Everything we hold about you</h1><p class=\"note\">Recorded as an access request, served now (C34).</p>");
    if (out.permitted()) {
      for (var e : out.value().entrySet()) {
        b.append("<section><h2>").append(Html.escape(label(e.getKey()))).append("</h2><pre>").append(Html.escape(json.writeValueAsString(e.getValue()))).append("</pre></section>");
      }
    }
    ctx.html(Html.page("Everything we hold", b.toString()));
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
      var out = platform.vault().register(Access.service("account", ctx.attribute("request-id")), "account", fields, ctx.formParam("password"), null);
      if (!out.permitted()) {
        ctx.status(403).html(Html.page("Register", anonymous(ctx, null, "The privacy policy does not permit this registration.")));
        return;
      }
      startSession(ctx, out.value().id());
      ctx.redirect("/account?done=registered", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (InvalidInputException | Conflict e) {
      ctx.status(e instanceof Conflict ? 409 : 400).html(Html.page("Register", anonymous(ctx, null, e.getMessage())));
    }
  }

  private void signIn(Context ctx) {
    checkAnonymousCsrf(ctx);
    String email = ctx.formParam("email");
    var attempt = platform.signInThrottle().reserve(email, ctx.ip());
    if (!attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      ctx.status(429).html(Html.page("Sign in", anonymous(ctx, null, "Too many failed sign-ins. Try again in a few minutes.")));
      return;
    }
    var subject = platform.vault().signIn(email, ctx.formParam("password"));
    if (subject.isEmpty()) {
      ctx.status(401).html(Html.page("Sign in", anonymous(ctx, null, "The email address or the password is not right.")));
      return;
    }
    attempt.succeeded();
    startSession(ctx, subject.get());
    ctx.redirect("/account?done=signed-in", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void signOut(Context ctx) {
    sessionWithCsrf(ctx);
    platform.vault().endSession(ctx.cookie(VaultRoutes.SESSION_COOKIE));
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=signed-out", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private void correct(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    Map<String, String> current = platform.vault().read(Access.subject(s.subjectId(), null), s.subjectId(), "provide", List.of()).value().values();
    Map<String, Object> changes = new LinkedHashMap<>();
    for (Field f : platform.policy().fields()) {
      String v = ctx.formParam(f.name());
      if (v != null && !v.isBlank() && !v.equals(current.get(f.name()))) {
        changes.put(f.name(), v);
      }
    }
    if (changes.isEmpty()) {
      ctx.redirect("/account", io.javalin.http.HttpStatus.SEE_OTHER);
      return;
    }
    try {
      platform.vault().correct(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId(), changes);
      ctx.redirect("/account?done=corrected", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (InvalidInputException | Conflict e) {
      ctx.status(400).html(Html.page("My data", signedIn(s, null, e.getMessage())));
    }
  }

  private void consent(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    String purpose = ctx.formParam("purpose");
    Access me = Access.subject(s.subjectId(), ctx.attribute("request-id"));
    try {
      if ("false".equals(ctx.formParam("granted"))) {
        platform.vault().withdrawConsent(me, s.subjectId(), purpose, null);
      } else {
        platform.vault().grantConsent(me, s.subjectId(), purpose == null ? "" : purpose, null, "privacy-center");
      }
      ctx.redirect("/account?done=consent", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (InvalidInputException e) {
      ctx.status(400).html(Html.page("My data", signedIn(s, null, e.getMessage())));
    }
  }

  private void erase(Context ctx) {
    Vault.Session s = sessionWithCsrf(ctx);
    if (!"yes".equals(ctx.formParam("confirm"))) {
      ctx.status(400).html(Html.page("My data", signedIn(s, null, "Tick the box to confirm the erasure.")));
      return;
    }
    platform.vault().erase(Access.subject(s.subjectId(), ctx.attribute("request-id")), s.subjectId());
    VaultRoutes.setSessionCookie(ctx, "", 0);
    ctx.redirect("/account?done=erased", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  // ---- sessions and CSRF ----

  private Optional<Vault.Session> session(Context ctx) {
    return platform.vault().session(ctx.cookie(VaultRoutes.SESSION_COOKIE));
  }

  private Vault.Session sessionWithCsrf(Context ctx) {
    Vault.Session s = session(ctx).orElseThrow(() -> com.plenary.privacy.server.HttpProblem.unauthorized("sign in first"));
    if (!same(ctx.formParam("csrf"), s.csrf())) {
      throw new com.plenary.privacy.server.HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
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
      throw new com.plenary.privacy.server.HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
  }

  private static boolean same(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  // ---- bits ----

  private static void notices(StringBuilder b, String done, String error) {
    if (done != null) {
      b.append("<p class=\"done\" role=\"status\">").append(Html.escape(done)).append("</p>");
    }
    if (error != null) {
      b.append("<p class=\"error\" role=\"alert\">").append(Html.escape(error)).append("</p>");
    }
  }

  private static String hidden(String csrf) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.escape(csrf) + "\">";
  }

  private static String input(Field f, boolean required, String value) {
    String type = switch (f.type()) {
      case "email" -> "email";
      case "phone" -> "tel";
      case "date" -> "date";
      default -> "text";
    };
    String id = "f-" + f.name();
    return "<label for=\"" + id + "\">" + Html.escape(label(f.name())) + (required ? "" : " (optional)") + "</label><input id=\"" + id + "\" type=\"" + type
        + "\" name=\"" + Html.escape(f.name()) + "\" maxlength=\"" + f.max() + "\" value=\"" + Html.escape(value) + "\"" + (required ? " required" : "") + ">";
  }

  static String label(String name) {
    String s = name.replace('_', ' ');
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}
