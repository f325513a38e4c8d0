package com.plenary.privacy.server;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.Reason;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.InAnotherRegion;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.messages.MailTransport;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.platform.Server;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.server.internal.AccountPages;
import com.plenary.privacy.server.internal.AccountabilityRoutes;
import com.plenary.privacy.server.internal.AudienceRoutes;
import com.plenary.privacy.server.internal.AuditRoutes;
import com.plenary.privacy.server.internal.Authenticator;
import com.plenary.privacy.server.internal.Bodies;
import com.plenary.privacy.server.internal.CollectRoutes;
import com.plenary.privacy.server.internal.ConsoleOidc;
import com.plenary.privacy.server.internal.ConsolePages;
import com.plenary.privacy.server.internal.Pages;
import com.plenary.privacy.server.internal.Collector;
import com.plenary.privacy.server.internal.ConsentRoutes;
import com.plenary.privacy.server.internal.JettyProblems;
import com.plenary.privacy.server.internal.JsonBodies;
import com.plenary.privacy.server.internal.SharedKeys;
import com.plenary.privacy.server.internal.DisclosureRoutes;
import com.plenary.privacy.server.internal.LegalRequestRoutes;
import com.plenary.privacy.server.internal.MailSender;
import com.plenary.privacy.server.internal.Webhooks;
import com.plenary.privacy.server.internal.MessageRoutes;
import com.plenary.privacy.server.internal.OidcVerifier;
import com.plenary.privacy.server.internal.OpenApi;
import com.plenary.privacy.server.internal.ReviewRoutes;
import com.plenary.privacy.server.internal.Route;
import com.plenary.privacy.server.internal.Schemas;
import com.plenary.privacy.server.internal.AggregateRoutes;
import com.plenary.privacy.server.internal.PolicyRoutes;
import com.plenary.privacy.server.internal.RegionForwarding;
import com.plenary.privacy.server.internal.RecipientRoutes;
import com.plenary.privacy.server.internal.StaffRoutes;
import com.plenary.privacy.server.internal.TemplateRoutes;
import com.plenary.privacy.server.internal.UnsubscribeMailbox;
import com.plenary.privacy.server.internal.UnsubscribeTokens;
import com.plenary.privacy.server.internal.VaultRoutes;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.store.H2Files;
import com.plenary.privacy.store.Nodes;
import com.plenary.privacy.store.Schedule;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.UUID;
import java.net.InetAddress;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP face of the platform. Every response carries a request id and the security headers;
 * every error is {@code application/problem+json}, rendered here and nowhere else. {@link #stop}
 * drains: new requests get 503 while those in flight finish.
 */
public final class PlenaryServer implements Server {
  /** A body declared too large, sent without asking first, is read and thrown away up to this many times the limit before the 413. */
  private static final long DRAIN_FACTOR = 8;

  public static final String VERSION = "0.1.0";
  private static final Logger LOG = LoggerFactory.getLogger(PlenaryServer.class);
  /** One line per request (method, route, status, time): its own logger, so operators can turn it down at high rates. */
  private static final Logger ACCESS = LoggerFactory.getLogger("com.plenary.privacy.access");
  private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Routes about one person, whose {id} names their home region (issue 18). */
  private static final String SUBJECT_PATH = "/api/v1/subjects/{id}";
  private static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  /** The headers every response carries, Jetty's own error responses included. */
  private static final Map<String, String> SECURITY_HEADERS = securityHeaders();

  private final Platform platform;
  private final ObjectMapper json;
  private final Authenticator authenticator;
  private final RegionForwarding forwarding;
  private final OidcVerifier oidc;
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Counter permits = Counter.builder("plenary_decisions").tag("effect", "permit").register(metrics);
  private final Counter denials = Counter.builder("plenary_decisions").tag("effect", "deny").register(metrics);
  private volatile boolean draining;
  /** When the last request arrived (System.nanoTime), so a stop waits for the stream of arrivals to go quiet. */
  private volatile long lastArrival;
  private final List<Route> routes = new ArrayList<>();
  private final List<String> registered = new CopyOnWriteArrayList<>();
  private final JsonBodies bodies;
  private final UnsubscribeTokens unsubscribeTokens;
  private volatile MailSender sender;
  private final Webhooks webhooks;
  private volatile UnsubscribeMailbox unsubscribeMailbox;
  private final Javalin app;
  private final Collector collector;
  /** This node's consumer of the event stream's group (collector.sink: kafka with kafka.consume), or null. */
  private final EventStream.Ingest ingest;
  private final ScheduledExecutorService jobs = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "plenary-jobs");
    t.setDaemon(true);
    return t;
  });

  private static final Duration QUIET = Duration.ofMillis(200);
  /** How often the audit trail is sealed (C29): once a period across all nodes. */
  static final Duration SEAL_EVERY = Duration.ofMillis(250);
  /** This process among the nodes serving from the database. */
  private final String node;

  private PlenaryServer(Platform platform, String node) {
    this.platform = platform;
    this.node = node;
    Config config = platform.config();
    this.json = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    this.oidc = config.oidcIssuer() == null ? null
        : new OidcVerifier(config.oidcIssuer(), config.oidcJwksUrl(), config.oidcAudience(), config.oidcRolesClaim());
    this.authenticator = new Authenticator(platform.store(), platform.vault().staff(), platform.issuer(), oidc, config.demo());
    this.forwarding = RegionForwarding.of(platform.regions(), platform::policy, platform.dataCentre(), config.regionsSecret(),
        config.regionsForwardTimeout(), platform.clock(), platform.vault()::firstUseOfStatement,
        platform.domain().forwardedRequests()::refused);
    if (config.collectorJournal()) {
      platform.vault().usage().startJournal(config.collectorJournalDir(), config.collectorJournalSync());
    }
    Gauge.builder("plenary_collector_journal_lag", platform.vault().usage(), u -> u.journalLag())
        .description("Collected events durable in the journal and not yet in the table").register(metrics);
    FunctionCounter.builder("plenary_collector_journal_failures", platform.vault().usage(), u -> u.journalFailures())
        .description("Times moving journaled events into the table failed (each is retried)").register(metrics);
    FunctionCounter.builder("plenary_collector_journal_applied_events", platform.vault().usage(), u -> u.journalAppliedEvents())
        .description("Collected events moved from the journal into the table").register(metrics);
    FunctionCounter.builder("plenary_collector_journal_transactions", platform.vault().usage(), u -> u.journalTransactions())
        .description("Transactions that moved journaled events into the table (events over transactions: their mean size)").register(metrics);
    Optional<EventStream> stream = platform.eventStream();
    this.collector = stream.isPresent()
        ? new Collector(platform.vault().usage(), stream.get(), config.collectorQueueCapacity(), metrics)
        : new Collector(platform.vault().usage(), config.collectorQueueCapacity(), config.collectorWriters(), metrics);
    this.ingest = stream.isPresent() && config.kafkaConsume() ? stream.get().ingest(platform.vault().usage()) : null;
    stream.ifPresent(s -> Gauge.builder("plenary_kafka_consumer_lag", s, EventStream::lag)
        .description("Collected events in the topic not yet written into the database by the consumer group (-1: not measured)").register(metrics));
    if (ingest != null) {
      FunctionCounter.builder("plenary_kafka_ingested_events", ingest, EventStream.Ingest::ingested)
          .description("Events this node's consumer wrote into the database").register(metrics);
      FunctionCounter.builder("plenary_kafka_duplicate_events", ingest, EventStream.Ingest::duplicates)
          .description("Events delivered again (after a rebalance or a restart) and found stored, or whose owner was erased meanwhile: not written").register(metrics);
      FunctionCounter.builder("plenary_kafka_ingest_failures", ingest, EventStream.Ingest::failures)
          .description("Batches whose writing failed; each is read again").register(metrics);
    }
    Gauge.builder("plenary_collector_backlog", collector, c -> c.backlog()).register(metrics);
    // embedded H2 only: the file's size and how much of it is live (see operations.md, "H2 file size")
    fileGauges("data", platform.store()::fileUse);
    fileGauges("keys", platform.keyStore()::fileUse);
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    this.bodies = new JsonBodies(json);
    this.unsubscribeTokens = UnsubscribeTokens.open(config.keyDir());
    this.webhooks = Webhooks.open(config.keyDir());
    defineRoutes();
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.jsonMapper(new JavalinJackson(json, false));
      cfg.http.maxRequestSize = config.maxRequestBytes();
      cfg.http.prefer405over404 = true;
      cfg.jetty.host = config.host();
      // Jetty's graceful stop: connectors stop accepting, requests already in the handler finish (up to the grace)
      cfg.jetty.modifyServer(server -> {
        server.setHandler(new GracefulHandler());
        server.setStopTimeout(config.shutdownGrace().toMillis());
      });
      cfg.jetty.port = config.port();
      // requests Jetty refuses before Javalin sees them (bad request line or path, 414, 431) are problems too
      cfg.jetty.modifyServer(server -> server.setErrorHandler(new JettyProblems(this::protocolProblem, SECURITY_HEADERS)));
      cfg.events.handlerAdded(meta -> {
        String method = String.valueOf(meta.getHttpMethod()).toLowerCase(Locale.ROOT);
        if (!method.startsWith("before") && !method.startsWith("after")) {
          registered.add(method + " " + meta.getPath());
        }
      });
      cfg.routes.before(this::beforeEach);
      for (Route r : routes) {
        Handler guarded = ctx -> guard(r, ctx);
        switch (r.method()) {
          case "get" -> cfg.routes.get(r.path(), guarded);
          case "post" -> cfg.routes.post(r.path(), guarded);
          case "patch" -> cfg.routes.patch(r.path(), guarded);
          case "delete" -> cfg.routes.delete(r.path(), guarded);
          case "put" -> cfg.routes.put(r.path(), guarded);
          default -> throw new IllegalStateException("unsupported method " + r.method());
        }
      }
      cfg.routes.exception(Exception.class, (e, ctx) -> renderProblem(e, ctx));
      for (int status : new int[] {404, 405, 413, 415, 500, 503}) {
        cfg.routes.error(status, "*", ctx -> {
          if (!isProblem(ctx) && ctx.attribute(Pages.RENDERED) == null) {
            renderProblem(new HttpResponseException(status, "", Map.of()), ctx);
          }
        });
      }
      cfg.requestLogger.http((ctx, ms) -> afterEach(ctx, ms));
    });
  }

  /**
   * Starts serving on the configured host and port (0 picks a free one), as one node among any number
   * on the same PostgreSQL database: it registers itself, checks that its keys are those the other nodes
   * use, and runs each scheduled job only for the periods it claims (see {@link Schedule}).
   *
   * @throws ConfigException when this node may not join: the embedded H2 database already served by
   *     another live node, or key files that differ from the other nodes'
   */
  public static PlenaryServer start(Platform platform) {
    String node = "n-" + UUID.randomUUID().toString().substring(0, 8);
    refuseSecondOnEmbedded(platform, node); // before the collector's journal or anything else of this data directory is opened
    PlenaryServer server = new PlenaryServer(platform, node);
    server.join();
    try {
      server.app.start();
    } catch (RuntimeException e) {
      platform.store().nodes().leave(server.node);
      throw e;
    }
    Config config = platform.config();
    server.every(server.jobs, Nodes.HEARTBEAT, () -> platform.store().nodes().heartbeat(server.node), "the heartbeat");
    server.scheduled("retention", config.retentionInterval(), server::runRetention);
    server.scheduled("audit-seal", SEAL_EVERY, server::sealAudit);
    server.scheduled("policy-notice", Duration.ofSeconds(1), server::notifyPolicyVersions);
    server.scheduled("rate-sweep", Duration.ofMinutes(1), () -> platform.signInThrottle().sweep());
    server.startSender();
    LOG.info("serving on port {} as node {} with policy '{}' version {} and {} (pool {})", server.port(), server.node, platform.policy().name(),
        platform.policy().version(), platform.store().product(), platform.store().poolState());
    return server;
  }

  /**
   * Registers this node; refuses to serve beside another live node on the embedded H2 database (which
   * one node only may use: its journal, key store and key files are this machine's), and refuses key
   * files that differ from those the nodes on a PostgreSQL database recorded first.
   */
  private void join() {
    var nodes = platform.store().nodes();
    Config config = platform.config();
    if (!embedded(platform)) {
      nodes.checkKeys(SharedKeys.fingerprints(config.keyDir()), node).ifPresent(m -> {
        throw new ConfigException("this node's key file " + m.name() + " (in " + config.keyDir() + ") differs from the one node " + m.recordedBy()
            + " recorded in the database: every node must use the same key files; copy data_dir/keys from a running node"
            + " (see operations.md, \"Running several nodes\")");
      });
    }
    nodes.register(node, hostName() + " (pid " + ProcessHandle.current().pid() + ")");
  }

  private static boolean embedded(Platform platform) {
    return platform.store().embedded() || platform.config().keystoreUrl().startsWith("jdbc:h2:");
  }

  /** On the embedded H2 database (or key store), refuses to serve while another node is alive on it. */
  private static void refuseSecondOnEmbedded(Platform platform, String node) {
    if (!embedded(platform)) {
      return;
    }
    // a node killed on this machine (kill -9, a crash) left its heartbeat behind: its process is gone, so it serves nothing
    var others = platform.store().nodes().othersAlive(node).stream().filter(PlenaryServer::mayBeRunning).toList();
    if (!others.isEmpty()) {
      var other = others.get(0);
      throw new ConfigException("another plenary serve (node " + other.id() + " on " + other.host() + ", started " + other.started()
          + ") is serving from this " + (platform.store().embedded() ? "embedded H2 database" : "embedded H2 key store")
          + ", which serves one node only; to run several nodes, give each the same PostgreSQL database (database.url and keystore.url) "
          + "and the same key files (data_dir/keys), see operations.md, \"Running several nodes\"");
    }
  }

  /** How a node names where it runs: its host and its process id. */
  private static final Pattern NODE_HOST = Pattern.compile("^(.*) \\(pid (\\d+)\\)$");

  /** Whether a node's process may still run: false only for one registered on this machine whose process is gone. */
  private static boolean mayBeRunning(Nodes.Node other) {
    var m = NODE_HOST.matcher(other.host());
    if (!m.matches() || !m.group(1).equals(hostName())) {
      return true;
    }
    return ProcessHandle.of(Long.parseLong(m.group(2))).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }

  /**
   * Whether this node claims the current period of {@code job}, which a thread of its own looks at every
   * {@code every}: the period is half that, so a single node that looks a little late still gets its turn.
   */
  private BooleanSupplier turn(String job, Duration every) {
    Duration period = every.dividedBy(2).isZero() ? Duration.ofMillis(1) : every.dividedBy(2);
    return () -> platform.store().schedule().claim(job, period, node).isPresent();
  }

  /** Runs {@code job} once a period of {@code period} across every node: each node looks twice a period and runs it when it claims the period. */
  private void scheduled(String name, Duration period, Runnable job) {
    Duration look = period.dividedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : period.dividedBy(2);
    every(jobs, look, () -> {
      if (platform.store().schedule().claim(name, period, node).isPresent()) {
        job.run();
      }
    }, "the " + name + " job");
  }

  private void every(ScheduledExecutorService on, Duration every, Runnable task, String what) {
    long ms = Math.max(1, every.toMillis());
    on.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("{} failed; it is tried again in {}", what, every, e);
      }
    }, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Starts the message sender (C16) on the configured transport; links in messages point at this server. */
  private void startSender() {
    Config config = platform.config();
    String base = config.publicUrl() != null ? config.publicUrl().replaceAll("/+$", "")
        : "http://" + (config.host().equals("0.0.0.0") || config.host().equals("::") ? "localhost" : config.host()) + ":" + port();
    MailTransport transport = MailSender.transport(config, base, unsubscribeTokens, platform.clock());
    this.sender = MailSender.start(platform.domain().messages(), transport, platform.clock(), metrics, config.mailSenders(), config.mailSendBatch());
    LOG.info("messages go out {}", config.smtpHost() == null ? "to the mail drop folder " + MailSender.mailDrop(config) : "over SMTP");
    // correction notices to recipients' webhooks (C35): looked for at least every second, sooner when retries are quick
    Duration every = config.webhooksRetryBase().compareTo(Duration.ofSeconds(1)) < 0 ? config.webhooksRetryBase() : Duration.ofSeconds(1);
    webhooks.start(platform.domain().correctionNotices(), every, config.webhooksRetryBase(), config.webhooksMaxAttempts(), turn("webhooks", every));
    this.unsubscribeMailbox = UnsubscribeMailbox.start(config, platform.domain().messages(), unsubscribeTokens, metrics,
        turn("unsubscribe-mailbox", config.unsubscribePollInterval())).orElse(null);
    if (unsubscribeMailbox != null) {
      LOG.info("the unsubscribe mailbox is read over IMAP every {}", config.unsubscribePollInterval());
    }
  }

  private void senderPoke() {
    MailSender s = sender;
    if (s != null) {
      s.poke();
    }
  }

  /** The notice of new policy versions to everyone registered (C36): a few hundred people a run, each once a version. */
  private void notifyPolicyVersions() {
    try {
      if (platform.domain().versions().notifyPending(500) > 0) {
        senderPoke();
      }
    } catch (RuntimeException e) {
      LOG.error("the policy version notice failed; it runs again in a second", e);
    }
  }

  /** The retention job (C11): deletes what is past its retention and logs what it deleted. */
  private void runRetention() {
    try {
      var deleted = platform.domain().subjects().runRetention();
      if (!deleted.isEmpty()) {
        LOG.info("retention deleted {}", deleted);
      }
    } catch (RuntimeException e) {
      LOG.error("the retention job failed; it runs again in {}", platform.config().retentionInterval(), e);
    }
  }

  private void fileGauges(String store, Supplier<Optional<H2Files.FileUse>> read) {
    // one look at the file (a pooled connection and a query) serves both gauges of a scrape
    var use = recentFor(read, Duration.ofSeconds(1));
    if (use.get().isEmpty()) {
      return;
    }
    Gauge.builder("plenary_store_file_bytes", () -> use.get().map(f -> (double) f.bytes()).orElse(Double.NaN))
        .tag("store", store).description("Size of the embedded H2 database file").baseUnit("bytes").register(metrics);
    Gauge.builder("plenary_store_file_live_ratio", () -> use.get().map(f -> f.livePercent() / 100.0).orElse(Double.NaN))
        .tag("store", store).description("Share of the embedded H2 file's chunk space that is live").register(metrics);
  }

  /** {@code read}, asked again only once its last answer is older than {@code fresh}. */
  private static <T> Supplier<T> recentFor(Supplier<T> read, Duration fresh) {
    return new Supplier<>() {
      private T last;
      private long readAt;

      @Override
      public synchronized T get() {
        long now = System.nanoTime();
        if (last == null || now - readAt > fresh.toNanos()) {
          last = read.get();
          readAt = now;
        }
        return last;
      }
    };
  }

  /** Chains the audit entries written since the last run (C29). */
  private void sealAudit() {
    try {
      platform.store().audit().seal();
    } catch (RuntimeException e) {
      LOG.error("sealing the audit trail failed; it is tried again shortly", e);
    }
  }

  /** This node's id among the nodes serving from the database. */
  public String node() {
    return node;
  }

  @Override
  public int port() {
    return app.port();
  }

  /** Every endpoint Javalin registered, as "method path"; the OpenAPI test checks each is documented. */
  public List<String> registeredEndpoints() {
    return List.copyOf(registered);
  }

  /** The routes this server answers, as the OpenAPI document lists them. */
  public List<Route> routes() {
    return List.copyOf(routes);
  }

  /**
   * Stops taking new requests (they get 503), waits up to the configured grace for the requests in
   * flight to finish, then stops the HTTP server. The platform itself is closed by its owner.
   */
  @Override
  public void stop() {
    draining = true;
    // no interrupt: a thread interrupted in the middle of file I/O makes the embedded H2 close its file
    jobs.shutdown();
    try {
      jobs.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // every request that reaches the server while it drains is answered (503 with Retry-After), none is cut
    // off: wait until nothing is in flight and arrivals have gone quiet, then stop accepting
    long deadline = System.nanoTime() + platform.config().shutdownGrace().toNanos();
    while ((inFlight.get() > 0 || System.nanoTime() - lastArrival < QUIET.toNanos()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (inFlight.get() > 0) {
      LOG.warn("stopping with {} requests still in flight after the grace period", inFlight.get());
    }
    app.stop();
    UnsubscribeMailbox u = unsubscribeMailbox;
    if (u != null) {
      u.stop(platform.config().shutdownGrace());
    }
    MailSender s = sender;
    if (s != null) {
      s.stop(platform.config().shutdownGrace());
    }
    webhooks.stop(platform.config().shutdownGrace());
    collector.close();
    if (ingest != null) {
      ingest.close();
    }
    platform.vault().usage().stopJournal(Duration.ofSeconds(10));
    sealAudit();
    try {
      platform.store().nodes().leave(node);
    } catch (RuntimeException e) {
      LOG.warn("could not take this node off the list of nodes; it is dropped when its heartbeat is old", e);
    }
    LOG.info("stopped");
  }

  @Override
  public void close() {
    stop();
  }

  // ---- routes ----

  private void defineRoutes() {
    Set<Caller.Kind> servicesAndStaff = EnumSet.of(Caller.Kind.SERVICE, Caller.Kind.STAFF);
    Set<Caller.Kind> anyCaller = EnumSet.allOf(Caller.Kind.class);
    routes.add(Route.publicGet("/health/live", "operations", "The process is up", Live.class, ctx -> ctx.json(new Live("up"))));
    routes.add(Route.publicGet("/health/ready", "operations", "The platform can serve: the database answers, and with collector.sink kafka the event broker; 503 problem naming what does not", Ready.class, this::ready));
    routes.add(Route.publicGet("/metrics", "operations", "Prometheus metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape())));
    routes.add(Route.publicGet("/openapi.json", "operations", "This document", ctx -> ctx.json(OpenApi.document(routes, VERSION))));
    routes.add(Route.publicGet("/api/v1/policy", "policy", "The policy in force: version, purposes, categories, services, cookies, recipients", PolicyDocument.class,
        this::policy));
    routes.add(new Route("get", "/api/v1/whoami", "callers", "The caller that the credential proves", anyCaller, Set.of(), List.of(200), null,
        Route.json(200, WhoAmI.class), this::whoami));
    routes.add(new Route("post", "/api/v1/decisions", "decisions", "Decide one request or a batch of up to 1000 (C14–C33)", servicesAndStaff, Set.of(), List.of(200), DecisionBody.class,
        Route.json(200, List.of(Decided.class, Decisions.class)), this::decide));
    routes.addAll(new VaultRoutes(platform, json, bodies, forwarding).routes());
    routes.addAll(new AuditRoutes(platform).routes());
    routes.addAll(new ConsentRoutes(platform, bodies).routes());
    routes.addAll(new AccountPages(platform, forwarding, bodies).routes());
    routes.addAll(new CollectRoutes(platform, json, bodies, collector, platform.config().honourDnt(), forwarding).routes());
    if (platform.config().benchmarkRoutes()) {
      routes.add(new Route("post", "/bench/collect-ceiling", "operations", "Benchmarks only: reads the beacon and answers 204 without storing; the ceiling /collect is measured against",
          Set.of(), Set.of(), List.of(204), null, Route.NO_JSON, ctx -> {
            json.readValue(Bodies.read(ctx, CollectRoutes.MAX_BEACON_BYTES), Object.class);
            ctx.status(204);
          }));
    }
    routes.addAll(new ReviewRoutes(platform, bodies).routes());
    routes.addAll(new StaffRoutes(platform, bodies).routes());
    routes.addAll(new AccountabilityRoutes(platform, bodies).routes());
    routes.addAll(new RecipientRoutes(platform, bodies).routes());
    routes.addAll(new AggregateRoutes(platform, bodies).routes());
    routes.addAll(new PolicyRoutes(platform, bodies).routes());
    routes.addAll(new DisclosureRoutes(platform, bodies, json, webhooks).routes());
    routes.addAll(new LegalRequestRoutes(platform, bodies).routes());
    routes.addAll(new MessageRoutes(platform, bodies, unsubscribeTokens, this::senderPoke, metrics).routes());
    routes.addAll(new TemplateRoutes(platform, bodies, this::senderPoke, metrics).routes());
    routes.addAll(new AudienceRoutes(platform, bodies, this::senderPoke, metrics).routes());
    routes.add(new Route("get", "/api/v1/dashboard", "reviews",
        "The figures of the console's home: events a day by source, denials a day by rule, open requests by deadline, consents per purpose, the outbox "
            + "(query: days, 1 to 90, default 14); counts only (C29-C33)",
        EnumSet.of(Caller.Kind.STAFF), Set.of("privacy-officer", "auditor"), List.of(200), null, Route.json(200, Dashboard.class), this::dashboard));
    routes.addAll(new ConsolePages(platform, authenticator, this::route, ConsoleOidc.of(platform.config(), oidc, json, platform.clock()), json).routes());
    routes.add(new Route("get", "/api/v1/datamap", "operations", "Every store of personal data with its data centre, operator, region and attestation (C12, C13, C31)",
        EnumSet.of(Caller.Kind.STAFF), Set.of(), List.of(200), null, Route.json(200, DataMap.class), ctx -> ctx.json(new DataMap(platform.region(),
            platform.dataMap().stream().map(Place::of).toList(), open(platform.policy().dataCentres())))));
    routes.add(new Route("get", "/api/v1/services", "callers", "Registered services and their key prefixes (no keys)", EnumSet.of(Caller.Kind.STAFF),
        Set.of("privacy-officer", "auditor"), List.of(200), null, Route.json(200, Services.class),
        ctx -> ctx.json(new Services(credentials(Credentials.Kind.SERVICE)))));
    routes.add(new Route("get", "/api/v1/partners", "callers", "Registered partners and their key prefixes (no keys)", EnumSet.of(Caller.Kind.STAFF),
        Set.of("privacy-officer", "auditor"), List.of(200), null, Route.json(200, Partners.class),
        ctx -> ctx.json(new Partners(credentials(Credentials.Kind.PARTNER)))));
  }

  /** The API route listed as "method path", or null. */
  private Route route(String methodAndPath) {
    for (Route r : routes) {
      if ((r.method() + " " + r.path()).equals(methodAndPath)) {
        return r;
      }
    }
    return null;
  }

  private void dashboard(Context ctx) {
    String days = ctx.queryParam("days");
    int n = 14;
    if (days != null) {
      if (!days.matches("[0-9]{1,3}")) {
        throw new InvalidInputException("days", "days must be a whole number from 1 to 90");
      }
      n = Integer.parseInt(days);
    }
    var d = platform.domain().reviews().dashboard(n);
    ctx.json(new Dashboard(d.people(), d.events().stream().map(DayCount::of).toList(), d.denials().stream().map(DayCount::of).toList(),
        d.due().stream().map(DayCount::of).toList(), d.overdue(),
        d.consents().stream().map(c -> new PurposeConsents(c.purpose(), c.given(), c.withdrawn())).toList(), d.outbox(), d.oldestWaiting()));
  }

  // ---- the answers ----

  /** A count on a day (UTC) under a key: a source of events, a rule that denied, a kind of request. */
  record DayCount(LocalDate day, String key, long count) {
    static DayCount of(com.plenary.privacy.domain.Oversight.DayCount c) { // qualified: the answer's record shares the domain's name
      return new DayCount(c.day(), c.key(), c.count());
    }
  }

  /** How many people have given and withdrawn a purpose's own consent, as it stands. */
  record PurposeConsents(String purpose, long given, long withdrawn) {}

  /** The console home's figures; counts only, no person and no value. */
  record Dashboard(
      long people,
      List<DayCount> events,
      List<DayCount> denials,
      @JsonProperty("requests_due") List<DayCount> requestsDue,
      @JsonProperty("requests_overdue") long requestsOverdue,
      List<PurposeConsents> consents,
      Map<String, Long> outbox,
      @JsonProperty("oldest_waiting") @Schemas.Nullable Instant oldestWaiting) {}

  /** The process is up. */
  record Live(String status) {}

  /** Whether the platform can serve (the same answer with 503 when it cannot), on which database, under which policy version. */
  record Ready(String status, String database, @JsonProperty("policy_version") int policyVersion) {}

  /** The policy in force; its parts are the policy file's own (open-ended here, described by the policy's documentation). */
  record PolicyDocument(
      String policy,
      int version,
      LocalDate effective,
      List<Map<String, Object>> purposes,
      List<Map<String, Object>> categories,
      List<Map<String, Object>> fields,
      List<Map<String, Object>> services,
      @JsonProperty("cookie_classes") List<Map<String, Object>> cookieClasses,
      List<Map<String, Object>> cookies,
      List<Map<String, Object>> recipients,
      @JsonProperty("legal_grounds") List<Map<String, Object>> legalGrounds,
      @JsonProperty("aggregate_threshold") int aggregateThreshold,
      @JsonProperty("data_centres") List<Map<String, Object>> dataCentres,
      List<Map<String, Object>> prohibitions,
      List<Map<String, Object>> rules) {}

  /** What the credential proves; {@code staff_type} only for staff. */
  record WhoAmI(String kind, String id, String name, List<String> roles,
      @JsonProperty("staff_type") @JsonInclude(JsonInclude.Include.NON_NULL) String staffType) {}

  /** A decision: the effect, the categories permitted, the rules and clauses that decided and why, the obligations. */
  record Decided(
      String effect,
      List<String> permitted,
      List<String> rules,
      List<String> clauses,
      List<Because> reasons,
      List<String> obligations,
      @JsonProperty("policy_version") int policyVersion) {
    static Decided of(Decision d) {
      return new Decided(d.effect().name().toLowerCase(Locale.ROOT), d.permitted(), d.rules(), d.clauses(), d.reasons().stream().map(Because::of).toList(),
          d.obligations().stream().map(o -> o.id()).sorted().toList(), d.policyVersion());
    }
  }

  /** One reason of a decision: the rule, its clauses, and what it found. */
  record Because(String rule, List<String> clauses, String detail) {
    static Because of(Reason r) {
      return new Because(r.rule(), r.clauses(), r.detail());
    }
  }

  /** The decisions of a batch, in the order asked. */
  record Decisions(List<Decided> decisions) {}

  /** A registered service or partner: never its key, only the prefix that recognises it. */
  record Registration(String id, String name, @JsonProperty("key_prefix") String keyPrefix, @JsonProperty("created_at") Instant createdAt,
      @JsonProperty("revoked_at") @Schemas.Nullable Instant revokedAt) {}

  /** The registered services. */
  record Services(List<Registration> services) {}

  /** The registered partners. */
  record Partners(List<Registration> partners) {}

  /** Every store of personal data and the data centres it may be placed in (C12, C13, C31). */
  record DataMap(String region, List<Place> stores, List<Map<String, Object>> registry) {}

  /** A store of personal data: what it holds, its name and kind, and where it is; never a URL, path or credential. */
  record Place(
      String store,
      String holds,
      String name,
      String kind,
      @JsonProperty("data_centre") String dataCentre,
      String operator,
      String region,
      String site,
      String attestation) {
    static Place of(Map<String, Object> m) {
      return new Place((String) m.get("store"), (String) m.get("holds"), (String) m.get("name"), (String) m.get("kind"), (String) m.get("data_centre"),
          (String) m.get("operator"), (String) m.get("region"), (String) m.get("site"), (String) m.get("attestation"));
    }
  }

  private static final TypeReference<List<Map<String, Object>>> OPEN_LIST = new TypeReference<>() {};

  /** Policy values as the JSON objects Jackson makes of them, for the parts of an answer that are the policy's own. */
  private List<Map<String, Object>> open(List<?> values) {
    return json.convertValue(values, OPEN_LIST);
  }

  /**
   * 200 when the node can serve; else a 503 problem naming what does not answer — the database, or
   * with {@code collector.sink: kafka} the event broker (checked at most every few seconds, each
   * check bounded by a short timeout), so that a load balancer sends no beacon to a node that could
   * only refuse it.
   */
  private void ready(Context ctx) {
    boolean database = platform.store().ready();
    Optional<EventStream> stream = platform.eventStream();
    boolean broker = stream.isEmpty() || stream.get().reachable();
    if (database && broker) {
      ctx.json(new Ready("ready", platform.store().product(), platform.policy().version()));
      return;
    }
    List<String> down = new ArrayList<>();
    if (!database) {
      down.add("the database does not answer");
    }
    if (!broker) {
      down.add("the event broker cannot be reached");
    }
    Map<String, Object> checks = new LinkedHashMap<>();
    checks.put("database", database ? "up" : "down");
    stream.ifPresent(s -> checks.put("event_broker", broker ? "up" : "down"));
    throw new HttpProblem(503, "not-ready", "Not ready", "this node cannot serve: " + String.join(", and ", down), Map.of("checks", checks));
  }

  private void policy(Context ctx) {
    var p = platform.policy();
    ctx.header("Cache-Control", "no-cache").json(new PolicyDocument(p.name(), p.version(), p.effective(), open(p.purposes()), open(p.categories()),
        open(p.fields()), open(p.services()), open(p.cookieClasses()), open(p.cookies()), open(p.recipients()), open(p.legalGrounds()), p.aggregateK(),
        open(p.dataCentres()), open(p.prohibitions()), open(p.rules())));
  }

  private void whoami(Context ctx) {
    Caller c = ctx.attribute("caller");
    ctx.json(new WhoAmI(c.kind().name().toLowerCase(Locale.ROOT), c.id(), c.name(), c.roles(), c.staffType()));
  }

  /**
   * Answers may-I questions from services and staff. The facts are the platform's own — the person's
   * consents, the staff member's grants — never the caller's: a request that carries {@code facts} is
   * refused. The actor is always the caller. A question about a person is asked through the enforcer
   * like any use, so it is audited and a person the caller cannot see is a 404.
   */
  private void decide(Context ctx) throws IOException {
    Caller caller = ctx.attribute("caller");
    JsonBodies.OneOrBatch<DecisionBody> body;
    try {
      body = bodies.readOneOrBatch(ctx, DecisionBody.class);
    } catch (UnrecognizedPropertyException e) {
      if ("facts".equals(e.getPropertyName())) {
        throw new InvalidInputException(JsonBodies.path(e.getPath()), "'facts' are not taken from the caller: the platform looks up consents, grants, "
            + "agreements and approvals itself; leave 'facts' out");
      }
      throw e;
    }
    List<DecisionBody> items = body.items();
    boolean batch = body.batch();
    Access by = caller.kind() == Caller.Kind.STAFF
        ? Access.staff(platform.vault().staff().facts(caller.id(), caller.staffType()), ctx.attribute("request-id"))
        : Access.service(caller.name(), ctx.attribute("request-id"));
    List<Action> actions = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      DecisionBody item = items.get(i);
      if (item.actor() != null && (!by.kind().id().equals(item.actor().kind()) || !by.id().equals(item.actor().id()))) {
        throw HttpProblem.forbidden("a caller may only ask about its own actions; leave out 'actor' or name yourself");
      }
      Action action = Action.of(item.action());
      if (action == null) {
        String at = batch ? "[" + i + "]." : "";
        throw new InvalidInputException(at + "action", at + "action must be one of "
            + String.join(", ", Arrays.stream(Action.values()).map(a -> a.id()).toList()));
      }
      actions.add(action);
    }
    List<Decided> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      DecisionBody r = items.get(i);
      Action action = actions.get(i);
      Decision d;
      try {
        d = platform.domain().questions().ask(by, new Use(action, r.purpose(), r.subject(), r.recipient(), r.categories(), "ask:" + action.id()));
      } catch (InvalidInputException e) {
        throw batch ? new InvalidInputException("[" + i + "]." + e.field(), "[" + i + "]: " + e.getMessage()) : e;
      }
      (d.permits() ? permits : denials).increment();
      out.add(Decided.of(d));
    }
    ctx.json(batch ? new Decisions(out) : out.get(0));
  }

  /**
   * A may-I question: an action, a purpose and the data categories, about a person or a recipient
   * when named. The actor is the caller; {@code facts} are refused (the platform knows them).
   */
  @JsonBodies.OrBatch(max = 1000)
  record DecisionBody(
      @JsonBodies.Optional Actor actor,
      @JsonBodies.Max(200) @JsonBodies.Example("\"read\"") String action,
      @JsonBodies.Max(200) @JsonBodies.Example("\"provide\"") String purpose,
      @JsonBodies.Optional @JsonBodies.Max(200) String subject,
      @JsonBodies.Optional @JsonBodies.Max(200) String recipient,
      @JsonBodies.MinItems(1) @JsonBodies.Max(64) @JsonBodies.Example("[\"user.contact.email\"]") List<String> categories) {}

  /** The caller naming itself: {@code {"kind": "service", "id": "mail"}}. */
  record Actor(@JsonBodies.Max(32) String kind, @JsonBodies.Max(200) String id) {}

  private List<Registration> credentials(Credentials.Kind kind) {
    return platform.store().credentials().list(kind).stream().map(c -> new Registration(c.id(), c.name(), c.keyPrefix(), c.createdAt(), c.revokedAt())).toList();
  }

  // ---- the pipeline ----

  private void beforeEach(Context ctx) {
    inFlight.incrementAndGet();
    lastArrival = System.nanoTime();
    ctx.attribute("started", System.nanoTime());
    String id = ctx.header("X-Request-Id");
    if (id == null || !REQUEST_ID.matcher(id).matches()) {
      id = Ids.timeOrdered().toString();
    }
    ctx.attribute("request-id", id);
    MDC.put("request_id", id);
    ctx.header("X-Request-Id", id);
    SECURITY_HEADERS.forEach(ctx::header);
    if (draining) {
      ctx.header("Retry-After", "5");
      throw new HttpProblem(503, "shutting-down", "Shutting down", "the server is shutting down; retry on another instance");
    }
    // a body declared larger than any route accepts is refused. A client that asked "Expect: 100-continue" is
    // refused before anything reads the body (reading would answer "100 Continue", and the whole body would come).
    // A client that did not ask sends the body whatever the answer: up to a few times the limit it is read off the
    // connection and thrown away first, so the answer is not lost to the reset of a connection closed with unread bytes
    long declared = ctx.req().getContentLengthLong();
    long max = platform.config().maxRequestBytes();
    if (declared > max) {
      if (!"100-continue".equalsIgnoreCase(ctx.header("Expect")) && declared <= max * DRAIN_FACTOR) {
        try {
          ctx.req().getInputStream().transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
          // the client went away: nobody reads the answer either
        }
      }
      throw new HttpProblem(413, "too-large", "Request too large", "the body may be at most " + max + " bytes");
    }
    PolicyRoutes.globalPrivacyControl(platform, ctx);
  }

  private void guard(Route route, Context ctx) throws Exception {
    String routeKey = route.method() + " " + route.path();
    // a read forwarded by another region's node: its caller is the one that node authenticated, proven by the shared secret
    Optional<RegionForwarding.Forwarded> forwarded = route.isPublic() ? Optional.empty() : forwarding.verify(ctx, routeKey);
    forwarded.ifPresent(f -> {
      ctx.attribute("caller", f.caller());
      ctx.attribute(VaultRoutes.TRANSFER_TO, f.dataCentre());
    });
    if (!route.isPublic() && forwarded.isEmpty()) {
      // a person's session counts where there is no bearer credential: on a route for people it is the
      // caller; on any other it is a caller of the wrong kind (403), as a key of the wrong kind would be
      String sessionCookie = ctx.header("Authorization") == null ? ctx.cookie(VaultRoutes.SESSION_COOKIE) : null;
      Optional<Caller> bySession = sessionCookie == null ? Optional.empty()
          : platform.vault().session(sessionCookie).map(s -> new Caller(Caller.Kind.SUBJECT, s.subjectId(), s.subjectId(), List.of(), null, s.csrf()));
      if (bySession.isPresent() && !route.callers().contains(Caller.Kind.SUBJECT)) {
        throw HttpProblem.forbidden("a signed-in person may not call this endpoint");
      }
      if (bySession.isPresent() && !route.method().equals("get")) {
        String token = ctx.header("X-CSRF-Token");
        if (token == null || !MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
            bySession.get().csrf().getBytes(StandardCharsets.UTF_8))) {
          throw new HttpProblem(403, "csrf", "Missing or wrong CSRF token", "send the X-CSRF-Token header given at sign-in");
        }
      }
      Caller caller = bySession.or(() -> authenticator.authenticate(ctx.header("Authorization"))).orElseThrow(() -> {
        ctx.header("WWW-Authenticate", "Bearer realm=\"plenary\"");
        return HttpProblem.unauthorized(ctx.header("Authorization") == null
            ? (route.callers().equals(Set.of(Caller.Kind.SUBJECT)) ? "sign in first: this endpoint needs your session"
                : route.callers().contains(Caller.Kind.SUBJECT)
                    ? "this endpoint needs your session (sign in first) or an Authorization: Bearer credential (a service key, partner key or staff token)"
                    : "this endpoint needs an Authorization: Bearer credential (a service key, partner key or staff token)")
            : "the credential is not valid: it is unknown, revoked or expired");
      });
      if (!route.callers().contains(caller.kind())) {
        throw HttpProblem.forbidden("a " + caller.kind().name().toLowerCase(Locale.ROOT) + " may not call this endpoint");
      }
      if (caller.kind() == Caller.Kind.STAFF && !route.staffRoles().isEmpty() && route.staffRoles().stream().noneMatch(caller::hasRole)) {
        throw HttpProblem.forbidden("this endpoint needs one of the staff roles " + String.join(", ", route.staffRoles().stream().sorted().toList()));
      }
      ctx.attribute("caller", caller);
    }
    if (route.path().startsWith(SUBJECT_PATH)) {
      // a person of another region: a service's read is forwarded to their region's node, any other request
      // answered with where to go, before anything about them is touched here (issue 18)
      String home = platform.regions().homeOf(ctx.pathParam("id")).orElse(platform.regions().here());
      if (!home.equals(platform.regions().here()) && forwarded.isEmpty() && forwarding.forwards(routeKey, ctx.attribute("caller"), home)) {
        forwarding.forward(ctx, ctx.attribute("caller"), home);
        return;
      }
      platform.regions().requireHere(ctx.pathParam("id"));
    }
    if (route.jsonBody()) {
      String type = ctx.contentType();
      if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
        throw new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
      }
    }
    route.handler().handle(ctx);
  }

  private void afterEach(Context ctx, Float ms) {
    inFlight.decrementAndGet();
    String route = ctx.endpoint() == null ? "unmatched" : ctx.endpoint().path;
    String method = String.valueOf(ctx.method());
    int status = ctx.statusCode();
    // one timer per method, route and status, made once: building and registering one per request costs more than the timing
    timers.computeIfAbsent(method + ' ' + route + ' ' + status, k -> Timer.builder("plenary_http_requests").tag("method", method).tag("route", route)
        .tag("status", String.valueOf(status)).register(metrics)).record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
    if (ACCESS.isInfoEnabled()) {
      ACCESS.info("{} {} {} {}ms", method, route, status, String.format("%.1f", ms));
    }
    MDC.remove("request_id");
  }

  private static Map<String, String> securityHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Security-Policy", CSP);
    h.put("X-Content-Type-Options", "nosniff");
    h.put("Referrer-Policy", "no-referrer");
    h.put("X-Frame-Options", "DENY");
    h.put("Cache-Control", "no-store");
    return Collections.unmodifiableMap(h);
  }

  /** The problem document for a request Jetty refused itself. */
  private byte[] protocolProblem(int status, String id) {
    LOG.debug("Jetty refused a request with {}", status);
    try {
      return json.writeValueAsBytes(unreadable(status).body(id));
    } catch (JsonProcessingException impossible) {
      return ("{\"type\":\"/problems/http-" + status + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static boolean isProblem(Context ctx) {
    String type = ctx.res().getContentType();
    return type != null && type.startsWith("application/problem+json");
  }

  /** The one place where errors become problem documents. */
  private void renderProblem(Exception e, Context ctx) {
    HttpProblem problem = toProblem(e);
    if (e instanceof InAnotherRegion elsewhere) {
      // the same path on the deployment of the person's region; the caller sends it there with its credential of that region
      elsewhere.url().ifPresent(url -> ctx.header("Location", url.resolve(ctx.path()).toString()));
    }
    if (e instanceof HttpProblem deliberate && deliberate.status() == 503) {
      // a node that chose not to serve (its event stream behind or unreachable, its database gone): the operator's sign is the
      // readiness probe and the metrics; one line each, no stack trace, which would only repeat where the answer was made
      LOG.warn("answered 503: {}", deliberate.getMessage());
    } else if (problem.status() >= 500) {
      LOG.error("request failed", e);
    } else if (protocolError(e) != null) {
      // the client sent something that is not HTTP (bad chunking, a body shorter than its length, bad multipart): its fault, one line
      LOG.warn("refused a request that could not be read: {} ({})", problem.status(), protocolError(e).getClass().getSimpleName());
    }
    String id = ctx.attribute("request-id");
    if (problem.status() == 503 && ctx.res().getHeader("Retry-After") == null) {
      ctx.header("Retry-After", "1");
    }
    if (Pages.wantsPage(ctx)) {
      Pages.renderError(ctx, problem.status(), id == null ? "unknown" : id);
      return;
    }
    try {
      ctx.status(problem.status()).contentType("application/problem+json")
          .result(json.writeValueAsString(problem.body(id == null ? "unknown" : id)));
    } catch (JsonProcessingException impossible) {
      ctx.status(500).result("{\"type\":\"/problems/internal\",\"status\":500}");
    }
  }

  private static HttpProblem toProblem(Exception e) {
    if (e instanceof HttpProblem p) {
      return p;
    }
    if (e instanceof InvalidInputException i) {
      return new HttpProblem(400, "invalid-input", "Invalid input", i.getMessage(), i.field() == null ? Map.of() : Map.of("field", i.field()));
    }
    if (e instanceof JsonMappingException m && JsonBodies.problem(m) != null) {
      // the body is JSON but not of the record's shape: the field is named by its path, the value never repeated
      return toProblem(JsonBodies.problem(m));
    }
    if (e instanceof JsonProcessingException) {
      return new HttpProblem(400, "malformed-json", "Malformed JSON", "the body is not well-formed JSON");
    }
    if (e instanceof Refused r) {
      return new HttpProblem(403, "policy-denied", "Denied by the privacy policy", r.getMessage(), Map.of("clauses", r.clauses(), "rules", List.of(r.rule())));
    }
    if (e instanceof InAnotherRegion r) {
      Map<String, Object> where = new LinkedHashMap<>();
      where.put("region", r.region());
      r.url().ifPresent(url -> where.put("location", url.toString()));
      return new HttpProblem(421, "another-region", "The person lives in another region", r.getMessage(), where);
    }
    if (e instanceof Conflict c) {
      return new HttpProblem(409, "conflict", "Conflict", c.getMessage());
    }
    if (e instanceof NotFound n) {
      // the store names the id it missed, for operators at the command line; over HTTP the id is the
      // caller's own input, and an error never repeats input (it may be anything, personal data too)
      return new HttpProblem(404, "not-found", "Not found", n.getMessage().replaceAll(" ?'[^']*'", ""));
    }
    if (unsupportedCharset(e)) {
      return new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "the Content-Type names a charset this server does not know; send UTF-8");
    }
    Throwable protocol = protocolError(e);
    if (protocol != null) {
      return unreadable(protocol instanceof HttpException h ? h.getCode() : 400);
    }
    if (e instanceof HttpResponseException h) {
      return switch (h.getStatus()) {
        case 404 -> new HttpProblem(404, "not-found", "Not found", "no resource at this path");
        case 405 -> new HttpProblem(405, "method-not-allowed", "Method not allowed", "this path does not accept this method");
        case 413 -> new HttpProblem(413, "too-large", "Request too large", "the body is larger than this server accepts");
        case 415 -> new HttpProblem(415, "unsupported-media-type", "Unsupported media type", "send the body as application/json");
        case 400 -> new HttpProblem(400, "invalid-input", "Invalid input", "the request could not be read");
        case 429 -> new HttpProblem(429, "too-many-attempts", "Too many attempts", "slow down and try again later");
        case 503 -> new HttpProblem(503, "unavailable", "Unavailable", "the server cannot serve this request now");
        default -> h.getStatus() >= 500 ? new HttpProblem(500, "internal", "Internal error", "the server failed; the request id identifies it in the logs")
            : new HttpProblem(h.getStatus(), "http-" + h.getStatus(), "HTTP " + h.getStatus(), "the request was refused");
      };
    }
    return new HttpProblem(500, "internal", "Internal error", "the server failed; the request id identifies it in the logs");
  }

  /** Whether reading the request failed on the charset its Content-Type names (Jetty parses it on first use). */
  private static boolean unsupportedCharset(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnsupportedCharsetException || t instanceof IllegalCharsetNameException) {
        return true;
      }
    }
    return false;
  }

  /** The problem for a request refused at the HTTP level, before it was read. */
  private static HttpProblem unreadable(int status) {
    return switch (status) {
      case 400 -> new HttpProblem(400, "bad-request", "Bad request", "the request is not well-formed HTTP (request line, path, headers, chunking or multipart body); it was not read");
      case 414 -> new HttpProblem(414, "uri-too-long", "URI too long", "the request line is longer than this server accepts");
      case 431 -> new HttpProblem(431, "headers-too-large", "Request headers too large", "the request's headers are larger than this server accepts");
      case 505 -> new HttpProblem(505, "http-version-not-supported", "HTTP version not supported", "send HTTP/1.1");
      default -> {
        if (status < 400 || status > 599) {
          yield unreadable(400);
        }
        HttpProblem known = toProblem(new HttpResponseException(status, "", Map.of()));
        // the document states the status the response carries, whatever Jetty chose
        yield known.status() == status ? known : new HttpProblem(status, "http-" + status, "HTTP " + status, "the request was refused");
      }
    };
  }

  /**
   * The HTTP-level failure behind {@code e}, if any: Jetty's parser refusing the body (bad chunking,
   * an early end, bad multipart) or the connection's end of file. These are the client's doing, 4xx.
   */
  private static Throwable protocolError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpException h && h.getCode() >= 400 && h.getCode() < 500) {
        return t;
      }
      if (t instanceof EofException) {
        return t;
      }
    }
    return null;
  }
}
