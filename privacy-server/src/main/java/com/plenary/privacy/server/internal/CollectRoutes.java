package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.EventRecords;
import com.plenary.privacy.domain.InAnotherRegion;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Cookie;
import com.plenary.privacy.policy.CookieClass;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.store.Vault;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Usage collection and cookies (C3–C10, C20, C21): the collector with its group commit, the snippet
 * and the cookie banner, cookie choices with Global Privacy Control, service and partner events,
 * and partner links. The collector records exactly the declared categories and drops anything else.
 */
public final class CollectRoutes {
  public static final String BROWSER_COOKIE = "pl_bid";
  public static final String CONSENT_COOKIE = "pl_consent";
  public static final String ANALYTICS_COOKIE = "pl_an";
  public static final int MAX_BEACON_BYTES = 8 * 1024;
  private static final Pattern COOKIE_VALUE = Pattern.compile("[A-Za-z0-9_-]{22,43}");
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final Pattern CONSENT_VALUE = Pattern.compile("v1\\.p[01]\\.a[01]");
  private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}");
  private static final List<String> COLLECTED = List.of("user.device", "user.device.ip_address", "user.device.cookie_id", "user.behavior.browsing_history");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Platform platform;
  private final ObjectMapper json;
  private final Collector collector;
  private final UserAgents userAgents = new UserAgents();
  private final boolean honourDnt;

  private final JsonBodies bodies;

  private final FormTokens formTokens;

  private final RegionForwarding forwarding;

  public CollectRoutes(Platform platform, ObjectMapper json, JsonBodies bodies, Collector collector, boolean honourDnt, RegionForwarding forwarding) {
    this.platform = platform;
    this.forwarding = forwarding;
    this.json = json;
    this.bodies = bodies;
    this.collector = collector;
    this.honourDnt = honourDnt;
    this.formTokens = FormTokens.open(platform.config().keyDir());
  }

  public List<Route> routes() {
    Set<Caller.Kind> service = EnumSet.of(Caller.Kind.SERVICE);
    Set<Caller.Kind> person = EnumSet.of(Caller.Kind.SUBJECT);
    return List.of(
        new Route("post", "/collect", "collection", "A page view from the snippet (text/plain or application/json); 204 once durable, 503 with Retry-After when the store is behind (C3, C7, C8)",
            Set.of(), Set.of(), List.of(204), null, Route.NO_JSON, this::collect),
        new Route("post", RegionForwarding.COLLECT_PATH, "collection", "A page view of a person of this region received by another region's node, stored here in "
            + "the person's home region; 204 once durable; for the regions' nodes only, signed with their shared secret (C3, C13)", Set.of(), Set.of(), List.of(204),
            CollectThere.class, Route.NO_JSON, this::collectForAnotherRegion),
        Route.publicGet("/snippet.js", "collection", "The usage snippet", ctx -> asset(ctx, "snippet.js", "text/javascript")),
        Route.publicGet("/banner.js", "collection", "The cookie banner script", ctx -> asset(ctx, "banner.js", "text/javascript")),
        Route.publicGet("/banner.css", "collection", "The cookie banner's styles", ctx -> asset(ctx, "banner.css", "text/css")),
        Route.publicGet("/api/v1/cookies", "cookies", "Every cookie we or our partners set, with class, owner, purpose and lifetime (C8–C10)", CookieList.class,
            this::cookies),
        Route.publicGet("/.well-known/gpc.json", "cookies", "Global Privacy Control support", Gpc.class, ctx ->
            ctx.header("Cache-Control", "public, max-age=86400").json(new Gpc(true, String.valueOf(platform.policy().effective())))),
        Route.publicGet("/privacy/cookies", "pages", "Cookie choices, the list of cookies, and which features are off (C20, C21)", this::cookiePage),
        new Route("post", "/privacy/cookie-choices", "cookies", "Store cookie choices: JSON {preferences, analytics} or the form of /privacy/cookies", Set.of(), Set.of(), List.of(200, 303), null,
            Route.json(200, ChoicesMade.class), this::saveChoices),
        new Route("post", "/api/v1/events", "collection", "A batch of up to 1000 usage events from a service (C3, C7)", service, Set.of(), List.of(200), ServiceEvents.class,
            Route.json(200, Stored.class), this::serviceEvents),
        new Route("post", "/api/v1/partner-events", "collection", "A batch of up to 1000 events from a partner's pages, attributed to it (C4)",
            EnumSet.of(Caller.Kind.PARTNER), Set.of(), List.of(200), PartnerEvents.class, Route.json(200, PartnerStored.class), this::partnerEvents),
        new Route("post", "/api/v1/subjects/{id}/partner-links", "collection", "Combine a partner's record with a person, for a purpose (C5)", service, Set.of(), List.of(201), LinkBody.class,
            Route.json(201, Link.class), this::link),
        new Route("delete", "/api/v1/subjects/{id}/partner-links/{link}", "collection", "Undo a partner link (C5)", service, Set.of(), List.of(204), null, Route.NO_JSON, this::unlinkByService),
        new Route("get", "/api/v1/me/partner-links", "people", "Partner records combined with my data (C5)", person, Set.of(), List.of(200), null,
            Route.json(200, Links.class), this::myLinks),
        new Route("delete", "/api/v1/me/partner-links/{link}", "people", "Undo a partner link (C5); needs X-CSRF-Token", person, Set.of(), List.of(204), null, Route.NO_JSON, this::unlinkByPerson));
  }

  // ---- the bodies (the policy judges the names in them; the page attributes are checked as for a beacon) ----

  /** A batch of usage events from a service. */
  record ServiceEvents(
      @JsonBodies.MinItems(1) @JsonBodies.Max(1000) @JsonBodies.Example("[{\"browser\": \"AAAAAAAAAAAAAAAAAAAAAA\", \"page\": \"https://shop.example/\"}]")
      List<ServiceEvent> events) {}

  /** A usage event from a service: about a person or a browser (by its {@code pl_bid} cookie value). */
  record ServiceEvent(
      @JsonBodies.Optional @JsonBodies.Max(320) String subject,
      @JsonBodies.Optional @JsonBodies.Max(320) String browser,
      @JsonBodies.Optional @JsonBodies.Max(32) String type,
      @JsonBodies.Max(2048) @JsonBodies.Example("\"https://shop.example/\"") String page,
      @JsonBodies.Optional @JsonBodies.Max(2048) String referrer,
      @JsonBodies.Optional @JsonBodies.Max(64) String language,
      @JsonBodies.Optional Screen screen,
      @JsonBodies.Optional @JsonBodies.Max(320) String purpose,
      @JsonProperty("user_agent") @JsonBodies.Optional @JsonBodies.Max(2048) String userAgent,
      @JsonBodies.Optional @JsonBodies.Max(64) String ip) {}

  /**
   * A browser's page view that another region's node received for a person of this region (issue 18): their
   * session's token (held here), the browser's id cookie, whether the browser's choices allow analytics, the
   * beacon's page attributes, and the client address (already minimised there) and user agent.
   */
  record CollectThere(
      @JsonBodies.Max(64) @JsonBodies.Example("\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"") String session,
      @JsonBodies.Max(64) @JsonBodies.Example("\"AAAAAAAAAAAAAAAAAAAAAA\"") String browser,
      @JsonBodies.Optional Boolean analytics,
      @JsonBodies.Optional @JsonBodies.Max(32) String type,
      @JsonBodies.Max(2048) @JsonBodies.Example("\"https://shop.example/\"") String page,
      @JsonBodies.Optional @JsonBodies.Max(2048) String referrer,
      @JsonBodies.Optional @JsonBodies.Max(64) String language,
      @JsonBodies.Optional Screen screen,
      @JsonBodies.Optional @JsonBodies.Max(64) String ip,
      @JsonProperty("user_agent") @JsonBodies.Optional @JsonBodies.Max(2048) String userAgent) {}

  /** A batch of events from a partner's pages. */
  record PartnerEvents(@JsonBodies.MinItems(1) @JsonBodies.Max(1000) List<PartnerEvent> events) {}

  /** A usage event from a partner, with the partner's own identifier of the visitor (C4). */
  record PartnerEvent(
      @JsonBodies.Max(320) @JsonBodies.Example("\"visitor-42\"") String identifier,
      @JsonBodies.Optional @JsonBodies.Max(32) String type,
      @JsonBodies.Max(2048) @JsonBodies.Example("\"https://acme.example/\"") String page,
      @JsonBodies.Optional @JsonBodies.Max(2048) String referrer,
      @JsonBodies.Optional @JsonBodies.Max(64) String language,
      @JsonBodies.Optional Screen screen,
      @JsonBodies.Optional @JsonBodies.Max(320) String purpose) {}

  /** The screen size in whole pixels. */
  record Screen(@JsonBodies.Max(100_000) Integer w, @JsonBodies.Max(100_000) Integer h) {}

  /** A partner's record to combine with a person, and the purpose of combining them (C5). */
  record LinkBody(
      @JsonBodies.Max(320) @JsonBodies.Example("\"acme-ads\"") String partner,
      @JsonBodies.Max(320) String identifier,
      @JsonBodies.Max(320) @JsonBodies.Example("\"improve\"") String purpose) {}

  // ---- the answers ----

  /** How many events of a service's batch were stored (all of them, or the batch is refused). */
  record Stored(int stored) {}

  /** How many events of a partner's batch were stored, and the partner they are attributed to (C4). */
  record PartnerStored(int stored, String partner) {}

  /**
   * A partner's record combined with a person (C5), its property names as links have always been
   * served (camelCase; the export writes the same link in snake_case).
   */
  record Link(String id, String partner, String purpose, String linkedBy, Instant createdAt) {
    static Link of(EventRecords.Link l) {
      return new Link(l.id(), l.partner(), l.purpose(), l.linkedBy(), l.createdAt());
    }
  }

  /** The person's partner links. */
  record Links(List<Link> links) {}

  /** The cookie classes and every cookie, for the banner and for people to read (C8–C10). */
  record CookieList(List<CookieClassView> classes, List<CookieView> cookies) {}

  /** A class of cookies (essential, preferences, analytics), tied to a purpose. */
  record CookieClassView(String id, String purpose, boolean required, String text, List<String> clauses) {
    static CookieClassView of(CookieClass c) {
      return new CookieClassView(c.id(), c.purpose(), c.required(), c.text(), c.clauses());
    }
  }

  /** One cookie: its class, who sets it, why, for how long, and whether a visitor may refuse it. */
  record CookieView(
      String name,
      @JsonProperty("class") String cookieClass,
      String owner,
      String purpose,
      @JsonProperty("purpose_id") String purposeId,
      String lifetime,
      boolean refusable) {}

  /** Global Privacy Control support, in the form the GPC specification gives ({@code lastUpdate} is its name). */
  record Gpc(boolean gpc, String lastUpdate) {}

  /** The cookie choices stored. */
  record ChoicesMade(boolean preferences, boolean analytics) {}

  // ---- the collector ----

  private void collect(Context ctx) throws Exception {
    String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
    if (!type.startsWith("text/plain") && !type.startsWith("application/json")) {
      throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the beacon as text/plain or application/json");
    }
    byte[] raw = Bodies.read(ctx, MAX_BEACON_BYTES);
    Object parsed = json.readValue(raw, Object.class);
    if (!(parsed instanceof Map<?, ?> body)) {
      throw new InvalidInputException("", "the beacon must be a JSON object");
    }
    Map<String, Object> details = pageDetails(body);
    String kind = kind(body.get("type"));

    Choices choices = choices(ctx);
    String browser = browserCookie(ctx);
    String token = ctx.cookie(VaultRoutes.SESSION_COOKIE);
    Optional<Vault.Session> session = platform.vault().session(token);
    boolean newAnalyticsCookie = ctx.cookie(ANALYTICS_COOKIE) == null;
    Optional<String> home = session.isPresent() ? Optional.empty()
        : platform.regions().homeOfSession(token).filter(r -> !r.equals(platform.regions().here()));
    if (home.isPresent()) {
      // a person of another region, signed in there: their event is stored by their region, never here (issue 18)
      Policy.Collection c = platform.policy().collection();
      Object screen = body.get("screen");
      CollectThere there = new CollectThere(token, browser, choices.analytics(), kind, (String) details.get("page"), (String) details.get("referrer"),
          (String) details.get("language"), screen instanceof Map<?, ?> m ? new Screen((Integer) m.get("w"), (Integer) m.get("h")) : null,
          IpAddresses.minimise(ctx.ip(), c.ipv4ZeroBits(), c.ipv6ZeroBits()), ctx.userAgent());
      if (!forwarding.forwardsTo(home.get())) {
        throw new InAnotherRegion(platform.regions().here(), home.get(), platform.regions().url(home.get()).orElse(null));
      }
      CompletableFuture<RegionForwarding.Answer> answered = forwarding.collectThere(home.get(), json.writeValueAsBytes(there), ctx.attribute("request-id"));
      ctx.future(() -> answered.handle((answer, failure) -> {
        if (failure != null) {
          throw forwarding.failure(failure, home.get());
        }
        answer.passOn(ctx);
        if (answer.status() == 204 && "yes".equals(answer.recorded()) && newAnalyticsCookie) {
          setCookie(ctx, ANALYTICS_COOKIE, randomId(), lifetime(ANALYTICS_COOKIE), true);
        }
        return null;
      }));
      return;
    }
    String subject = session.map(Vault.Session::subjectId).orElse(null);
    CompletableFuture<Boolean> stored = record(ctx.attribute("request-id"), subject, choices.analytics(), browser, kind, details, ctx.ip(), ctx.userAgent());
    // answered when the group commits, without holding a server thread while it waits
    ctx.future(() -> stored.orTimeout(10, TimeUnit.SECONDS).handle((recorded, failure) -> {
      if (failure != null) {
        throw storeFailure(failure);
      }
      if (recorded && newAnalyticsCookie) {
        setCookie(ctx, ANALYTICS_COOKIE, randomId(), lifetime(ANALYTICS_COOKIE), true);
      }
      ctx.header("X-Plenary-Recorded", recorded ? "yes" : "no").status(204);
      return null;
    }));
  }

  /**
   * Decides a browser's page view and, when it may be collected, hands it to the collector; completes with
   * whether it was recorded, once it is durable (at once with false when it may not be collected).
   */
  private CompletableFuture<Boolean> record(String requestId, String subject, boolean analytics, String browser, String kind, Map<String, Object> details,
      String ip, String userAgent) {
    Decision d = platform.domain().collection().decideBrowserEvent(requestId, subject, analytics, COLLECTED);
    if (!d.permits()) {
      return CompletableFuture.completedFuture(false);
    }
    Policy.Collection c = platform.policy().collection();
    if (ip != null) {
      details.put("ip", IpAddresses.minimise(ip, c.ipv4ZeroBits(), c.ipv6ZeroBits()));
    }
    details.putAll(userAgents.parse(userAgent));
    UsageEvents.Event event = UsageEvents.Event.builder(requestId).source("browser", "snippet").purpose(Vocabulary.ANALYTICS).kind(kind)
        .browser(browser).subject(subject).details(details).build();
    return collector.submit(event).thenApply(ok -> true);
  }

  /**
   * Stores a page view that another region's node received for a person of this region (issue 18), as
   * {@code /collect} stores its own: decided here, answered 204 once durable, with {@code X-Plenary-Recorded}.
   * Serves only a request signed with the regions' secret, and stores only a page view whose session this
   * region authenticates: the forwarding node cannot check a session of another region, so this region does,
   * and a page view of no session here is stored nowhere ({@code X-Plenary-Recorded: no}).
   */
  private void collectForAnotherRegion(Context ctx) throws IOException {
    forwarding.require(ctx, "post " + RegionForwarding.COLLECT_PATH, "this endpoint serves the regions' nodes: a browser sends its events to /collect");
    CollectThere body = bodies.read(ctx, CollectThere.class);
    if (!COOKIE_VALUE.matcher(body.browser()).matches()) {
      throw new InvalidInputException("browser", "browser must be the browser-id cookie value");
    }
    Map<String, Object> details = pageDetails(page(body.page(), body.referrer(), body.language(), body.screen()));
    String kind = kind(body.type());
    Optional<String> subject = platform.vault().session(body.session()).map(Vault.Session::subjectId);
    if (subject.isEmpty()) {
      // a token no session of this region has (forged, tampered, ended): the page view is no one's here, and another region's node cannot
      // tell a browser from a forger, so it is stored nowhere, neither as the person's nor as the browser's (finding a of issue 18)
      ctx.header("X-Plenary-Recorded", "no").status(204);
      return;
    }
    CompletableFuture<Boolean> stored = record(ctx.attribute("request-id"), subject.get(), Boolean.TRUE.equals(body.analytics()), body.browser(), kind,
        details, body.ip(), body.userAgent());
    ctx.future(() -> stored.orTimeout(10, TimeUnit.SECONDS).handle((recorded, failure) -> {
      if (failure != null) {
        throw storeFailure(failure);
      }
      ctx.header("X-Plenary-Recorded", recorded ? "yes" : "no").status(204);
      return null;
    }));
  }

  /** What a request whose event could not be stored is told: the reason if it is a problem, else 503 to retry. */
  private static HttpProblem storeFailure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof HttpProblem p) {
      return p;
    }
    if (cause instanceof TimeoutException) {
      return new HttpProblem(503, "overloaded", "Overloaded", "the store is behind; retry after the time Retry-After gives");
    }
    return new HttpProblem(503, "unavailable", "Unavailable", "the event could not be stored; retry");
  }

  /** The declared page attributes from a beacon or an event; unknown fields are dropped, bad ones refused. */
  private static Map<String, Object> pageDetails(Map<?, ?> body) {
    Map<String, Object> d = new LinkedHashMap<>();
    String page = url(body.get("page"), "page", true);
    d.put("page", page);
    String referrer = url(body.get("referrer"), "referrer", false);
    if (referrer != null) {
      d.put("referrer", referrer);
    }
    Object language = body.get("language");
    if (language != null) {
      if (!(language instanceof String l) || !LANGUAGE.matcher(l).matches()) {
        throw new InvalidInputException("language", "language must be a language tag such as en-GB");
      }
      d.put("language", l);
    }
    Object screen = body.get("screen");
    if (screen != null) {
      if (!(screen instanceof Map<?, ?> s) || !(s.get("w") instanceof Integer w) || !(s.get("h") instanceof Integer h) || w < 0 || h < 0 || w > 100_000 || h > 100_000) {
        throw new InvalidInputException("screen", "screen must be {\"w\": width, \"h\": height} in whole pixels");
      }
      d.put("screen", w + "x" + h);
    }
    return d;
  }

  private static String kind(Object raw) {
    if (raw == null) {
      return "pageview";
    }
    if (!(raw instanceof String s) || !KIND.matcher(s).matches()) {
      throw new InvalidInputException("type", "type must be a short lower-case word such as pageview");
    }
    return s;
  }

  private static String url(Object raw, String name, boolean required) {
    if (raw == null) {
      if (required) {
        throw new InvalidInputException(name, name + " is required");
      }
      return null;
    }
    if (!(raw instanceof String s) || s.length() > 2048) {
      throw new InvalidInputException(name, name + " must be a URL of at most 2048 characters");
    }
    try {
      URI u = new URI(s);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new InvalidInputException(name, name + " must be an http or https URL");
      }
      return s;
    } catch (URISyntaxException e) {
      throw new InvalidInputException(name, name + " must be an http or https URL");
    }
  }

  // ---- service and partner events ----

  /**
   * Reads every event of the batch first, so a bad one stores nothing, then stores them all or none
   * (the collector: one transaction, or one batch through the event stream), and answers the request
   * with {@code answer} of how many were stored once they are durable.
   */
  private <E> void storeBatch(Context ctx, List<E> events, BiFunction<E, String, UsageEvents.Event> reader, Function<Integer, Record> answer) {
    List<UsageEvents.Event> out = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      out.add(reader.apply(events.get(i), "events[" + i + "]"));
    }
    CompletableFuture<Integer> stored = collector.submitBatch(out);
    if (stored.isDone() && !stored.isCompletedExceptionally()) {
      ctx.json(answer.apply(stored.join())); // stored in the database already
      return;
    }
    ctx.future(() -> stored.orTimeout(30, TimeUnit.SECONDS).handle((n, failure) -> {
      if (failure != null) {
        throw storeFailure(failure);
      }
      ctx.json(answer.apply(n));
      return null;
    }));
  }

  /** The page attributes of an event, as a beacon sends them, for {@link #pageDetails}. */
  private static Map<String, Object> page(String page, String referrer, String language, Screen screen) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("page", page);
    m.put("referrer", referrer);
    m.put("language", language);
    if (screen != null) {
      m.put("screen", Map.of("w", screen.w(), "h", screen.h()));
    }
    return m;
  }

  private void serviceEvents(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    ServiceEvents body = bodies.read(ctx, ServiceEvents.class);
    // who of the people the batch names is registered with this service: one look-up for the batch
    Set<String> registered = platform.domain().subjects().registeredWith(
        body.events().stream().map(ServiceEvent::subject).filter(Objects::nonNull).toList(), caller.name());
    storeBatch(ctx, body.events(), (e, at) -> {
      String subject = optional(e.subject(), at + ".subject");
      String browser = optional(e.browser(), at + ".browser");
      if (subject == null && browser == null) {
        throw new InvalidInputException(at, at + " needs a subject or a browser");
      }
      if (browser != null && !COOKIE_VALUE.matcher(browser).matches()) {
        throw new InvalidInputException(at + ".browser", at + ".browser must be the browser-id cookie value");
      }
      String purpose = e.purpose() == null ? Vocabulary.TECHNICAL : optional(e.purpose(), at + ".purpose");
      requireCollect(Access.service(caller.name(), ctx.attribute("request-id")), purpose, subject, List.of("user.device", "user.behavior"), at);
      if (subject != null && !registered.contains(subject)) {
        throw new NotFound("no person with the id in " + at + " is registered with this service");
      }
      Map<String, Object> details = pageDetails(page(e.page(), e.referrer(), e.language(), e.screen()));
      if (e.ip() != null) {
        Policy.Collection c = platform.policy().collection();
        details.put("ip", IpAddresses.minimise(e.ip(), c.ipv4ZeroBits(), c.ipv6ZeroBits()));
      }
      if (e.userAgent() != null) {
        details.putAll(userAgents.parse(e.userAgent()));
      }
      return UsageEvents.Event.builder(ctx.attribute("request-id")).source("service", caller.name()).purpose(purpose).kind(kind(e.type())).browser(browser).subject(subject).details(details).build();
    }, Stored::new);
  }

  private void partnerEvents(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    PartnerEvents body = bodies.read(ctx, PartnerEvents.class);
    storeBatch(ctx, body.events(), (e, at) -> {
      String identifier = optional(e.identifier(), at + ".identifier");
      String purpose = e.purpose() == null ? Vocabulary.IMPROVE : optional(e.purpose(), at + ".purpose");
      requireCollect(Access.partner(caller.name(), ctx.attribute("request-id")), purpose, null, List.of("user.partner", "user.device", "user.behavior"), at);
      Map<String, Object> details = pageDetails(page(e.page(), e.referrer(), e.language(), e.screen()));
      return UsageEvents.Event.builder(ctx.attribute("request-id")).source("partner", caller.name()).purpose(purpose).kind(kind(e.type())).partnerIdentifier(identifier).details(details).build();
    }, n -> new PartnerStored(n, caller.name()));
  }

  /** Asks the enforcer whether this event may be collected; a denial or an unknown name names the event's index. */
  private void requireCollect(Access by, String purpose, String subject, List<String> categories, String at) {
    Decision d;
    try {
      d = platform.domain().collection().decideSentEvent(by, purpose, subject, categories);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(at + "." + e.field(), at + ": " + e.getMessage());
    }
    if (!d.permits()) {
      throw withIndex(VaultRoutes.denied(d), at);
    }
  }

  private static HttpProblem withIndex(HttpProblem p, String at) {
    Map<String, Object> body = p.body("x");
    Map<String, Object> ext = new LinkedHashMap<>();
    ext.put("clauses", body.get("clauses"));
    ext.put("rules", body.get("rules"));
    ext.put("field", at);
    return new HttpProblem(p.status(), p.slug(), p.title(), at + ": " + p.getMessage(), ext);
  }

  private static String optional(Object raw, String at) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof String s) || s.isBlank() || s.length() > 320) {
      throw new InvalidInputException(at, at + " must be a non-empty text of at most 320 characters");
    }
    return s;
  }

  // ---- partner links (C5) ----

  private void link(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    LinkBody body = bodies.read(ctx, LinkBody.class);
    String partner = body.partner();
    if (platform.policy().partners().stream().noneMatch(p -> p.id().equals(partner))) {
      throw new InvalidInputException("partner", "partner must be one the policy declares");
    }
    var out = platform.domain().collection().linkPartner(Access.service(caller.name(), ctx.attribute("request-id")), ctx.pathParam("id"), partner,
        body.identifier(), body.purpose());
    if (!out.permitted()) {
      throw VaultRoutes.denied(out.decision());
    }
    ctx.status(201).json(Link.of(out.value()));
  }

  private void unlinkByService(Context ctx) {
    Caller caller = ctx.attribute("caller");
    platform.domain().collection().unlink(Access.service(caller.name(), ctx.attribute("request-id")), ctx.pathParam("id"), ctx.pathParam("link"));
    ctx.status(204);
  }

  private void unlinkByPerson(Context ctx) {
    Caller caller = ctx.attribute("caller");
    platform.domain().collection().unlink(Access.subject(caller.id(), ctx.attribute("request-id")), caller.id(), ctx.pathParam("link"));
    ctx.status(204);
  }

  private void myLinks(Context ctx) {
    Caller caller = ctx.attribute("caller");
    List<EventRecords.Link> links = platform.domain().collection().links(Access.subject(caller.id(), ctx.attribute("request-id")), caller.id());
    ctx.json(new Links(links.stream().map(Link::of).toList()));
  }

  // ---- cookies (C8–C10, C20, C21) ----

  /** The visitor's choices, with Global Privacy Control and (when configured) Do Not Track overriding analytics. */
  record Choices(boolean made, boolean preferences, boolean analytics, boolean gpc) {}

  Choices choices(Context ctx) {
    String c = ctx.cookie(CONSENT_COOKIE);
    boolean made = c != null && CONSENT_VALUE.matcher(c).matches();
    boolean gpc = "1".equals(ctx.header("Sec-GPC")) || honourDnt && "1".equals(ctx.header("DNT"));
    boolean preferences = made && c.contains(".p1");
    boolean analytics = made && c.contains(".a1") && !gpc;
    return new Choices(made, preferences, analytics, gpc);
  }

  private void saveChoices(Context ctx) throws IOException {
    boolean form = ctx.contentType() != null && ctx.contentType().startsWith("application/x-www-form-urlencoded");
    boolean preferences;
    boolean analytics;
    if (form && !formTokens.carriedBy(ctx)) {
      // the page's own form carries its browser's token; a form without one must at least come from our own origin
      requireSameOrigin(ctx);
    }
    if (form) {
      String all = ctx.formParam("all");
      preferences = "accept".equals(all) || "on".equals(ctx.formParam("preferences")) && !"refuse".equals(all);
      analytics = "accept".equals(all) || "on".equals(ctx.formParam("analytics")) && !"refuse".equals(all);
    } else {
      if (ctx.contentType() == null || !ctx.contentType().startsWith("application/json")) {
        throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the choices as application/json or as the form");
      }
      Object raw = json.readValue(ctx.bodyAsBytes(), Object.class);
      if (!(raw instanceof Map<?, ?> m) || !(m.get("preferences") instanceof Boolean p) || !(m.get("analytics") instanceof Boolean a) || m.size() != 2) {
        throw new InvalidInputException("", "send {\"preferences\": true|false, \"analytics\": true|false}");
      }
      preferences = p;
      analytics = a;
    }
    if ("1".equals(ctx.header("Sec-GPC"))) {
      analytics = false;
    }
    setCookie(ctx, CONSENT_COOKIE, "v1.p" + (preferences ? 1 : 0) + ".a" + (analytics ? 1 : 0), lifetime(CONSENT_COOKIE), false);
    // a signed-in person's choice is also an entry of their consent ledger (channel banner)
    PolicyRoutes.bannerChoices(platform, ctx, Map.of("preferences", preferences, "analytics", analytics));
    if (!analytics && ctx.cookie(ANALYTICS_COOKIE) != null) {
      setCookie(ctx, ANALYTICS_COOKIE, "", 0, true);
    }
    if (!preferences && ctx.cookie("pl_prefs") != null) {
      setCookie(ctx, "pl_prefs", "", 0, false);
    }
    if (form) {
      ctx.redirect("/privacy/cookies?saved=1", HttpStatus.SEE_OTHER);
    } else {
      ctx.json(new ChoicesMade(preferences, analytics));
    }
  }

  /**
   * A form that changes consent must come from our own pages: another site could otherwise submit it
   * on a visitor's behalf (consent forgery). Browsers send Origin (or at least Referer) with form posts.
   * It must name {@code server.public_url} when that is set (behind a proxy that rewrites Host), else
   * the host the request was sent to.
   */
  private void requireSameOrigin(Context ctx) {
    String expected = platform.config().publicUrl() != null ? hostAndPort(platform.config().publicUrl()) : ctx.header("Host");
    String source = ctx.header("Origin") != null ? ctx.header("Origin") : ctx.header("Referer");
    String sourceHost = source == null ? null : hostAndPort(source);
    if (expected == null || sourceHost == null || !sourceHost.equalsIgnoreCase(expected)) {
      throw new HttpProblem(403, "cross-site", "Cross-site request", "cookie choices can only be made on this site's own pages");
    }
  }

  /** {@code host} or {@code host:port} of a URL as a Host header writes it, or null. */
  private static String hostAndPort(String url) {
    try {
      URI u = new URI(url);
      return u.getHost() == null ? null : u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
    } catch (URISyntaxException e) {
      return null;
    }
  }

  private void cookies(Context ctx) {
    List<CookieView> out = new ArrayList<>();
    for (Cookie c : platform.policy().cookies()) {
      CookieClass cls = cookieClass(c.cookieClass());
      out.add(new CookieView(c.name(), c.cookieClass(), c.owner(), c.text(), cls == null ? "" : cls.purpose(), human(c.lifetime()), cls == null || !cls.required()));
    }
    List<CookieClassView> classes = platform.policy().cookieClasses().stream().map(CookieClassView::of).toList();
    ctx.header("Cache-Control", "public, max-age=300").json(new CookieList(classes, out));
  }

  private void cookiePage(Context ctx) {
    Texts t = Texts.of(ctx);
    Choices choices = choices(ctx);
    List<String> off = new ArrayList<>();
    if (!choices.preferences()) {
      off.add(t.get("cookies.off.preferences"));
    }
    if (!choices.analytics()) {
      off.add(t.get("cookies.off.analytics"));
    }
    List<Pages.Choice> classes = new ArrayList<>();
    for (CookieClass cls : platform.policy().cookieClasses()) {
      boolean checked = cls.required() || cls.id().equals("preferences") && choices.preferences() || cls.id().equals("analytics") && choices.analytics();
      classes.add(new Pages.Choice(cls.id(), t.policy("cookie-class-name", cls.id(), AccountPages.label(cls.id())), t.policy("cookie-class", cls.id(), cls.text()),
          checked, cls.required()));
    }
    List<Pages.CookieRow> cookies = new ArrayList<>();
    for (Cookie c : platform.policy().cookies()) {
      cookies.add(new Pages.CookieRow(c.name(), t.policy("cookie-class-name", c.cookieClass(), AccountPages.label(c.cookieClass())),
          c.owner().equals("plenary") ? "Plenary" : partnerName(c.owner()), t.policy("cookie", c.name(), c.text()), human(t, c.lifetime())));
    }
    Pages.render(ctx, 200, "cookies.jte", Map.of("page", new Pages.Cookies(formTokens.forBrowser(platform, ctx), ctx.queryParam("saved") != null, choices.gpc(), off, classes, cookies)));
  }

  private String partnerName(String id) {
    return platform.policy().partners().stream().filter(p -> p.id().equals(id)).map(p -> p.text()).findFirst().orElse(id);
  }

  private CookieClass cookieClass(String id) {
    return platform.policy().cookieClasses().stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
  }

  private int lifetime(String cookie) {
    return platform.policy().cookies().stream().filter(c -> c.name().equals(cookie)).findFirst()
        .map(c -> (int) Math.min(Integer.MAX_VALUE, c.lifetime().toSeconds())).orElse(3600);
  }

  /** The browser-id cookie (C8): 128 random bits; set when missing or malformed; essential, so set whatever the choices. */
  private String browserCookie(Context ctx) {
    String v = ctx.cookie(BROWSER_COOKIE);
    if (v != null && COOKIE_VALUE.matcher(v).matches()) {
      return v;
    }
    String fresh = randomId();
    setCookie(ctx, BROWSER_COOKIE, fresh, lifetime(BROWSER_COOKIE), true);
    return fresh;
  }

  /** C6: when a person signs in, their browser and its earlier events are attached to them. */
  static void attachBrowser(Platform platform, Context ctx, String subjectId) {
    String v = ctx.cookie(BROWSER_COOKIE);
    if (v != null && COOKIE_VALUE.matcher(v).matches()) {
      platform.domain().collection().attachBrowser(subjectId, v, ctx.attribute("request-id"));
    }
  }

  private static String randomId() {
    byte[] raw = new byte[16];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  static void setCookie(Context ctx, String name, String value, int maxAge, boolean httpOnly) {
    ctx.cookie(new io.javalin.http.Cookie(name, value, "/", maxAge, Requests.overHttps(ctx), httpOnly, null, SameSite.LAX)); // qualified: Javalin's Cookie beside the policy's Cookie
  }

  private static String human(Texts t, Duration d) {
    return d.toDays() >= 1 ? t.format("cookies.days", d.toDays()) : t.format("cookies.hours", d.toHours());
  }

  private static String human(Duration d) {
    if (d.toDays() >= 1) {
      return d.toDays() + " days";
    }
    return d.toHours() + " hours";
  }

  private static void asset(Context ctx, String name, String type) throws IOException {
    try (var in = CollectRoutes.class.getResourceAsStream("/assets/" + name)) {
      ctx.header("Cache-Control", "public, max-age=3600").contentType(type + "; charset=utf-8").result(in.readAllBytes());
    }
  }
}
