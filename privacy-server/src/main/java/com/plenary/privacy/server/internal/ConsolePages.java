package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jwt.SignedJWT;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Oversight;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.StaffRecords.Grant;
import com.plenary.privacy.domain.sharing.LegalRequests;
import com.plenary.privacy.domain.sharing.Recipients;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.platform.internal.LocalIssuer;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.server.internal.ConsoleViews.AuditRow;
import com.plenary.privacy.server.internal.ConsoleViews.Chart;
import com.plenary.privacy.server.internal.ConsoleViews.Form;
import com.plenary.privacy.server.internal.ConsoleViews.Frame;
import com.plenary.privacy.server.internal.ConsoleViews.Input;
import com.plenary.privacy.server.internal.ConsoleViews.Item;
import com.plenary.privacy.server.internal.ConsoleViews.Link;
import com.plenary.privacy.server.internal.ConsoleViews.Listing;
import com.plenary.privacy.server.internal.ConsoleViews.Option;
import com.plenary.privacy.server.internal.ConsoleViews.Share;
import com.plenary.privacy.store.AuditLog;
import com.plenary.privacy.store.ConsoleSessions;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The admin console (/console) for staff: sign-in with a staff token (the local issuer's, or an OIDC
 * issuer's) or through OIDC with PKCE ({@link ConsoleOidc}), then server-rendered pages — a home with
 * charts, audit search with each entry's inclusion proof, grant requests, incidents, reviews, legal
 * requests, the data map, recipients.
 *
 * <p>Nothing here reads the database: every page and form calls the same domain use cases the API's
 * handlers call, and every action that needs a role is decided there (approving a grant, closing an
 * incident, signing off a review, approving a legal request are refused by the enforcer, and audited,
 * whoever posts them). What a staff member sees follows the API's own route table: a page or a button is
 * shown when the API route it stands for allows one of the viewer's roles.
 *
 * <p>Sessions: a cookie ({@code pl_console}: HttpOnly, SameSite=Strict, Secure over TLS, path /console)
 * whose SHA-256 finds the session in {@link ConsoleSessions}; at most eight hours, and no longer than the
 * token it began with. A session begun with a local token ends when the member's tokens are revoked or the
 * member is, since every request asks the staff register again. A session begun at the OIDC issuer carries
 * the roles of its token, and the platform keeps no record of the issuer's staff, so it lasts at most
 * {@link #OIDC_RECHECK}: then the next page sends the browser back to the issuer, which signs a member still
 * known there straight back in with the roles it gives now (and a member removed there not at all). Every form carries the session's CSRF
 * token (the sign-in form one bound to the browser, {@link FormTokens}).
 */
public final class ConsolePages {
  static final String COOKIE = "pl_console";
  private static final String PATH = "/console";
  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
  private static final int DAYS = 14;
  /** How long the roles an OIDC sign-in proved are trusted before the issuer is asked again. */
  static final Duration OIDC_RECHECK = Duration.ofMinutes(5);
  private static final String RECHECK = "console.oidc.recheck";
  private static final int AUDIT_PAGE = 50;
  private static final Set<String> DONE = Set.of("approved", "rejected", "requested", "closed", "created", "signed-off", "signed-out");

  private final Platform platform;
  private final Authenticator authenticator;
  private final FormTokens formTokens;
  private final Function<String, Route> api;
  private final ConsoleOidc oidc;
  private final ObjectMapper json;

  /**
   * {@code api} finds the API's route by "method path" (as the route table lists it), so the console
   * shows what the API would allow; {@code oidc} is null where no OIDC sign-in is configured.
   */
  public ConsolePages(Platform platform, Authenticator authenticator, Function<String, Route> api, ConsoleOidc oidc, ObjectMapper json) {
    this.platform = platform;
    this.authenticator = authenticator;
    this.api = api;
    this.oidc = oidc;
    this.json = json;
    this.formTokens = FormTokens.open(platform.config().keyDir());
  }

  /** A staff member signed in to the console, as the staff register (or the OIDC sign-in) names them now. */
  record Staff(String id, String name, List<String> roles, String type, String csrf) {
    Caller caller() {
      return new Caller(Caller.Kind.STAFF, id, name, roles, type, csrf);
    }
  }

  public List<Route> routes() {
    return List.of(
        page(PATH, "The admin console's home: charts of events, consents, denials, request deadlines and the outbox (C29–C33)", this::home),
        page(PATH + "/sign-in", "The admin console's sign-in: a staff token, or the OIDC issuer's sign-in where one is configured", this::signInPage),
        form(PATH + "/sign-in", "Sign in to the admin console with a staff token; sets the console's session cookie", this::signIn),
        form(PATH + "/sign-out", "Sign out of the admin console", this::signOut),
        page(PATH + "/oidc", "Sign in to the admin console through the OIDC issuer (authorization code with PKCE); a redirect", this::oidcStart),
        page(PATH + "/oidc/callback", "Where the OIDC issuer sends the browser back after sign-in; a redirect", this::oidcCallback),
        page(PATH + "/audit", "Audit search: by person id, actor, action, rule, effect and time (C29)", this::audit),
        page(PATH + "/audit/proof", "An audit entry's inclusion proof and the newest signed checkpoint (query: seq) (C29)", this::proof),
        page(PATH + "/grants", "Grant requests: ask for access; privacy officers approve or reject (C32)", this::grants),
        form(PATH + "/grants", "Ask for need-to-know access with a justification (C32)", this::requestGrant),
        form(PATH + "/grants/{id}/approve", "Approve a grant request (C32)", ctx -> decideGrant(ctx, true)),
        form(PATH + "/grants/{id}/reject", "Reject a grant request (C32)", ctx -> decideGrant(ctx, false)),
        page(PATH + "/incidents", "Incidents, open first (C33)", this::incidents),
        form(PATH + "/incidents/{id}/close", "Close an incident with an outcome and a note (C33)", this::closeIncident),
        page(PATH + "/reviews", "Internal reviews and their sign-off (C30)", this::reviews),
        form(PATH + "/reviews", "Make a review report from live data (C30)", this::createReview),
        page(PATH + "/reviews/{id}", "One review report, printable (C30)", this::review),
        form(PATH + "/reviews/{id}/sign-off", "Sign a review off with a note (C30)", this::signOff),
        page(PATH + "/legal-requests", "Legal requests and their approval (C26)", this::legalRequests),
        form(PATH + "/legal-requests/{id}/approve", "Approve a legal request (C26)", ctx -> decideLegal(ctx, true)),
        form(PATH + "/legal-requests/{id}/reject", "Reject a legal request with a reason (C26)", ctx -> decideLegal(ctx, false)),
        page(PATH + "/data-map", "The data map: every store of personal data and where it is (C12, C13, C31)", this::dataMap),
        page(PATH + "/recipients", "Recipients and their agreements (C25)", this::recipients),
        Route.publicGet("/assets/uplot.js", "pages", "The charting library (uPlot, served from its webjar)", ctx -> webjar(ctx, "uPlot.iife.min.js", "text/javascript")),
        Route.publicGet("/assets/uplot.css", "pages", "The charting library's styles (uPlot, served from its webjar)", ctx -> webjar(ctx, "uPlot.min.css", "text/css")),
        Route.publicGet("/assets/console.js", "pages", "The console's charts: draws the figures the home page carries", ctx -> asset(ctx, "console.js", "text/javascript")));
  }

  private static Route page(String path, String summary, Handler handler) {
    return Route.publicGet(path, "console", summary, handler);
  }

  private static Route form(String path, String summary, Handler handler) {
    return new Route("post", path, "console", summary + "; an HTML form post with the console session's CSRF token", Set.of(), Set.of(), List.of(303), null,
        Route.NO_JSON, handler);
  }

  // ---- sign-in and sessions ----

  private void signInPage(Context ctx) {
    if (staff(ctx).isPresent()) {
      ctx.redirect(PATH, HttpStatus.SEE_OTHER);
      return;
    }
    Texts t = Texts.of(ctx);
    String q = ctx.queryParam("done");
    signInPage(ctx, 200, null, "signed-out".equals(q) ? t.get("console.done.signed-out") : null);
  }

  private void signInPage(Context ctx, int status, String error, String done) {
    Pages.render(ctx, status, "console/sign-in.jte", Map.of("page", new ConsoleViews.SignIn(formTokens.forBrowser(platform, ctx), oidc != null, error, done)));
  }

  private void signIn(Context ctx) {
    if (!formTokens.carriedBy(ctx)) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
    Texts t = Texts.of(ctx);
    var attempt = platform.signInThrottle().reserve("console:" + ctx.ip(), ctx.ip());
    if (!attempt.admitted()) {
      ctx.header("Retry-After", String.valueOf(attempt.retryAfter()));
      signInPage(ctx, 429, t.get("console.error.too-many"), null);
      return;
    }
    String token = ctx.formParam("token");
    token = token == null ? "" : token.strip();
    Optional<Caller> caller = token.isEmpty() || token.length() > 8192 ? Optional.empty() : authenticator.authenticate("Bearer " + token);
    if (caller.isEmpty() || caller.get().kind() != Caller.Kind.STAFF) {
      signInPage(ctx, 401, t.get("console.error.token"), null);
      return;
    }
    Caller c = caller.get();
    Instant issuedAt = null;
    Instant expires = null;
    ConsoleSessions.Source source = ConsoleSessions.Source.OIDC;
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      var claims = jwt.getJWTClaimsSet();
      expires = claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
      if (LocalIssuer.ISSUER.equals(claims.getIssuer())) {
        source = ConsoleSessions.Source.LOCAL;
        issuedAt = platform.issuer().verify(jwt).map(LocalIssuer.Token::issuedAt).orElse(null);
      }
    } catch (ParseException e) {
      signInPage(ctx, 401, t.get("console.error.token"), null);
      return;
    }
    attempt.succeeded();
    startSession(ctx, c, source, issuedAt, expires);
    ctx.redirect(PATH, HttpStatus.SEE_OTHER);
  }

  /** Starts a session for {@code c} (ending any this browser had) and sets its cookie. */
  void startSession(Context ctx, Caller c, ConsoleSessions.Source source, Instant issuedAt, Instant until) {
    platform.store().consoleSessions().end(ctx.cookie(COOKIE));
    var s = platform.store().consoleSessions().start(c.id(), c.roles(), c.staffType(), source, issuedAt, until);
    long seconds = Math.max(1, Duration.between(platform.clock().instant(), s.getValue().expiresAt()).toSeconds());
    setCookie(ctx, s.getKey(), (int) Math.min(Integer.MAX_VALUE, seconds));
  }

  private void signOut(Context ctx) {
    signedInWithCsrf(ctx);
    platform.store().consoleSessions().end(ctx.cookie(COOKIE));
    setCookie(ctx, "", 0);
    ctx.redirect(PATH + "/sign-in?done=signed-out", HttpStatus.SEE_OTHER);
  }

  private static void setCookie(Context ctx, String value, int maxAge) {
    ctx.cookie(new Cookie(COOKIE, value, PATH, maxAge, Requests.overHttps(ctx), true, null, SameSite.STRICT));
  }

  private void oidcStart(Context ctx) {
    if (oidc == null) {
      message(ctx, 404, "console.oidc.title", "console.oidc.none", new Link(PATH + "/sign-in", Texts.of(ctx).get("console.back.sign-in")));
      return;
    }
    oidc.start(ctx);
  }

  private void oidcCallback(Context ctx) {
    if (oidc == null) {
      message(ctx, 404, "console.oidc.title", "console.oidc.none", new Link(PATH + "/sign-in", Texts.of(ctx).get("console.back.sign-in")));
      return;
    }
    Optional<ConsoleOidc.SignedIn> in = oidc.finish(ctx);
    if (in.isEmpty()) {
      signInPage(ctx, 401, Texts.of(ctx).get("console.error.oidc"), null);
      return;
    }
    startSession(ctx, in.get().caller(), ConsoleSessions.Source.OIDC, null, in.get().until());
    ctx.redirect(PATH, HttpStatus.SEE_OTHER);
  }

  /** The staff member the request's console cookie signs in, as the register names them now; empty when none (or no longer). */
  Optional<Staff> staff(Context ctx) {
    String cookie = ctx.cookie(COOKIE);
    Optional<ConsoleSessions.Session> found = platform.store().consoleSessions().find(cookie);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ConsoleSessions.Session s = found.get();
    if (s.source() == ConsoleSessions.Source.OIDC) {
      // The platform keeps no record of the issuer's staff: their roles are the issuer's, so they are
      // asked for again every few minutes (a browser still signed in at the issuer comes straight back).
      if (!platform.clock().instant().isBefore(s.startedAt().plus(OIDC_RECHECK))) {
        platform.store().consoleSessions().end(cookie);
        ctx.attribute(RECHECK, Boolean.TRUE);
        return Optional.empty();
      }
      return Optional.of(new Staff(s.staffId(), s.staffId(), s.roles(), s.staffType(), s.csrf()));
    }
    var member = platform.vault().staff().tokenHolder(s.staffId(), s.tokenIssuedAt(), platform.config().demo());
    if (member.isEmpty()) {
      platform.store().consoleSessions().end(cookie); // revoked since: the session ends with the token
      return Optional.empty();
    }
    return Optional.of(new Staff(member.get().id(), member.get().name(), member.get().roles(), member.get().type(), s.csrf()));
  }

  /** The signed-in staff member for a page; none redirects to the sign-in page (and answers empty). */
  private Optional<Staff> signedIn(Context ctx) {
    Optional<Staff> s = staff(ctx);
    if (s.isEmpty()) {
      ctx.redirect(PATH + (oidc != null && ctx.attribute(RECHECK) != null ? "/oidc" : "/sign-in"), HttpStatus.SEE_OTHER);
    }
    return s;
  }

  /** The signed-in staff member for a form: 401 without a session, 403 without its CSRF token. */
  private Staff signedInWithCsrf(Context ctx) {
    Staff s = staff(ctx).orElseThrow(() -> HttpProblem.unauthorized("sign in to the console first"));
    String token = ctx.formParam("csrf");
    if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), s.csrf().getBytes(StandardCharsets.UTF_8))) {
      throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "reload the page and try again");
    }
    return s;
  }

  /** Whether the API route {@code methodAndPath} ("get /api/v1/incidents") allows one of {@code s}'s roles: what the console shows follows it. */
  private boolean may(Staff s, String methodAndPath) {
    Route r = api.apply(methodAndPath);
    if (r == null) {
      throw new IllegalStateException("the console stands for an API route that is not in the table: " + methodAndPath);
    }
    return r.callers().contains(Caller.Kind.STAFF) && (r.staffRoles().isEmpty() || r.staffRoles().stream().anyMatch(s.roles()::contains));
  }

  // ---- the frame ----

  private Frame frame(Context ctx, Staff s, String current) {
    Texts t = Texts.of(ctx);
    List<Link> nav = new ArrayList<>();
    nav.add(new Link(PATH, t.get("console.nav.home")));
    if (may(s, "get /api/v1/audit")) {
      nav.add(new Link(PATH + "/audit", t.get("console.nav.audit")));
    }
    nav.add(new Link(PATH + "/grants", t.get("console.nav.grants")));
    if (may(s, "get /api/v1/incidents")) {
      nav.add(new Link(PATH + "/incidents", t.get("console.nav.incidents")));
    }
    if (may(s, "get /api/v1/reviews")) {
      nav.add(new Link(PATH + "/reviews", t.get("console.nav.reviews")));
    }
    if (may(s, "get /api/v1/legal-requests")) {
      nav.add(new Link(PATH + "/legal-requests", t.get("console.nav.legal")));
    }
    if (may(s, "get /api/v1/datamap")) {
      nav.add(new Link(PATH + "/data-map", t.get("console.nav.data-map")));
    }
    if (may(s, "get /api/v1/recipients")) {
      nav.add(new Link(PATH + "/recipients", t.get("console.nav.recipients")));
    }
    List<String> roles = s.roles().stream().map(r -> role(t, r)).toList();
    return new Frame(s.id(), s.name(), String.join(", ", roles), s.csrf(), nav, current);
  }

  private void render(Context ctx, int status, String template, Staff s, String current, String title, Object page) {
    Texts t = Texts.of(ctx);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("frame", frame(ctx, s, current));
    params.put("title", title);
    params.put("page", page);
    String q = ctx.queryParam("done");
    params.put("done", q != null && DONE.contains(q) ? t.get("console.done." + q) : null);
    Pages.render(ctx, status, template, params);
  }

  private void listing(Context ctx, Staff s, String current, Listing listing) {
    render(ctx, 200, "console/list.jte", s, current, listing.title(), listing);
  }

  /** A page of the console that says one thing; signed in or not. */
  private void message(Context ctx, int status, String titleKey, String textKey, Link back) {
    Texts t = Texts.of(ctx);
    var page = new ConsoleViews.Message(t.get(titleKey), t.get(textKey), back);
    Optional<Staff> s = staff(ctx);
    if (s.isPresent()) {
      render(ctx, status, "console/message.jte", s.get(), "", page.title(), page);
    } else {
      Pages.render(ctx, status, "console/message.jte", Map.of("frame", new Frame("", "", "", "", List.of(), ""), "title", page.title(), "page", page,
          "done", ""));
    }
  }

  /** A page the viewer's role does not show: 403, saying so. */
  private void notForYou(Context ctx) {
    message(ctx, 403, "console.forbidden.title", "console.forbidden.text", new Link(PATH, Texts.of(ctx).get("console.back.home")));
  }

  /**
   * Runs a form's action and redirects to {@code then}; what the domain refuses becomes a page that says
   * so in a plain sentence (the refusal itself is audited by the domain), with the status the API answers.
   */
  private void act(Context ctx, String back, Runnable action, String then) {
    Texts t = Texts.of(ctx);
    Link link = new Link(back, t.get("console.back"));
    try {
      action.run();
      ctx.redirect(then, HttpStatus.SEE_OTHER);
    } catch (Refused e) {
      message(ctx, 403, "console.refused.title", "console.refused.text", link);
    } catch (Conflict e) {
      message(ctx, 409, "console.conflict.title", "console.conflict.text", link);
    } catch (NotFound e) {
      message(ctx, 404, "console.not-found.title", "console.not-found.text", link);
    } catch (InvalidInputException e) {
      message(ctx, 400, "console.input.title", "console.input.text", link);
    }
  }

  // ---- home ----

  private void home(Context ctx) throws JsonProcessingException {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    Texts t = Texts.of(ctx);
    List<Link> nav = frame(ctx, s, PATH).nav();
    List<Link> shortcuts = List.copyOf(nav.subList(1, nav.size())); // the home itself is first
    if (!may(s, "get /api/v1/dashboard")) {
      render(ctx, 200, "console/home.jte", s, PATH, t.get("console.home.title"), new ConsoleViews.Home(false, List.of(), List.of(), List.of(), "", shortcuts));
      return;
    }
    Oversight.Dashboard d = platform.domain().reviews().dashboard(DAYS);
    LocalDate today = LocalDate.ofInstant(platform.clock().instant(), ZoneOffset.UTC);
    List<LocalDate> days = new ArrayList<>();
    for (int i = DAYS - 1; i >= 0; i--) {
      days.add(today.minusDays(i));
    }
    List<LocalDate> ahead = new ArrayList<>();
    for (int i = 0; i < DAYS; i++) {
      ahead.add(today.plusDays(i));
    }
    RuleTexts rules = RuleTexts.of(platform.policy());
    List<Chart> charts = List.of(
        chart(t, "events", t.get("console.chart.events"), "lines", days, d.events(), k -> t.has("console.source." + k) ? t.get("console.source." + k) : k),
        chart(t, "denials", t.get("console.chart.denials"), "lines", days, d.denials(), rules::text),
        chart(t, "due", t.get("console.chart.due"), "bars", ahead, d.due(), k -> t.has("console.request." + k) ? t.get("console.request." + k) : k));
    List<Share> consents = new ArrayList<>();
    for (Oversight.PurposeConsents p : d.consents()) {
      var purpose = platform.policy().purpose(p.purpose());
      String label = purpose == null ? p.purpose() : t.policy("purpose", purpose.id(), purpose.text());
      double people = Math.max(1, d.people());
      consents.add(new Share(label, p.given(), people, t.format("console.consent.rate", p.given(), d.people(), Math.round(100.0 * p.given() / people))));
    }
    long messages = d.outbox().values().stream().mapToLong(Long::longValue).sum();
    List<Share> outbox = new ArrayList<>();
    for (var e : new TreeMap<>(d.outbox()).entrySet()) {
      outbox.add(new Share(t.get("console.outbox." + e.getKey()), e.getValue(), Math.max(1, messages), String.valueOf(e.getValue())));
    }
    String oldest = d.oldestWaiting() == null ? t.get("console.outbox.none-waiting")
        : t.format("console.outbox.oldest", WHEN.format(d.oldestWaiting()), Duration.between(d.oldestWaiting(), platform.clock().instant()).toMinutes());
    String overdue = t.format("console.chart.overdue", d.overdue());
    render(ctx, 200, "console/home.jte", s, PATH, t.get("console.home.title"),
        new ConsoleViews.Home(true, charts, consents, outbox, oldest + " " + overdue, shortcuts));
  }

  /** A chart over {@code days}: one series a key, zero where a day has none; and the same numbers as a table. */
  private Chart chart(Texts t, String id, String title, String kind, List<LocalDate> days, List<Oversight.DayCount> counts, Function<String, String> label)
      throws JsonProcessingException {
    TreeSet<String> keys = new TreeSet<>();
    counts.forEach(c -> keys.add(c.key()));
    Map<String, long[]> series = new LinkedHashMap<>();
    for (String k : keys) {
      series.put(k, new long[days.size()]);
    }
    for (Oversight.DayCount c : counts) {
      int i = days.indexOf(c.day());
      if (i >= 0) {
        series.get(c.key())[i] += c.count();
      }
    }
    List<String> header = new ArrayList<>();
    header.add(t.get("console.chart.day"));
    List<String> names = new ArrayList<>();
    for (String k : keys) {
      String name = label.apply(k);
      names.add(name);
      header.add(name);
    }
    List<List<String>> rows = new ArrayList<>();
    List<Long> x = new ArrayList<>();
    for (int i = 0; i < days.size(); i++) {
      List<String> row = new ArrayList<>();
      row.add(days.get(i).toString());
      for (long[] v : series.values()) {
        row.add(String.valueOf(v[i]));
      }
      rows.add(row);
      x.add(days.get(i).atStartOfDay(ZoneOffset.UTC).toEpochSecond());
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("kind", kind);
    data.put("x", x);
    data.put("names", names);
    data.put("series", series.values());
    return new Chart(id, title, kind, json.writeValueAsString(data), header, rows);
  }

  // ---- audit ----

  private void audit(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/audit")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    String subject = param(ctx, "subject");
    String actor = param(ctx, "actor");
    String action = param(ctx, "action");
    String rule = param(ctx, "rule");
    String effect = param(ctx, "effect");
    String since = param(ctx, "since");
    String until = param(ctx, "until");
    String before = param(ctx, "before");
    List<AuditRow> rows = List.of();
    String error = null;
    String more = null;
    RuleTexts texts = RuleTexts.of(platform.policy());
    try {
      if (effect != null && !effect.equals("permit") && !effect.equals("deny")) {
        throw new InvalidInputException("effect", "effect");
      }
      Instant from = day(since, "since");
      Instant to = day(until, "until");
      AuditLog.Search q = new AuditLog.Search(subject, actor, action, rule, effect, from, to == null ? null : to.plus(Duration.ofDays(1)),
          before == null ? null : number(before, "before"), AUDIT_PAGE);
      List<AuditLog.Entry> found = platform.store().audit().search(q);
      rows = found.stream().map(e -> new AuditRow(e.seq(), WHEN.format(e.at()), e.actorKind() + ":" + e.actorId(), e.action(), e.purpose(),
          e.subject() == null ? "" : e.subject(), String.join(", ", e.categories()), e.effect(), texts.texts(e.rules()))).toList();
      long last = found.isEmpty() ? 0 : found.get(found.size() - 1).seq();
      if (found.size() == AUDIT_PAGE && last > 1) {
        more = query(ctx, "before", String.valueOf(last));
      }
    } catch (InvalidInputException e) {
      ctx.status(400);
      error = t.get("console.audit.error." + e.field());
    }
    render(ctx, error == null ? 200 : 400, "console/audit.jte", s, PATH + "/audit", t.get("console.audit.title"),
        new ConsoleViews.AuditSearch(blank(subject), blank(actor), blank(action), blank(rule), texts.choices(), blank(effect), blank(since), blank(until), rows, more, error));
  }

  private void proof(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/audit/proofs/inclusion")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    String seq = param(ctx, "seq");
    long n;
    try {
      n = number(seq, "seq");
    } catch (InvalidInputException e) {
      message(ctx, 400, "console.proof.title", "console.proof.bad-seq", new Link(PATH + "/audit", t.get("console.back")));
      return;
    }
    AuditLog audit = platform.store().audit();
    long size = audit.treeHead().size();
    if (n > size) {
      message(ctx, 404, "console.proof.title", "console.proof.not-sealed", new Link(PATH + "/audit", t.get("console.back")));
      return;
    }
    AuditLog.Proof p = audit.inclusionProof(n, size);
    String checkpoint = audit.checkpoints().flatMap(c -> c.latest()).orElse("");
    render(ctx, 200, "console/proof.jte", s, PATH + "/audit", t.format("console.proof.heading", n),
        new ConsoleViews.Proof(n, p.size(), b64(p.start()), b64(p.root()), p.hashes().stream().map(ConsolePages::b64).toList(), checkpoint));
  }

  // ---- grants ----

  private void grants(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    Texts t = Texts.of(ctx);
    Instant now = platform.clock().instant();
    boolean all = may(s, "get /api/v1/grant-requests");
    boolean decides = may(s, "post /api/v1/grant-requests/{request}/approve");
    List<Grant> grants = all ? platform.domain().staff().grants(null, 200) : platform.domain().staff().grants(s.id());
    List<Item> items = new ArrayList<>();
    for (Grant g : grants) {
      List<Form> forms = new ArrayList<>();
      if (decides && StaffRecords.REQUESTED.equals(g.status()) && !g.staffId().equals(s.id())) {
        forms.add(new Form("approve-" + g.id(), PATH + "/grants/" + g.id() + "/approve", t.get("console.grants.approve"), "primary", List.of()));
        forms.add(new Form("reject-" + g.id(), PATH + "/grants/" + g.id() + "/reject", t.get("console.grants.reject"), "danger", List.of()));
      }
      items.add(new Item(g.id(), List.of(g.staffId(), role(t, g.role()), String.join(", ", g.categories()), String.join(", ", g.purposes()),
          g.subjects().isEmpty() ? t.get("console.grants.everyone") : String.join(", ", g.subjects()), WHEN.format(g.from()) + " – " + WHEN.format(g.until()),
          g.justification() == null ? "" : g.justification(), status(t, g, now)), null, forms));
    }
    List<Option> roles = s.roles().stream().map(r -> new Option(r, role(t, r))).toList();
    List<Option> purposes = platform.policy().purposes().stream().map(p -> new Option(p.id(), t.policy("purpose", p.id(), p.text()))).toList();
    List<Option> categories = platform.policy().categories().stream().map(c -> new Option(c.id(), c.text())).toList();
    Form ask = new Form("ask", PATH + "/grants", t.get("console.grants.ask"), "primary", List.of(
        new Input("role", t.get("console.grants.role"), "select", roles, "", true, 200),
        new Input("category", t.get("console.grants.category"), "select", categories, "", true, 200),
        new Input("purpose", t.get("console.grants.purpose"), "select", purposes, "", true, 64),
        new Input("subject", t.get("console.grants.subject"), "text", List.of(), "", false, 40),
        new Input("hours", t.get("console.grants.hours"), "number", List.of(), "8", true, 2),
        new Input("justification", t.get("console.grants.justification"), "textarea", List.of(), "", true, 1000)));
    listing(ctx, s, PATH + "/grants", new Listing(t.get("console.grants.title"), all ? t.get("console.grants.intro") : t.get("console.grants.intro-own"),
        t.get("console.grants.empty"), List.of(t.get("console.col.staff"), t.get("console.col.role"), t.get("console.col.categories"),
            t.get("console.col.purposes"), t.get("console.col.people"), t.get("console.col.when"), t.get("console.col.justification"),
            t.get("console.col.status")), items, List.of(ask)));
  }

  private void requestGrant(Context ctx) {
    Staff s = signedInWithCsrf(ctx);
    act(ctx, PATH + "/grants", () -> {
      Instant now = platform.clock().instant();
      int hours = (int) number(ctx.formParam("hours"), "hours");
      if (hours > 24 * 7) {
        throw new InvalidInputException("hours", "hours");
      }
      String subject = blank(ctx.formParam("subject"));
      platform.domain().staff().request(s.id(), str(ctx.formParam("role")), List.of(str(ctx.formParam("category"))), List.of(str(ctx.formParam("purpose"))),
          subject == null ? List.of() : List.of(subject), now, now.plus(Duration.ofHours(hours)), ctx.formParam("justification"), ctx.attribute("request-id"));
    }, PATH + "/grants?done=requested");
  }

  private void decideGrant(Context ctx, boolean approve) {
    Staff s = signedInWithCsrf(ctx);
    String id = ctx.pathParam("id");
    act(ctx, PATH + "/grants", () -> {
      var staff = platform.domain().staff();
      if (approve) {
        staff.approve(id, s.id(), s.roles(), ctx.attribute("request-id"));
      } else {
        staff.reject(id, s.id(), s.roles(), ctx.attribute("request-id"));
      }
    }, PATH + "/grants?done=" + (approve ? "approved" : "rejected"));
  }

  // ---- incidents ----

  private void incidents(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/incidents")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    boolean closes = may(s, "post /api/v1/incidents/{incident}/close");
    List<Incident> open = platform.domain().incidents().list(new IncidentRecords.Filter("open", null, null, null, null, 200));
    List<Incident> closed = platform.domain().incidents().list(new IncidentRecords.Filter("closed", null, null, null, null, 50));
    List<Option> outcomes = IncidentRecords.OUTCOMES.stream().map(o -> new Option(o, t.get("console.outcome." + o))).toList();
    List<Item> items = new ArrayList<>();
    for (Incident i : open) {
      List<Form> forms = closes && !i.staffId().equals(s.id()) ? List.of(new Form("close-" + i.id(), PATH + "/incidents/" + i.id() + "/close",
          t.get("console.incidents.close"), "primary", List.of(new Input("outcome", t.get("console.incidents.outcome"), "select", outcomes, "", true, 32),
              new Input("note", t.get("console.incidents.note"), "textarea", List.of(), "", true, 2000)))) : List.of();
      items.add(incidentItem(t, i, forms));
    }
    for (Incident i : closed) {
      items.add(incidentItem(t, i, List.of()));
    }
    listing(ctx, s, PATH + "/incidents", new Listing(t.get("console.incidents.title"), t.get("console.incidents.intro"), t.get("console.incidents.empty"),
        List.of(t.get("console.col.opened"), t.get("console.col.kind"), t.get("console.col.staff"), t.get("console.col.what"), t.get("console.col.person"),
            t.get("console.col.rules"), t.get("console.col.status")), items, List.of()));
  }

  private Item incidentItem(Texts t, Incident i, List<Form> forms) {
    String status = i.outcome() == null ? t.get("console.incidents.open")
        : t.format("console.incidents.closed", t.get("console.outcome." + i.outcome()), i.closedBy(), i.note() == null ? "" : i.note());
    return new Item(i.id(), List.of(WHEN.format(i.openedAt()), t.get("console.incident-kind." + i.kind()), i.staffId(),
        i.operation() + " · " + i.purpose() + (i.categories().isEmpty() ? "" : " · " + String.join(", ", i.categories())),
        i.subject() == null ? "" : i.subject(), RuleTexts.of(platform.policy()).texts(i.rules()), status), null, forms);
  }

  private void closeIncident(Context ctx) {
    Staff s = signedInWithCsrf(ctx);
    String id = ctx.pathParam("id");
    act(ctx, PATH + "/incidents", () -> platform.domain().incidents().close(id, ctx.formParam("outcome"), ctx.formParam("note"), s.id(), s.roles(),
        ctx.attribute("request-id")), PATH + "/incidents?done=closed");
  }

  // ---- reviews ----

  private void reviews(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/reviews")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    boolean signs = may(s, "post /api/v1/reviews/{id}/sign-off");
    List<Item> items = new ArrayList<>();
    for (Review r : platform.domain().reviews().list()) {
      List<Form> forms = signs && r.signedOffBy() == null && !r.createdBy().equals(s.id())
          ? List.of(new Form("sign-off-" + r.id(), PATH + "/reviews/" + r.id() + "/sign-off", t.get("console.reviews.sign-off"), "primary",
              List.of(new Input("note", t.get("console.reviews.note"), "textarea", List.of(), "", false, 2000))))
          : List.of();
      String signedOff = r.signedOffBy() == null ? t.get("console.reviews.not-signed")
          : t.format("console.reviews.signed", r.signedOffBy(), WHEN.format(r.signedOffAt()));
      items.add(new Item(r.id(), List.of(WHEN.format(r.createdAt()), r.createdBy(), signedOff), new Link(PATH + "/reviews/" + r.id(),
          t.get("console.reviews.read")), forms));
    }
    List<Form> forms = may(s, "post /api/v1/reviews") ? List.of(new Form("create", PATH + "/reviews", t.get("console.reviews.create"), "secondary", List.of()))
        : List.of();
    listing(ctx, s, PATH + "/reviews", new Listing(t.get("console.reviews.title"), t.get("console.reviews.intro"), t.get("console.reviews.empty"),
        List.of(t.get("console.col.made"), t.get("console.col.by"), t.get("console.col.sign-off")), items, forms));
  }

  private void createReview(Context ctx) {
    Staff s = signedInWithCsrf(ctx);
    if (!may(s, "post /api/v1/reviews")) {
      notForYou(ctx);
      return;
    }
    act(ctx, PATH + "/reviews", () -> platform.domain().reviews().create(s.id()), PATH + "/reviews?done=created");
  }

  private void review(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    if (!may(signed.get(), "get /api/v1/reviews/{id}/report.html")) {
      notForYou(ctx);
      return;
    }
    try {
      Pages.render(ctx, 200, "staff/document.jte", Map.of("doc", ReviewDocuments.review(platform.domain().reviews().find(ctx.pathParam("id")), RuleTexts.of(platform.policy()))));
    } catch (NotFound e) {
      message(ctx, 404, "console.not-found.title", "console.not-found.text", new Link(PATH + "/reviews", Texts.of(ctx).get("console.back")));
    }
  }

  private void signOff(Context ctx) {
    Staff s = signedInWithCsrf(ctx);
    String id = ctx.pathParam("id");
    act(ctx, PATH + "/reviews", () -> platform.domain().reviews().signOff(id, s.id(), Set.copyOf(s.roles()), blank(ctx.formParam("note")),
        ctx.attribute("request-id")), PATH + "/reviews?done=signed-off");
  }

  // ---- legal requests ----

  private void legalRequests(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/legal-requests")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    boolean decides = may(s, "post /api/v1/legal-requests/{id}/approve");
    List<Item> items = new ArrayList<>();
    for (LegalRequests.View v : platform.domain().legalRequests().list()) {
      var r = v.request();
      List<Form> forms = new ArrayList<>();
      if (decides && r.status().equals("pending") && !r.createdBy().equals(s.id())) {
        forms.add(new Form("approve-" + r.id(), PATH + "/legal-requests/" + r.id() + "/approve", t.get("console.legal.approve"), "primary", List.of()));
      }
      if (decides && (r.status().equals("pending") || r.status().equals("approved"))) {
        forms.add(new Form("reject-" + r.id(), PATH + "/legal-requests/" + r.id() + "/reject", t.get("console.legal.reject"), "danger",
            List.of(new Input("reason", t.get("console.legal.reason"), "textarea", List.of(), "", true, 1000))));
      }
      items.add(new Item(r.id(), List.of(v.groundText(), r.authority(), r.reference(), String.join(", ", r.categories()), String.valueOf(r.people()),
          r.deadline().toString(), t.has("console.legal.status." + r.status()) ? t.get("console.legal.status." + r.status()) : r.status(), r.createdBy()), null,
          forms));
    }
    listing(ctx, s, PATH + "/legal-requests", new Listing(t.get("console.legal.title"), t.get("console.legal.intro"), t.get("console.legal.empty"),
        List.of(t.get("console.col.ground"), t.get("console.col.authority"), t.get("console.col.reference"), t.get("console.col.categories"),
            t.get("console.col.people-count"), t.get("console.col.deadline"), t.get("console.col.status"), t.get("console.col.by")), items, List.of()));
  }

  private void decideLegal(Context ctx, boolean approve) {
    Staff s = signedInWithCsrf(ctx);
    String id = ctx.pathParam("id");
    Access by = Access.staff(platform.vault().staff().facts(s.id(), s.type()), ctx.attribute("request-id"));
    act(ctx, PATH + "/legal-requests", () -> {
      if (approve) {
        platform.domain().legalRequests().approve(by, id);
      } else {
        platform.domain().legalRequests().reject(by, id, ctx.formParam("reason"));
      }
    }, PATH + "/legal-requests?done=" + (approve ? "approved" : "rejected"));
  }

  // ---- the data map and recipients ----

  private void dataMap(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/datamap")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    List<Item> items = new ArrayList<>();
    for (Map<String, Object> m : platform.dataMap()) {
      items.add(new Item(String.valueOf(m.get("store")), List.of(str(m.get("holds")), str(m.get("name")), str(m.get("kind")), str(m.get("data_centre")),
          str(m.get("operator")), str(m.get("region")), str(m.get("site")), str(m.get("attestation"))), null, List.of()));
    }
    listing(ctx, s, PATH + "/data-map", new Listing(t.get("console.data-map.title"), t.format("console.data-map.intro", platform.region()),
        t.get("console.data-map.empty"), List.of(t.get("console.col.holds"), t.get("console.col.name"), t.get("console.col.store-kind"),
            t.get("console.col.data-centre"), t.get("console.col.operator"), t.get("console.col.region"), t.get("console.col.site"),
            t.get("console.col.attestation")), items, List.of()));
  }

  private void recipients(Context ctx) {
    Optional<Staff> signed = signedIn(ctx);
    if (signed.isEmpty()) {
      return;
    }
    Staff s = signed.get();
    if (!may(s, "get /api/v1/recipients")) {
      notForYou(ctx);
      return;
    }
    Texts t = Texts.of(ctx);
    LocalDate today = LocalDate.ofInstant(platform.clock().instant(), ZoneOffset.UTC);
    List<Item> items = new ArrayList<>();
    for (Recipients.View v : platform.domain().recipients().list()) {
      var a = v.agreement();
      String agreement = a == null ? t.get("console.recipients.no-agreement")
          : t.format("console.recipients.agreement", a.version(), a.start().toString(), a.end().toString(), String.join(", ", a.categories()),
              String.join(", ", a.purposes()), String.join(", ", a.dataCentres()));
      boolean inForce = a != null && !today.isBefore(a.start()) && !today.isAfter(a.end());
      items.add(new Item(v.id(), List.of(v.name(), v.kind(), t.get(v.source().equals("policy") ? "console.recipients.from-policy" : "console.recipients.registered"),
          agreement, t.get(inForce ? "console.yes" : "console.no")), null, List.of()));
    }
    listing(ctx, s, PATH + "/recipients", new Listing(t.get("console.recipients.title"), t.get("console.recipients.intro"), t.get("console.recipients.empty"),
        List.of(t.get("console.col.name"), t.get("console.col.kind"), t.get("console.col.source"), t.get("console.col.agreement"),
            t.get("console.col.in-force")), items, List.of()));
  }

  // ---- bits ----

  private static void webjar(Context ctx, String file, String type) throws IOException {
    try (var in = ConsolePages.class.getResourceAsStream("/META-INF/resources/webjars/uplot/" + UPLOT + "/dist/" + file)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot webjar " + UPLOT + " is not on the class path");
      }
      ctx.header("Cache-Control", "public, max-age=86400").contentType(type + "; charset=utf-8").result(in.readAllBytes());
    }
  }

  /** The uPlot version of the webjar on the class path (the parent POM pins it). */
  static final String UPLOT = "1.6.30";

  private static void asset(Context ctx, String name, String type) throws IOException {
    try (var in = ConsolePages.class.getResourceAsStream("/assets/" + name)) {
      ctx.header("Cache-Control", "public, max-age=3600").contentType(type + "; charset=utf-8").result(in.readAllBytes());
    }
  }

  private static String role(Texts t, String role) {
    return t.has("console.role." + role) ? t.get("console.role." + role) : role;
  }

  private static String status(Texts t, Grant g, Instant now) {
    if (g.inForce(now)) {
      return t.get("console.grants.in-force");
    }
    return t.has("console.grants.status." + g.status()) ? t.get("console.grants.status." + g.status()) : g.status();
  }

  private static String param(Context ctx, String name) {
    return blank(ctx.queryParam(name));
  }

  private static String blank(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  private static long number(String s, String field) {
    if (s != null && s.matches("[1-9][0-9]{0,17}")) {
      return Long.parseLong(s);
    }
    throw new InvalidInputException(field, field);
  }

  /** A day (yyyy-mm-dd, UTC) as its first instant; null when left out. */
  private static Instant day(String s, String field) {
    if (s == null) {
      return null;
    }
    try {
      return LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(field, field);
    }
  }

  /** The request's query with {@code name} set to {@code value}, for a link to the next page of a search. */
  private static String query(Context ctx, String name, String value) {
    StringBuilder b = new StringBuilder(PATH + "/audit?");
    for (var e : ctx.queryParamMap().entrySet()) {
      if (!e.getKey().equals(name) && ID.matcher(e.getKey()).matches() && !e.getValue().isEmpty()) {
        b.append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue().get(0), StandardCharsets.UTF_8)).append('&');
      }
    }
    return b.append(name).append('=').append(value).toString();
  }

  private static String b64(byte[] hash) {
    return Base64.getEncoder().encodeToString(hash);
  }
}
