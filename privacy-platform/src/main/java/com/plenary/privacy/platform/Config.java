package com.plenary.privacy.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.plenary.privacy.domain.aggregates.AggregateLimits;
import com.plenary.privacy.domain.messages.MessageLimits;
import com.plenary.privacy.store.Store;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The platform's whole configuration, one plain sealed object. Values come from, in rising order:
 * the defaults below, the file ({@code plenary.yaml}), the environment ({@code PLENARY_} and the key
 * in upper case with dots as underscores, e.g. {@code PLENARY_DATABASE_URL}), and command-line
 * options. {@link #load} validates everything and names the key at fault; {@link #describe} prints
 * it with secrets masked.
 */
public final class Config {
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_HOST = "0.0.0.0";
  public static final String DEFAULT_DATA_DIR = "./data";
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
  public static final int DEFAULT_POOL_SIZE = 10;
  public static final Duration DEFAULT_TOKEN_TTL = Duration.ofHours(8);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(20);
  public static final String DEFAULT_ROLES_CLAIM = "roles";
  public static final Duration DEFAULT_RETENTION_INTERVAL = Duration.ofHours(1);
  public static final int DEFAULT_COLLECTOR_QUEUE = 10_000;
  public static final int DEFAULT_COLLECTOR_WRITERS = 1;
  public static final int DEFAULT_SIGN_IN_PER_ACCOUNT = 5;
  public static final int DEFAULT_SIGN_IN_PER_ADDRESS = 20;
  public static final Duration DEFAULT_SIGN_IN_WINDOW = Duration.ofMinutes(15);
  public static final Duration DEFAULT_PASSWORD_RESET_LIFETIME = Duration.ofHours(1);
  public static final int DEFAULT_SIGN_IN_TRACKED = 100_000;
  public static final int DEFAULT_SMTP_PORT = 587;
  public static final String DEFAULT_MAIL_FROM = "Plenary <no-reply@plenary.invalid>";
  /** IMAP over TLS (imaps). */
  public static final int DEFAULT_UNSUBSCRIBE_IMAP_PORT = 993;
  public static final Duration DEFAULT_UNSUBSCRIBE_POLL_INTERVAL = Duration.ofMinutes(1);
  /** Sender threads; SMTP waits on the network, so a few side by side deliver faster than one. */
  public static final int DEFAULT_MAIL_SENDERS = 4;
  /** Messages a sender claims in one transaction and hands over on one connection. */
  public static final int DEFAULT_MAIL_SEND_BATCH = 10;
  /** The wait after a correction notice's first failed delivery; it doubles with each attempt, up to an hour. */
  public static final Duration DEFAULT_WEBHOOKS_RETRY_BASE = Duration.ofSeconds(30);
  /** Deliveries of a correction notice tried before it is given up as failed. */
  public static final int DEFAULT_WEBHOOKS_MAX_ATTEMPTS = 12;
  /** Where collected events go by default: straight into the database. */
  public static final String SINK_DATABASE = "database";
  /** Where they go with {@code collector.sink: kafka}: a Kafka topic, and from there into the database by a consumer group. */
  public static final String SINK_KAFKA = "kafka";
  public static final String DEFAULT_KAFKA_TOPIC = "plenary.usage-events";
  public static final String DEFAULT_KAFKA_GROUP = "plenary-ingest";
  /** How long a node waits for another region's node to answer a read it forwarded there before it answers 504. */
  public static final Duration DEFAULT_REGIONS_FORWARD_TIMEOUT = Duration.ofSeconds(10);
  /** The shortest secret the regions' nodes may share to sign what they forward to one another. */
  public static final int MIN_REGIONS_SECRET = 32;
  /** How long a beacon waits for the broker's acknowledgement before it is answered 503. */
  public static final Duration DEFAULT_KAFKA_ACK_TIMEOUT = Duration.ofSeconds(5);
  /** Events the consumer writes in one transaction at most. */
  public static final int DEFAULT_KAFKA_INGEST_BATCH = 2_000;
  public static final String DEFAULT_KAFKA_SECURITY_PROTOCOL = "PLAINTEXT";
  public static final String DEFAULT_KAFKA_SASL_MECHANISM = "SCRAM-SHA-512";

  /** Every key, its kind, and whether it is a secret. The order is the order of {@link #describe}. */
  private enum Key {
    SERVER_HOST("server.host", "text"),
    SERVER_PORT("server.port", "port"),
    SERVER_MAX_REQUEST_BYTES("server.max_request_bytes", "bytes"),
    SERVER_SHUTDOWN_GRACE("server.shutdown_grace", "duration"),
    SERVER_PUBLIC_URL("server.public_url", "url"),
    DATA_DIR("data_dir", "text"),
    DATABASE_URL("database.url", "jdbc"),
    DATABASE_USER("database.user", "text"),
    DATABASE_PASSWORD("database.password", "secret"),
    DATABASE_POOL_SIZE("database.pool_size", "pool"),
    DATABASE_DATA_CENTRE("database.data_centre", "text"),
    KEYSTORE_DATA_CENTRE("keystore.data_centre", "text"),
    REGIONS_PEERS("regions.peers", "text"),
    REGIONS_SECRET("regions.secret", "secret"),
    REGIONS_FORWARD_TIMEOUT("regions.forward_timeout", "duration"),
    KEYSTORE_URL("keystore.url", "jdbc"),
    KEYSTORE_USER("keystore.user", "text"),
    KEYSTORE_PASSWORD("keystore.password", "secret"),
    CLUSTER("cluster", "boolean"),
    RETENTION_INTERVAL("retention.interval", "duration"),
    COLLECTOR_QUEUE("collector.queue_capacity", "count"),
    COLLECTOR_WRITERS("collector.writers", "count"),
    COLLECTOR_DNT("collector.honour_dnt", "boolean"),
    COLLECTOR_JOURNAL("collector.journal", "text"),
    COLLECTOR_JOURNAL_SYNC("collector.journal_sync", "boolean"),
    COLLECTOR_SINK("collector.sink", "text"),
    KAFKA_BOOTSTRAP_SERVERS("kafka.bootstrap_servers", "text"),
    KAFKA_TOPIC("kafka.topic", "text"),
    KAFKA_GROUP_ID("kafka.group_id", "text"),
    KAFKA_CONSUME("kafka.consume", "boolean"),
    KAFKA_ACK_TIMEOUT("kafka.ack_timeout", "duration"),
    KAFKA_INGEST_BATCH("kafka.ingest_batch", "count"),
    KAFKA_SECURITY_PROTOCOL("kafka.security_protocol", "text"),
    KAFKA_SASL_MECHANISM("kafka.sasl_mechanism", "text"),
    KAFKA_USER("kafka.user", "text"),
    KAFKA_PASSWORD("kafka.password", "secret"),
    BENCH_ROUTES("server.benchmark_routes", "boolean"),
    SERVER_DEMO("server.demo", "boolean"),
    POLICY_FILE("policy.file", "text"),
    AUTH_TOKEN_TTL("auth.token_ttl", "duration"),
    AUTH_SIGN_IN_PER_ACCOUNT("auth.sign_in.per_account", "count"),
    AUTH_SIGN_IN_PER_ADDRESS("auth.sign_in.per_address", "count"),
    AUTH_SIGN_IN_WINDOW("auth.sign_in.window", "duration"),
    AUTH_PASSWORD_RESET_LIFETIME("auth.password_reset.lifetime", "duration"),
    AUTH_SIGN_IN_TRACKED("auth.sign_in.tracked", "count"),
    AUTH_OIDC_ISSUER("auth.oidc.issuer", "url"),
    AUTH_OIDC_JWKS_URL("auth.oidc.jwks_url", "url"),
    AUTH_OIDC_AUDIENCE("auth.oidc.audience", "text"),
    AUTH_OIDC_ROLES_CLAIM("auth.oidc.roles_claim", "text"),
    AUTH_OIDC_CLIENT_ID("auth.oidc.client_id", "text"),
    AUTH_OIDC_CLIENT_SECRET("auth.oidc.client_secret", "secret"),
    MAIL_SMTP_HOST("mail.smtp.host", "text"),
    MAIL_SMTP_PORT("mail.smtp.port", "port"),
    MAIL_SMTP_STARTTLS("mail.smtp.starttls", "boolean"),
    MAIL_SMTP_USER("mail.smtp.user", "text"),
    MAIL_SMTP_PASSWORD("mail.smtp.password", "secret"),
    MAIL_FROM("mail.from", "text"),
    MAIL_UNSUBSCRIBE_IMAP_HOST("mail.unsubscribe.imap.host", "text"),
    MAIL_UNSUBSCRIBE_IMAP_PORT("mail.unsubscribe.imap.port", "port"),
    MAIL_UNSUBSCRIBE_IMAP_TLS("mail.unsubscribe.imap.tls", "boolean"),
    MAIL_UNSUBSCRIBE_IMAP_USER("mail.unsubscribe.imap.user", "text"),
    MAIL_UNSUBSCRIBE_IMAP_PASSWORD("mail.unsubscribe.imap.password", "secret"),
    MAIL_UNSUBSCRIBE_POLL_INTERVAL("mail.unsubscribe.poll_interval", "duration"),
    MAIL_SENDERS("mail.senders", "count"),
    MAIL_SEND_BATCH("mail.send_batch", "count"),
    MAIL_RETRY_BASE("mail.retry_base", "duration"),
    MAIL_MAX_ATTEMPTS("mail.max_attempts", "count"),
    MAIL_MARKETING_PER_PERSON("mail.marketing.per_person", "count"),
    MAIL_MARKETING_WINDOW("mail.marketing.window", "duration"),
    MAIL_RATE_PER_SERVICE_PER_MINUTE("mail.rate.per_service_per_minute", "count"),
    AGGREGATES_MAX_DAYS("aggregates.max_days", "count"),
    AGGREGATES_EPSILON_PER_MONTH("aggregates.epsilon_per_month", "decimal"),
    AGGREGATES_MAX_CELLS_PER_PERSON("aggregates.max_cells_per_person", "count"),
    AGGREGATES_MAX_EVENTS_PER_CELL("aggregates.max_events_per_cell", "count"),
    WEBHOOKS_RETRY_BASE("webhooks.retry_base", "duration"),
    WEBHOOKS_MAX_ATTEMPTS("webhooks.max_attempts", "count");

    final String path;
    final String kind;

    Key(String path, String kind) {
      this.path = path;
      this.kind = kind;
    }

    String env() {
      return "PLENARY_" + path.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    static Key of(String path) {
      for (Key k : values()) {
        if (k.path.equals(path)) {
          return k;
        }
      }
      return null;
    }
  }

  private final Map<Key, String> values;

  private Config(Map<Key, String> values) {
    this.values = values;
  }

  /**
   * Reads the file (if given), the environment and the overrides, and validates the result.
   *
   * @param file the configuration file, or null for none
   * @param env the environment, usually {@code System.getenv()}
   * @param overrides values from the command line, by key ({@code server.port}); null values are ignored
   * @throws ConfigException naming the key and what it allows
   */
  public static Config load(Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<Key, String> v = new LinkedHashMap<>();
    if (file != null) {
      readFile(file, v);
    }
    for (Key k : Key.values()) {
      String e = env.get(k.env());
      if (e != null && !e.isBlank()) {
        v.put(k, e.trim());
      }
    }
    overrides.forEach((path, value) -> {
      if (value != null) {
        Key k = Key.of(path);
        if (k == null) {
          throw new IllegalArgumentException("no configuration key " + path);
        }
        v.put(k, value);
      }
    });
    Config c = new Config(v);
    c.validate();
    return c;
  }

  /** Defaults only, with the given data directory; for tests and tools. */
  public static Config defaults(Path dataDir) {
    return load(null, Map.of(), Map.of("data_dir", dataDir.toString()));
  }

  /** A copy with some keys changed, validated again. */
  public Config with(Map<String, String> changes) {
    Map<Key, String> v = new LinkedHashMap<>(values);
    changes.forEach((path, value) -> {
      Key k = Key.of(path);
      if (k == null) {
        throw new IllegalArgumentException("no configuration key " + path);
      }
      if (value == null) {
        v.remove(k);
      } else {
        v.put(k, value);
      }
    });
    Config c = new Config(v);
    c.validate();
    return c;
  }

  private static void readFile(Path file, Map<Key, String> out) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("the configuration file " + file + " does not exist");
    }
    Object root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readValue(file.toFile(), Object.class);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new ConfigException("the configuration file " + file + " is not valid YAML"
          + (loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr()) + ": " + e.getOriginalMessage().lines().findFirst().orElse("").trim());
    } catch (IOException e) {
      throw new ConfigException("cannot read the configuration file " + file + ": " + e.getMessage(), e);
    }
    if (root == null) {
      return;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException("the configuration file " + file + " must be a mapping of keys to values");
    }
    flatten("", map, out, file);
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<Key, String> out, Path file) {
    for (var e : map.entrySet()) {
      String path = prefix + e.getKey();
      if (e.getValue() instanceof Map<?, ?> child) {
        flatten(path + ".", child, out, file);
        continue;
      }
      Key k = Key.of(path);
      if (k == null) {
        List<String> known = new ArrayList<>();
        for (Key key : Key.values()) {
          known.add(key.path);
        }
        throw new ConfigException("unknown configuration key '" + path + "' in " + file + "; known keys: " + String.join(", ", known));
      }
      if (e.getValue() == null) {
        continue;
      }
      if (e.getValue() instanceof List<?> || e.getValue() instanceof Map<?, ?>) {
        throw new ConfigException("'" + path + "' in " + file + " must be a single value");
      }
      out.put(k, String.valueOf(e.getValue()));
    }
  }

  private void validate() {
    int port = integer(Key.SERVER_PORT, DEFAULT_PORT);
    if (port < 0 || port > 65535) {
      throw bad(Key.SERVER_PORT, "a port number from 0 to 65535 (0 picks a free port)");
    }
    long max = longValue(Key.SERVER_MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES);
    if (max < 1024 || max > 1_073_741_824L) {
      throw bad(Key.SERVER_MAX_REQUEST_BYTES, "a size in bytes from 1024 to 1073741824");
    }
    int pool = integer(Key.DATABASE_POOL_SIZE, DEFAULT_POOL_SIZE);
    if (pool < 1 || pool > 500) {
      throw bad(Key.DATABASE_POOL_SIZE, "a whole number from 1 to 500");
    }
    duration(Key.SERVER_SHUTDOWN_GRACE, DEFAULT_SHUTDOWN_GRACE);
    Duration ttl = duration(Key.AUTH_TOKEN_TTL, DEFAULT_TOKEN_TTL);
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(7)) > 0) {
      throw bad(Key.AUTH_TOKEN_TTL, "a duration from PT1S to P7D, such as PT8H");
    }
    int perAccount = integer(Key.AUTH_SIGN_IN_PER_ACCOUNT, DEFAULT_SIGN_IN_PER_ACCOUNT);
    if (perAccount < 1 || perAccount > 1000) {
      throw bad(Key.AUTH_SIGN_IN_PER_ACCOUNT, "a whole number from 1 to 1000");
    }
    int perAddress = integer(Key.AUTH_SIGN_IN_PER_ADDRESS, DEFAULT_SIGN_IN_PER_ADDRESS);
    if (perAddress < 1 || perAddress > 100_000) {
      throw bad(Key.AUTH_SIGN_IN_PER_ADDRESS, "a whole number from 1 to 100000");
    }
    Duration signInWindow = duration(Key.AUTH_SIGN_IN_WINDOW, DEFAULT_SIGN_IN_WINDOW);
    if (signInWindow.compareTo(Duration.ofSeconds(1)) < 0 || signInWindow.compareTo(Duration.ofDays(1)) > 0) {
      throw bad(Key.AUTH_SIGN_IN_WINDOW, "a duration from PT1S to P1D, such as PT15M");
    }
    Duration resetLifetime = duration(Key.AUTH_PASSWORD_RESET_LIFETIME, DEFAULT_PASSWORD_RESET_LIFETIME);
    if (resetLifetime.compareTo(Duration.ofSeconds(1)) < 0 || resetLifetime.compareTo(Duration.ofDays(1)) > 0) {
      throw bad(Key.AUTH_PASSWORD_RESET_LIFETIME, "a duration from PT1S to P1D, such as PT1H");
    }
    int tracked = integer(Key.AUTH_SIGN_IN_TRACKED, DEFAULT_SIGN_IN_TRACKED);
    if (tracked < 100 || tracked > 10_000_000) {
      throw bad(Key.AUTH_SIGN_IN_TRACKED, "a whole number from 100 to 10000000");
    }
    for (Key k : List.of(Key.DATABASE_URL, Key.KEYSTORE_URL)) {
      String url = values.get(k);
      if (url != null && !(url.startsWith("jdbc:h2:") || url.startsWith("jdbc:postgresql://"))) {
        throw bad(k, "a JDBC URL starting with jdbc:postgresql:// or jdbc:h2:");
      }
    }
    int queue = integer(Key.COLLECTOR_QUEUE, DEFAULT_COLLECTOR_QUEUE);
    if (queue < 1 || queue > 1_000_000) {
      throw bad(Key.COLLECTOR_QUEUE, "a whole number from 1 to 1000000");
    }
    int writers = integer(Key.COLLECTOR_WRITERS, DEFAULT_COLLECTOR_WRITERS);
    if (writers < 1 || writers > 16) {
      throw bad(Key.COLLECTOR_WRITERS, "a whole number from 1 to 16");
    }
    String journal = values.get(Key.COLLECTOR_JOURNAL);
    if (journal != null && !List.of("auto", "on", "off", "true", "false").contains(journal)) {
      throw bad(Key.COLLECTOR_JOURNAL, "auto (on for an embedded H2 file), on or off");
    }
    validateKafka();
    for (Key k : List.of(Key.COLLECTOR_DNT, Key.BENCH_ROUTES, Key.COLLECTOR_JOURNAL_SYNC, Key.SERVER_DEMO, Key.KAFKA_CONSUME, Key.CLUSTER)) {
      String b = values.get(k);
      if (b != null && !b.equals("true") && !b.equals("false")) {
        throw bad(k, "true or false");
      }
    }
    Duration retention = duration(Key.RETENTION_INTERVAL, DEFAULT_RETENTION_INTERVAL);
    if (retention.compareTo(Duration.ofSeconds(1)) < 0 || retention.compareTo(Duration.ofDays(7)) > 0) {
      throw bad(Key.RETENTION_INTERVAL, "a duration from PT1S to P7D, such as PT1H");
    }
    for (Key k : List.of(Key.AUTH_OIDC_ISSUER, Key.AUTH_OIDC_JWKS_URL, Key.SERVER_PUBLIC_URL)) {
      String u = values.get(k);
      if (u != null) {
        try {
          URI uri = new URI(u);
          if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw bad(k, "an http(s) URL");
          }
        } catch (URISyntaxException e) {
          throw bad(k, "an http(s) URL");
        }
      }
    }
    if ((values.get(Key.AUTH_OIDC_ISSUER) == null) != (values.get(Key.AUTH_OIDC_JWKS_URL) == null)) {
      throw new ConfigException("auth.oidc.issuer and auth.oidc.jwks_url go together: set both to accept tokens from an OIDC issuer, or neither");
    }
    if (values.get(Key.AUTH_OIDC_CLIENT_ID) != null && values.get(Key.AUTH_OIDC_ISSUER) == null) {
      throw new ConfigException("auth.oidc.client_id signs staff in to the console through the OIDC issuer: set auth.oidc.issuer and auth.oidc.jwks_url too");
    }
    if (values.get(Key.AUTH_OIDC_CLIENT_SECRET) != null && values.get(Key.AUTH_OIDC_CLIENT_ID) == null) {
      throw new ConfigException("auth.oidc.client_secret goes with auth.oidc.client_id: set the client id too, or leave the secret out");
    }
    if (cluster() && (embeddedDatabase() || keystoreUrl().startsWith("jdbc:h2:"))) {
      throw new ConfigException("configuration key 'cluster' is true, but " + (embeddedDatabase() ? "database.url" : "keystore.url")
          + " names the embedded H2 database, which serves one node only: several nodes share one PostgreSQL database; set database.url and "
          + "keystore.url to it (see operations.md, \"Running several nodes\")");
    }
    regionPeers();
    String secret = values.get(Key.REGIONS_SECRET);
    if (secret != null && secret.length() < MIN_REGIONS_SECRET) {
      throw new ConfigException("configuration key 'regions.secret' is too short: at least " + MIN_REGIONS_SECRET
          + " characters, the same on every node of every region (such as the output of `openssl rand -base64 48`)");
    }
    Duration forward = duration(Key.REGIONS_FORWARD_TIMEOUT, DEFAULT_REGIONS_FORWARD_TIMEOUT);
    if (forward.compareTo(Duration.ofMillis(100)) < 0 || forward.compareTo(Duration.ofMinutes(1)) > 0) {
      throw bad(Key.REGIONS_FORWARD_TIMEOUT, "a duration from PT0.1S to PT1M, such as PT10S");
    }
    validateMail();
    String dataDir = text(Key.DATA_DIR, DEFAULT_DATA_DIR);
    if (dataDir.isBlank()) {
      throw bad(Key.DATA_DIR, "a directory path");
    }
    String policy = values.get(Key.POLICY_FILE);
    if (policy != null && !Files.isRegularFile(Path.of(policy))) {
      throw bad(Key.POLICY_FILE, "the path of a readable policy file (none at " + policy + ")");
    }
  }

  private void validateKafka() {
    String sink = text(Key.COLLECTOR_SINK, SINK_DATABASE);
    if (!sink.equals(SINK_DATABASE) && !sink.equals(SINK_KAFKA)) {
      throw bad(Key.COLLECTOR_SINK, "database (events go straight into the database) or kafka (through a Kafka topic)");
    }
    String servers = values.get(Key.KAFKA_BOOTSTRAP_SERVERS);
    if (sink.equals(SINK_KAFKA) && servers == null) {
      throw bad(Key.KAFKA_BOOTSTRAP_SERVERS, "the brokers to start from, such as kafka-1:9092,kafka-2:9092, when collector.sink is kafka");
    }
    if (servers != null) {
      for (String server : servers.split(",", -1)) {
        if (!server.trim().matches("[A-Za-z0-9.\\-]+:[0-9]{1,5}|\\[[0-9A-Fa-f:.]+\\]:[0-9]{1,5}")
            || Integer.parseInt(server.trim().substring(server.trim().lastIndexOf(':') + 1)) > 65535) {
          throw bad(Key.KAFKA_BOOTSTRAP_SERVERS, "a comma-separated list of host:port, such as kafka-1:9092,kafka-2:9092");
        }
      }
    }
    String topic = text(Key.KAFKA_TOPIC, DEFAULT_KAFKA_TOPIC);
    if (!topic.matches("[A-Za-z0-9._\\-]{1,249}") || topic.equals(".") || topic.equals("..")) {
      throw bad(Key.KAFKA_TOPIC, "a Kafka topic name: 1 to 249 letters, digits, '.', '_' or '-'");
    }
    String group = text(Key.KAFKA_GROUP_ID, DEFAULT_KAFKA_GROUP);
    if (!group.matches("[A-Za-z0-9._\\-]{1,249}")) {
      throw bad(Key.KAFKA_GROUP_ID, "a consumer group name: 1 to 249 letters, digits, '.', '_' or '-'");
    }
    Duration ack = duration(Key.KAFKA_ACK_TIMEOUT, DEFAULT_KAFKA_ACK_TIMEOUT);
    if (ack.compareTo(Duration.ofMillis(100)) < 0 || ack.compareTo(Duration.ofSeconds(8)) > 0) {
      // a beacon waits at most ten seconds for its answer in all; the acknowledgement must come within it
      throw bad(Key.KAFKA_ACK_TIMEOUT, "a duration from PT0.1S to PT8S, such as PT5S");
    }
    int batch = integer(Key.KAFKA_INGEST_BATCH, DEFAULT_KAFKA_INGEST_BATCH);
    if (batch < 1 || batch > 50_000) {
      throw bad(Key.KAFKA_INGEST_BATCH, "a whole number from 1 to 50000");
    }
    String protocol = text(Key.KAFKA_SECURITY_PROTOCOL, DEFAULT_KAFKA_SECURITY_PROTOCOL);
    if (!List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL").contains(protocol)) {
      throw bad(Key.KAFKA_SECURITY_PROTOCOL, "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
    }
    if (!List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").contains(text(Key.KAFKA_SASL_MECHANISM, DEFAULT_KAFKA_SASL_MECHANISM))) {
      throw bad(Key.KAFKA_SASL_MECHANISM, "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
    }
    if (protocol.startsWith("SASL_") && (values.get(Key.KAFKA_USER) == null || values.get(Key.KAFKA_PASSWORD) == null)) {
      // name the one that is missing (the password, a secret, is never shown)
      Key missing = values.get(Key.KAFKA_USER) == null ? Key.KAFKA_USER : Key.KAFKA_PASSWORD;
      throw bad(missing, "set, with " + (missing == Key.KAFKA_USER ? "kafka.password" : "kafka.user") + ", when kafka.security_protocol is " + protocol);
    }
    String journal = values.get(Key.COLLECTOR_JOURNAL);
    if (sink.equals(SINK_KAFKA) && ("on".equals(journal) || "true".equals(journal))) {
      throw bad(Key.COLLECTOR_JOURNAL, "off or auto when collector.sink is kafka: the topic is what makes collected events durable");
    }
  }

  /** {@link #SINK_DATABASE} or {@link #SINK_KAFKA}: where the collector makes events durable before it answers. */
  public String collectorSink() {
    return text(Key.COLLECTOR_SINK, SINK_DATABASE);
  }

  /** The brokers the Kafka clients start from ({@code host:port,…}); null unless set. */
  public String kafkaBootstrapServers() {
    return values.get(Key.KAFKA_BOOTSTRAP_SERVERS);
  }

  /** The topic collected events are published to. */
  public String kafkaTopic() {
    return text(Key.KAFKA_TOPIC, DEFAULT_KAFKA_TOPIC);
  }

  /** The consumer group that writes the topic's events into the database. */
  public String kafkaGroupId() {
    return text(Key.KAFKA_GROUP_ID, DEFAULT_KAFKA_GROUP);
  }

  /** Whether each server also runs a consumer of the group (on by default); off when {@code plenary ingest} processes do it. */
  public boolean kafkaConsume() {
    return !"false".equals(values.get(Key.KAFKA_CONSUME));
  }

  /** How long a beacon waits for the broker's acknowledgement before it is answered 503 (and not acknowledged). */
  public Duration kafkaAckTimeout() {
    return duration(Key.KAFKA_ACK_TIMEOUT, DEFAULT_KAFKA_ACK_TIMEOUT);
  }

  /** Events the consumer writes into the database in one transaction at most. */
  public int kafkaIngestBatch() {
    return integer(Key.KAFKA_INGEST_BATCH, DEFAULT_KAFKA_INGEST_BATCH);
  }

  /** {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}. */
  public String kafkaSecurityProtocol() {
    return text(Key.KAFKA_SECURITY_PROTOCOL, DEFAULT_KAFKA_SECURITY_PROTOCOL);
  }

  /** The SASL mechanism with a {@code SASL_} protocol: {@code PLAIN}, {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}. */
  public String kafkaSaslMechanism() {
    return text(Key.KAFKA_SASL_MECHANISM, DEFAULT_KAFKA_SASL_MECHANISM);
  }

  public String kafkaUser() {
    return values.get(Key.KAFKA_USER);
  }

  /** Secret: never logged. */
  public String kafkaPassword() {
    return values.getOrDefault(Key.KAFKA_PASSWORD, "");
  }

  private void validateMail() {
    int smtpPort = integer(Key.MAIL_SMTP_PORT, DEFAULT_SMTP_PORT);
    if (smtpPort < 1 || smtpPort > 65535) {
      throw bad(Key.MAIL_SMTP_PORT, "a port number from 1 to 65535");
    }
    String starttls = values.get(Key.MAIL_SMTP_STARTTLS);
    if (starttls != null && !starttls.equals("true") && !starttls.equals("false")) {
      throw bad(Key.MAIL_SMTP_STARTTLS, "true or false");
    }
    String from = text(Key.MAIL_FROM, DEFAULT_MAIL_FROM);
    if (!from.matches("[^\\r\\n]*[^@\\s<>]+@[^@\\s<>]+>?") || from.length() > 320) {
      throw bad(Key.MAIL_FROM, "an address such as Plenary <no-reply@example.org>");
    }
    validateUnsubscribeMailbox();
    int senders = integer(Key.MAIL_SENDERS, DEFAULT_MAIL_SENDERS);
    if (senders < 1 || senders > 16) {
      throw bad(Key.MAIL_SENDERS, "a whole number from 1 to 16");
    }
    int batch = integer(Key.MAIL_SEND_BATCH, DEFAULT_MAIL_SEND_BATCH);
    if (batch < 1 || batch > 500) {
      throw bad(Key.MAIL_SEND_BATCH, "a whole number from 1 to 500");
    }
    Duration base = duration(Key.MAIL_RETRY_BASE, MessageLimits.DEFAULT_RETRY_BASE);
    if (base.compareTo(Duration.ofMillis(10)) < 0 || base.compareTo(Duration.ofHours(1)) > 0) {
      throw bad(Key.MAIL_RETRY_BASE, "a duration from PT0.01S to PT1H, such as PT30S");
    }
    int attempts = integer(Key.MAIL_MAX_ATTEMPTS, MessageLimits.DEFAULT_MAX_ATTEMPTS);
    if (attempts < 1 || attempts > 100) {
      throw bad(Key.MAIL_MAX_ATTEMPTS, "a whole number from 1 to 100");
    }
    Duration hookBase = duration(Key.WEBHOOKS_RETRY_BASE, DEFAULT_WEBHOOKS_RETRY_BASE);
    if (hookBase.compareTo(Duration.ofMillis(10)) < 0 || hookBase.compareTo(Duration.ofHours(1)) > 0) {
      throw bad(Key.WEBHOOKS_RETRY_BASE, "a duration from PT0.01S to PT1H, such as PT30S");
    }
    int hookAttempts = integer(Key.WEBHOOKS_MAX_ATTEMPTS, DEFAULT_WEBHOOKS_MAX_ATTEMPTS);
    if (hookAttempts < 1 || hookAttempts > 100) {
      throw bad(Key.WEBHOOKS_MAX_ATTEMPTS, "a whole number from 1 to 100");
    }
    int perPerson = integer(Key.MAIL_MARKETING_PER_PERSON, MessageLimits.DEFAULT_MARKETING_PER_PERSON);
    if (perPerson < 0 || perPerson > 1000) {
      throw bad(Key.MAIL_MARKETING_PER_PERSON, "a whole number from 0 to 1000");
    }
    Duration window = duration(Key.MAIL_MARKETING_WINDOW, MessageLimits.DEFAULT_MARKETING_WINDOW);
    if (window.isNegative() || window.compareTo(Duration.ofDays(366)) > 0) {
      throw bad(Key.MAIL_MARKETING_WINDOW, "a duration from PT0S to P366D, such as P7D");
    }
    int perService = integer(Key.MAIL_RATE_PER_SERVICE_PER_MINUTE, MessageLimits.DEFAULT_PER_SERVICE_PER_MINUTE);
    if (perService < 1 || perService > 10_000_000) {
      throw bad(Key.MAIL_RATE_PER_SERVICE_PER_MINUTE, "a whole number from 1 to 10000000");
    }
    aggregateLimits();
  }

  private void validateUnsubscribeMailbox() {
    int port = integer(Key.MAIL_UNSUBSCRIBE_IMAP_PORT, DEFAULT_UNSUBSCRIBE_IMAP_PORT);
    if (port < 1 || port > 65535) {
      throw bad(Key.MAIL_UNSUBSCRIBE_IMAP_PORT, "a port number from 1 to 65535");
    }
    String tls = values.get(Key.MAIL_UNSUBSCRIBE_IMAP_TLS);
    if (tls != null && !tls.equals("true") && !tls.equals("false")) {
      throw bad(Key.MAIL_UNSUBSCRIBE_IMAP_TLS, "true or false");
    }
    Duration poll = duration(Key.MAIL_UNSUBSCRIBE_POLL_INTERVAL, DEFAULT_UNSUBSCRIBE_POLL_INTERVAL);
    if (poll.compareTo(Duration.ofMillis(100)) < 0 || poll.compareTo(Duration.ofHours(1)) > 0) {
      throw bad(Key.MAIL_UNSUBSCRIBE_POLL_INTERVAL, "a duration from PT0.1S to PT1H, such as PT1M");
    }
    if (values.get(Key.MAIL_UNSUBSCRIBE_IMAP_HOST) != null && values.get(Key.MAIL_UNSUBSCRIBE_IMAP_USER) == null) {
      throw bad(Key.MAIL_UNSUBSCRIBE_IMAP_USER, "the mailbox's user name when mail.unsubscribe.imap.host is set");
    }
  }

  /**
   * The IMAP server of the mailbox the {@code mailto:} of every message's {@code List-Unsubscribe} reaches
   * (RFC 2369), or null: then no mailbox is read and the mailto unsubscribes no one (the HTTPS link still does).
   */
  public String unsubscribeImapHost() {
    return values.get(Key.MAIL_UNSUBSCRIBE_IMAP_HOST);
  }

  public int unsubscribeImapPort() {
    return integer(Key.MAIL_UNSUBSCRIBE_IMAP_PORT, DEFAULT_UNSUBSCRIBE_IMAP_PORT);
  }

  /** Whether the IMAP connection is TLS from its start (imaps; on by default). */
  public boolean unsubscribeImapTls() {
    return !"false".equals(values.get(Key.MAIL_UNSUBSCRIBE_IMAP_TLS));
  }

  public String unsubscribeImapUser() {
    return values.get(Key.MAIL_UNSUBSCRIBE_IMAP_USER);
  }

  public String unsubscribeImapPassword() {
    return values.getOrDefault(Key.MAIL_UNSUBSCRIBE_IMAP_PASSWORD, "");
  }

  /** Sender threads delivering the outbox side by side, each its own share of it. */
  public int mailSenders() {
    return integer(Key.MAIL_SENDERS, DEFAULT_MAIL_SENDERS);
  }

  /**
   * Messages a sender claims in one transaction and hands to the mail server on one connection; also
   * the most whose fate a crash of the sender can leave unknown ({@code uncertain}, never sent twice).
   */
  public int mailSendBatch() {
    return integer(Key.MAIL_SEND_BATCH, DEFAULT_MAIL_SEND_BATCH);
  }

  /** The wait after a correction notice's first failed delivery to a recipient's webhook; it doubles with each attempt, up to an hour (C35). */
  public Duration webhooksRetryBase() {
    return duration(Key.WEBHOOKS_RETRY_BASE, DEFAULT_WEBHOOKS_RETRY_BASE);
  }

  /** Deliveries of a correction notice tried before it is given up as failed (C35). */
  public int webhooksMaxAttempts() {
    return integer(Key.WEBHOOKS_MAX_ATTEMPTS, DEFAULT_WEBHOOKS_MAX_ATTEMPTS);
  }

  /** How often the unsubscribe mailbox is read. */
  public Duration unsubscribePollInterval() {
    return duration(Key.MAIL_UNSUBSCRIBE_POLL_INTERVAL, DEFAULT_UNSUBSCRIBE_POLL_INTERVAL);
  }

  /** The SMTP server messages go out through, or null: then they are kept in the mail drop folder under {@link #dataDir}. */
  public String smtpHost() {
    return values.get(Key.MAIL_SMTP_HOST);
  }

  public int smtpPort() {
    return integer(Key.MAIL_SMTP_PORT, DEFAULT_SMTP_PORT);
  }

  /** Whether the SMTP connection must be upgraded with STARTTLS (on by default). */
  public boolean smtpStartTls() {
    return !"false".equals(values.get(Key.MAIL_SMTP_STARTTLS));
  }

  public String smtpUser() {
    return values.get(Key.MAIL_SMTP_USER);
  }

  public String smtpPassword() {
    return values.getOrDefault(Key.MAIL_SMTP_PASSWORD, "");
  }

  /** The From of every message. */
  public String mailFrom() {
    return text(Key.MAIL_FROM, DEFAULT_MAIL_FROM);
  }

  /** The message gateway's limits: marketing per person and window (C16), back-off and attempts, messages a service queues a minute. */
  public MessageLimits messageLimits() {
    return new MessageLimits(
        integer(Key.MAIL_MARKETING_PER_PERSON, MessageLimits.DEFAULT_MARKETING_PER_PERSON),
        duration(Key.MAIL_MARKETING_WINDOW, MessageLimits.DEFAULT_MARKETING_WINDOW),
        duration(Key.MAIL_RETRY_BASE, MessageLimits.DEFAULT_RETRY_BASE),
        integer(Key.MAIL_MAX_ATTEMPTS, MessageLimits.DEFAULT_MAX_ATTEMPTS),
        integer(Key.MAIL_RATE_PER_SERVICE_PER_MINUTE, MessageLimits.DEFAULT_PER_SERVICE_PER_MINUTE));
  }

  private ConfigException bad(Key k, String allowed) {
    String shown = k.kind.equals("secret") ? "" : " (was '" + values.get(k) + "')";
    return new ConfigException("configuration key '" + k.path + "'" + shown + " must be " + allowed
        + "; set it in the configuration file or as " + k.env());
  }

  private String text(Key k, String fallback) {
    return values.getOrDefault(k, fallback);
  }

  private int integer(Key k, int fallback) {
    String v = values.get(k);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw bad(k, "a whole number");
    }
  }

  private long longValue(Key k, long fallback) {
    String v = values.get(k);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw bad(k, "a whole number of bytes");
    }
  }

  private Duration duration(Key k, Duration fallback) {
    String v = values.get(k);
    if (v == null) {
      return fallback;
    }
    try {
      return Duration.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw bad(k, "an ISO-8601 duration such as PT8H or PT30S");
    }
  }

  // ---- accessors ----

  public String host() {
    return text(Key.SERVER_HOST, DEFAULT_HOST);
  }

  public int port() {
    return integer(Key.SERVER_PORT, DEFAULT_PORT);
  }

  public long maxRequestBytes() {
    return longValue(Key.SERVER_MAX_REQUEST_BYTES, DEFAULT_MAX_REQUEST_BYTES);
  }

  public Duration shutdownGrace() {
    return duration(Key.SERVER_SHUTDOWN_GRACE, DEFAULT_SHUTDOWN_GRACE);
  }

  public Path dataDir() {
    return Path.of(text(Key.DATA_DIR, DEFAULT_DATA_DIR));
  }

  /** The database URL; by default an H2 file under the data directory, reachable by several processes. */
  public String databaseUrl() {
    String url = values.get(Key.DATABASE_URL);
    if (url != null) {
      return url;
    }
    return "jdbc:h2:file:" + dataDir().toAbsolutePath().normalize().resolve("plenary") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
  }

  /**
   * Whether this node is meant to be one of several behind a load balancer: then the database and the
   * key store must be PostgreSQL (checked at start).
   */
  public boolean cluster() {
    return "true".equals(values.get(Key.CLUSTER));
  }

  public boolean embeddedDatabase() {
    return databaseUrl().startsWith("jdbc:h2:");
  }

  public String databaseUser() {
    return text(Key.DATABASE_USER, embeddedDatabase() ? "sa" : "");
  }

  public String databasePassword() {
    return text(Key.DATABASE_PASSWORD, "");
  }

  public int databasePoolSize() {
    return integer(Key.DATABASE_POOL_SIZE, DEFAULT_POOL_SIZE);
  }

  /**
   * The other regions' deployments (issue 18), from {@code regions.peers}: {@code region=url} pairs
   * separated by commas, such as {@code us=https://us.plenary.example}; empty when none. A request about
   * a person of one of them is answered with its URL. Whether each region is the policy's is checked at start-up.
   */
  public Map<String, URI> regionPeers() {
    String v = values.get(Key.REGIONS_PEERS);
    Map<String, URI> out = new LinkedHashMap<>();
    if (v == null || v.isBlank()) {
      return out;
    }
    String allowed = "region=url pairs separated by commas, each URL http(s) with a host, such as us=https://us.plenary.example";
    for (String pair : v.split(",", -1)) {
      int eq = pair.indexOf('=');
      if (eq < 1) {
        throw bad(Key.REGIONS_PEERS, allowed);
      }
      String region = pair.substring(0, eq).trim();
      URI url;
      try {
        url = new URI(pair.substring(eq + 1).trim());
      } catch (URISyntaxException e) {
        throw bad(Key.REGIONS_PEERS, allowed);
      }
      if (region.isEmpty() || !"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null
          || out.put(region, url) != null) {
        throw bad(Key.REGIONS_PEERS, allowed + "; each region once");
      }
    }
    return out;
  }

  /**
   * The secret the nodes of all regions share to sign the reads they forward to one another (issue 18),
   * from {@code regions.secret}; null when unset: then a node forwards nothing and accepts nothing forwarded,
   * and a request about a person of another region is answered with where to go (421).
   */
  public String regionsSecret() {
    return values.get(Key.REGIONS_SECRET);
  }

  /** How long a forwarded read may take at the other region's node before it is answered 504 here. */
  public Duration regionsForwardTimeout() {
    return duration(Key.REGIONS_FORWARD_TIMEOUT, DEFAULT_REGIONS_FORWARD_TIMEOUT);
  }

  /** The data centre (from the policy's registry, C12) where the database runs; null means the policy's first. */
  public String databaseDataCentre() {
    return values.get(Key.DATABASE_DATA_CENTRE);
  }

  /** The data centre where the key store runs; null means the database's. */
  public String keystoreDataCentre() {
    return values.get(Key.KEYSTORE_DATA_CENTRE);
  }

  /** The directory of the master and blind-index keys. */
  public Path keyDir() {
    return dataDir().resolve("keys");
  }

  /**
   * The key store's URL: people's wrapped data keys, kept apart from their data so that a data backup
   * holds ciphertext only. By default an H2 file in the key directory.
   */
  public String keystoreUrl() {
    String url = values.get(Key.KEYSTORE_URL);
    return url != null ? url : "jdbc:h2:file:" + keyDir().toAbsolutePath().normalize().resolve("keystore") + ";AUTO_SERVER=TRUE;WRITE_DELAY=0";
  }

  public String keystoreUser() {
    return text(Key.KEYSTORE_USER, keystoreUrl().startsWith("jdbc:h2:") ? "sa" : databaseUser());
  }

  public String keystorePassword() {
    return text(Key.KEYSTORE_PASSWORD, keystoreUrl().startsWith("jdbc:h2:") ? "" : databasePassword());
  }

  /** How many beacons may wait for the store before the collector answers 503. */
  public int collectorQueueCapacity() {
    return integer(Key.COLLECTOR_QUEUE, DEFAULT_COLLECTOR_QUEUE);
  }

  /**
   * How many groups of events may be committing at once (each on its own connection). One by
   * default: on loopback it gave larger groups and the higher rate; a database further away, where
   * a commit waits on the network, may want 2.
   */
  public int collectorWriters() {
    return integer(Key.COLLECTOR_WRITERS, DEFAULT_COLLECTOR_WRITERS);
  }

  /**
   * Whether the collector makes events durable in its journal (a file under the data directory) and
   * moves them into the table in large transactions, instead of committing each group to the
   * database. {@code auto}, the default, turns it on for an embedded H2 file, whose commits are
   * costly, and off for PostgreSQL, whose commits are not.
   */
  public boolean collectorJournal() {
    String v = values.getOrDefault(Key.COLLECTOR_JOURNAL, "auto");
    if (!"auto".equals(v)) {
      return "on".equals(v) || "true".equals(v); // YAML reads a bare on/off as true/false
    }
    if (SINK_KAFKA.equals(collectorSink())) {
      return false; // the topic makes collected events durable
    }
    String url = databaseUrl();
    return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
  }

  /**
   * Whether each journal write is synced to the disk ({@code fdatasync}) before its events are
   * acknowledged. Off by default, like the embedded H2 store's own commits: both survive a killed
   * process, not a power cut (measured, a sync cost about as much as the H2 commit it replaces).
   */
  public boolean collectorJournalSync() {
    return "true".equals(values.get(Key.COLLECTOR_JOURNAL_SYNC));
  }

  /** Where the collector's journal lives. */
  public Path collectorJournalDir() {
    return dataDir().resolve("collector-journal");
  }

  /** Whether {@code DNT: 1} turns analytics off like Global Privacy Control does. */
  public boolean honourDnt() {
    return !"false".equals(values.get(Key.COLLECTOR_DNT));
  }

  /** Whether to serve {@code POST /bench/collect-ceiling}, the bare endpoint benchmarks compare the collector with. */
  public boolean benchmarkRoutes() {
    return "true".equals(values.get(Key.BENCH_ROUTES));
  }

  /**
   * Whether the server runs with the demo data set ({@code plenary serve --demo}): only then are the
   * demo credentials it prints accepted.
   */
  public boolean demo() {
    return "true".equals(values.get(Key.SERVER_DEMO));
  }

  public Duration retentionInterval() {
    return duration(Key.RETENTION_INTERVAL, DEFAULT_RETENTION_INTERVAL);
  }

  /** The policy file, or null for the policy bundled with the platform. */
  public Path policyFile() {
    String p = values.get(Key.POLICY_FILE);
    return p == null ? null : Path.of(p);
  }

  public Duration tokenTtl() {
    return duration(Key.AUTH_TOKEN_TTL, DEFAULT_TOKEN_TTL);
  }

  /** Failed sign-ins for one email address within {@link #signInWindow} before sign-in answers 429 (C6). */
  public int signInPerAccount() {
    return integer(Key.AUTH_SIGN_IN_PER_ACCOUNT, DEFAULT_SIGN_IN_PER_ACCOUNT);
  }

  /** Failed sign-ins from one client address within {@link #signInWindow} before sign-in answers 429 (C6). */
  public int signInPerAddress() {
    return integer(Key.AUTH_SIGN_IN_PER_ADDRESS, DEFAULT_SIGN_IN_PER_ADDRESS);
  }

  /** How long a failed sign-in counts against its account and address. */
  public Duration signInWindow() {
    return duration(Key.AUTH_SIGN_IN_WINDOW, DEFAULT_SIGN_IN_WINDOW);
  }

  /** How long a mailed link to reset a forgotten password works (it works once). */
  public Duration passwordResetLifetime() {
    return duration(Key.AUTH_PASSWORD_RESET_LIFETIME, DEFAULT_PASSWORD_RESET_LIFETIME);
  }

  /**
   * No longer used: the sign-in throttle counts in the database (shared by every node), swept once a
   * minute; the key is still accepted so that existing configuration files keep working.
   */
  public int signInTracked() {
    return integer(Key.AUTH_SIGN_IN_TRACKED, DEFAULT_SIGN_IN_TRACKED);
  }

  /**
   * The origin browsers reach the platform at (such as {@code https://privacy.example}), when a proxy
   * in front rewrites the Host header; null to compare with the Host header itself.
   */
  public String publicUrl() {
    return values.get(Key.SERVER_PUBLIC_URL);
  }

  public String oidcIssuer() {
    return values.get(Key.AUTH_OIDC_ISSUER);
  }

  public String oidcJwksUrl() {
    return values.get(Key.AUTH_OIDC_JWKS_URL);
  }

  public String oidcAudience() {
    return values.get(Key.AUTH_OIDC_AUDIENCE);
  }

  public String oidcRolesClaim() {
    return text(Key.AUTH_OIDC_ROLES_CLAIM, DEFAULT_ROLES_CLAIM);
  }

  /** The console's client id at the OIDC issuer: staff sign in to /console there (authorization code with PKCE); null when they do not. */
  public String oidcClientId() {
    return values.get(Key.AUTH_OIDC_CLIENT_ID);
  }

  /** The console client's secret, for an issuer that wants a confidential client; null for a public client (PKCE alone). */
  public String oidcClientSecret() {
    return values.get(Key.AUTH_OIDC_CLIENT_SECRET);
  }

  /** Every key with its value in force, secrets masked: for the one start-up log line and `plenary config`. */
  public Map<String, String> describe() {
    Map<String, String> out = new TreeMap<>();
    for (Key k : Key.values()) {
      String value = switch (k) {
        case SERVER_HOST -> host();
        case SERVER_PORT -> String.valueOf(port());
        case SERVER_MAX_REQUEST_BYTES -> String.valueOf(maxRequestBytes());
        case SERVER_SHUTDOWN_GRACE -> shutdownGrace().toString();
        case DATA_DIR -> dataDir().toString();
        case DATABASE_URL -> Store.redact(databaseUrl());
        case DATABASE_USER -> databaseUser();
        case DATABASE_PASSWORD -> databasePassword().isEmpty() ? "" : "****";
        case DATABASE_POOL_SIZE -> String.valueOf(databasePoolSize());
        case DATABASE_DATA_CENTRE -> nullToEmpty(databaseDataCentre());
        case KEYSTORE_DATA_CENTRE -> nullToEmpty(keystoreDataCentre());
        case REGIONS_PEERS -> nullToEmpty(values.get(Key.REGIONS_PEERS));
        case REGIONS_SECRET -> regionsSecret() == null ? "" : "****";
        case REGIONS_FORWARD_TIMEOUT -> regionsForwardTimeout().toString();
        case KEYSTORE_URL -> Store.redact(keystoreUrl());
        case KEYSTORE_USER -> keystoreUser();
        case KEYSTORE_PASSWORD -> keystorePassword().isEmpty() ? "" : "****";
        case CLUSTER -> String.valueOf(cluster());
        case RETENTION_INTERVAL -> retentionInterval().toString();
        case COLLECTOR_QUEUE -> String.valueOf(collectorQueueCapacity());
        case COLLECTOR_WRITERS -> String.valueOf(collectorWriters());
        case COLLECTOR_DNT -> String.valueOf(honourDnt());
        case COLLECTOR_JOURNAL -> values.getOrDefault(Key.COLLECTOR_JOURNAL, "auto") + " (" + (collectorJournal() ? "on" : "off") + ")";
        case COLLECTOR_JOURNAL_SYNC -> String.valueOf(collectorJournalSync());
        case COLLECTOR_SINK -> collectorSink();
        case KAFKA_BOOTSTRAP_SERVERS -> nullToEmpty(kafkaBootstrapServers());
        case KAFKA_TOPIC -> kafkaTopic();
        case KAFKA_GROUP_ID -> kafkaGroupId();
        case KAFKA_CONSUME -> String.valueOf(kafkaConsume());
        case KAFKA_ACK_TIMEOUT -> kafkaAckTimeout().toString();
        case KAFKA_INGEST_BATCH -> String.valueOf(kafkaIngestBatch());
        case KAFKA_SECURITY_PROTOCOL -> kafkaSecurityProtocol();
        case KAFKA_SASL_MECHANISM -> kafkaSaslMechanism();
        case KAFKA_USER -> nullToEmpty(kafkaUser());
        case KAFKA_PASSWORD -> kafkaPassword().isEmpty() ? "" : "****";
        case BENCH_ROUTES -> String.valueOf(benchmarkRoutes());
        case SERVER_DEMO -> String.valueOf(demo());
        case POLICY_FILE -> policyFile() == null ? "(bundled)" : policyFile().toString();
        case AUTH_TOKEN_TTL -> tokenTtl().toString();
        case AUTH_SIGN_IN_PER_ACCOUNT -> String.valueOf(signInPerAccount());
        case AUTH_SIGN_IN_PER_ADDRESS -> String.valueOf(signInPerAddress());
        case AUTH_SIGN_IN_WINDOW -> signInWindow().toString();
        case AUTH_PASSWORD_RESET_LIFETIME -> passwordResetLifetime().toString();
        case AUTH_SIGN_IN_TRACKED -> String.valueOf(signInTracked());
        case SERVER_PUBLIC_URL -> nullToEmpty(publicUrl());
        case AUTH_OIDC_ISSUER -> nullToEmpty(oidcIssuer());
        case AUTH_OIDC_JWKS_URL -> nullToEmpty(oidcJwksUrl());
        case AUTH_OIDC_AUDIENCE -> nullToEmpty(oidcAudience());
        case AUTH_OIDC_ROLES_CLAIM -> oidcRolesClaim();
        case AUTH_OIDC_CLIENT_ID -> nullToEmpty(oidcClientId());
        case AUTH_OIDC_CLIENT_SECRET -> oidcClientSecret() == null ? "" : "****";
        case MAIL_SMTP_HOST -> smtpHost() == null ? "(none: the mail drop folder)" : smtpHost();
        case MAIL_SMTP_PORT -> String.valueOf(smtpPort());
        case MAIL_SMTP_STARTTLS -> String.valueOf(smtpStartTls());
        case MAIL_SMTP_USER -> nullToEmpty(smtpUser());
        case MAIL_SMTP_PASSWORD -> smtpPassword().isEmpty() ? "" : "****";
        case MAIL_FROM -> mailFrom();
        case MAIL_UNSUBSCRIBE_IMAP_HOST -> unsubscribeImapHost() == null ? "(none: the mailto unsubscribes no one)" : unsubscribeImapHost();
        case MAIL_UNSUBSCRIBE_IMAP_PORT -> String.valueOf(unsubscribeImapPort());
        case MAIL_UNSUBSCRIBE_IMAP_TLS -> String.valueOf(unsubscribeImapTls());
        case MAIL_UNSUBSCRIBE_IMAP_USER -> nullToEmpty(unsubscribeImapUser());
        case MAIL_UNSUBSCRIBE_IMAP_PASSWORD -> unsubscribeImapPassword().isEmpty() ? "" : "****";
        case MAIL_UNSUBSCRIBE_POLL_INTERVAL -> unsubscribePollInterval().toString();
        case MAIL_SENDERS -> String.valueOf(mailSenders());
        case MAIL_SEND_BATCH -> String.valueOf(mailSendBatch());
        case MAIL_RETRY_BASE -> messageLimits().retryBase().toString();
        case MAIL_MAX_ATTEMPTS -> String.valueOf(messageLimits().maxAttempts());
        case MAIL_MARKETING_PER_PERSON -> String.valueOf(messageLimits().marketingPerPerson());
        case MAIL_MARKETING_WINDOW -> messageLimits().marketingWindow().toString();
        case MAIL_RATE_PER_SERVICE_PER_MINUTE -> String.valueOf(messageLimits().perServicePerMinute());
        case AGGREGATES_MAX_DAYS -> String.valueOf(aggregateLimits().maxDays());
        case AGGREGATES_EPSILON_PER_MONTH -> aggregateLimits().epsilonPerMonth().toPlainString();
        case AGGREGATES_MAX_CELLS_PER_PERSON -> String.valueOf(aggregateLimits().maxCellsPerPerson());
        case AGGREGATES_MAX_EVENTS_PER_CELL -> String.valueOf(aggregateLimits().maxEventsPerCell());
        case WEBHOOKS_RETRY_BASE -> webhooksRetryBase().toString();
        case WEBHOOKS_MAX_ATTEMPTS -> String.valueOf(webhooksMaxAttempts());
      };
      out.put(k.path, value);
    }
    return out;
  }

  /** The limits of aggregate statistics (C27): the longest period, the monthly ε budget of a recipient, the bounds on one person's contribution. */
  public AggregateLimits aggregateLimits() {
    int days = integer(Key.AGGREGATES_MAX_DAYS, AggregateLimits.DEFAULT_MAX_DAYS);
    if (days < 1 || days > 3660) {
      throw bad(Key.AGGREGATES_MAX_DAYS, "a whole number of days from 1 to 3660");
    }
    String e = values.get(Key.AGGREGATES_EPSILON_PER_MONTH);
    BigDecimal epsilon = AggregateLimits.DEFAULT_EPSILON_PER_MONTH;
    if (e != null) {
      if (!e.trim().matches("[0-9]{1,3}(\\.[0-9]{1,6})?") || new BigDecimal(e.trim()).signum() <= 0) {
        throw bad(Key.AGGREGATES_EPSILON_PER_MONTH, "a decimal above 0 such as 1.0, with at most 6 decimals");
      }
      epsilon = new BigDecimal(e.trim());
    }
    int cells = integer(Key.AGGREGATES_MAX_CELLS_PER_PERSON, AggregateLimits.DEFAULT_MAX_CELLS_PER_PERSON);
    if (cells < 1 || cells > 100) {
      throw bad(Key.AGGREGATES_MAX_CELLS_PER_PERSON, "a whole number from 1 to 100");
    }
    int events = integer(Key.AGGREGATES_MAX_EVENTS_PER_CELL, AggregateLimits.DEFAULT_MAX_EVENTS_PER_CELL);
    if (events < 1 || events > 1000) {
      throw bad(Key.AGGREGATES_MAX_EVENTS_PER_CELL, "a whole number from 1 to 1000");
    }
    return new AggregateLimits(days, epsilon, cells, events);
  }

  /** Names of the environment variables the configuration reads. */
  public static Set<String> environmentNames() {
    Set<String> out = new LinkedHashSet<>();
    for (Key k : Key.values()) {
      out.add(k.env());
    }
    return out;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  @Override
  public String toString() {
    return "Config" + describe();
  }
}
