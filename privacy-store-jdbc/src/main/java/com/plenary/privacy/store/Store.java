package com.plenary.privacy.store;

import com.plenary.privacy.domain.Oversight;
import com.plenary.privacy.store.crypto.Keys;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;

/**
 * The one front door to the database: H2 (the embedded default) or PostgreSQL, the same schema and
 * migrations on both. {@link #open} connects, migrates and returns a store whose repositories share
 * one connection pool; {@link #close} releases it. Thread-safe.
 */
public final class Store implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final Credentials credentials;
  private final String product;
  private final Clock clock;
  private final AuditLog audit;
  private final ConsentLedger consentLedger;
  private final ConsoleSessions consoleSessions;
  private final Schedule schedule;
  private final RateWindows rateWindows;
  private final Nodes nodes;

  private Store(HikariDataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource);
    this.clock = clock;
    this.audit = new AuditLog(jdbi, clock);
    this.consentLedger = new ConsentLedger(jdbi);
    this.credentials = new Credentials(jdbi, clock);
    this.consoleSessions = new ConsoleSessions(jdbi, clock);
    // periods and heartbeats follow the machine's clock, not the platform's (which tests may stop)
    this.schedule = new Schedule(jdbi, Clock.systemUTC());
    this.rateWindows = new RateWindows(jdbi);
    this.nodes = new Nodes(jdbi, Clock.systemUTC());
    this.product = jdbi.withHandle(h -> {
      try {
        return h.getConnection().getMetaData().getDatabaseProductName();
      } catch (SQLException e) {
        throw new StoreException("cannot read the database's name: " + e.getMessage(), e);
      }
    });
  }

  /**
   * Connects to {@code url}, runs the migrations and returns the store.
   *
   * @throws StoreException naming the URL (without its password) when the database cannot be reached
   *     or migrated
   */
  public static Store open(String url, String user, String password, int poolSize, Clock clock) {
    HikariDataSource ds = pool(url, user, password, poolSize, "plenary", "the database");
    try {
      // shared migrations, then those of this kind of database only (db/vendor/postgresql or db/vendor/h2)
      Flyway.configure().dataSource(ds).locations("classpath:db/migration", "classpath:db/vendor/" + vendor(ds)).load().migrate();
      Store store = new Store(ds, clock);
      store.consentLedger.chainMigrated(); // the consents of earlier versions, migrated into the ledger, get their links once
      store.consentLedger.chainAcceptances(); // and so do the policy acceptances recorded before they were chained
      return store;
    } catch (FlywayException | StoreException e) {
      ds.close();
      throw new StoreException("cannot migrate the database at " + redact(url) + ": " + rootMessage(e), e);
    }
  }

  public Credentials credentials() {
    return credentials;
  }


  /** The consent ledger's chain, for its check (C19, C24). */
  public ConsentLedger consentLedger() {
    return consentLedger;
  }

  public AuditLog audit() {
    return audit;
  }

  /** The admin console's staff sessions. */
  public ConsoleSessions consoleSessions() {
    return consoleSessions;
  }

  /** The periods of the scheduled jobs, shared by every node on this database. */
  public Schedule schedule() {
    return schedule;
  }

  /** The schedule and the node list on {@code clock} instead of the machine's: for tests that move time. */
  Schedule schedule(Clock at) {
    return new Schedule(jdbi, at);
  }

  Nodes nodes(Clock at) {
    return new Nodes(jdbi, at);
  }

  /** Sliding windows of counted attempts (sign-in throttling, message rates), shared by every node on this database. */
  public RateWindows rateWindows() {
    return rateWindows;
  }

  /** The nodes serving from this database and the fingerprints of the keys they share. */
  public Nodes nodes() {
    return nodes;
  }

  /** Whether this is the embedded H2 database, which one node only may serve from. */
  public boolean embedded() {
    return product.equals("H2");
  }

  /**
   * What review reports read about the platform as a whole, over this store and the vault's events:
   * counts, denials, the audit chain's check, and the data map the platform describes.
   */
  public Oversight oversight(Vault vault, Supplier<List<Map<String, Object>>> dataMap) {
    return new Oversight() {
      @Override
      public Map<String, Long> counts() {
        vault.usage().settle(); // events acknowledged so far are counted, none still in the collector's journal
        Map<String, Long> out = new LinkedHashMap<>();
        for (String table : List.of("subject", "usage_event", "content_item", "consent_record", "partner_link", "browser", "audit_log_entry")) {
          out.put(table, count(table));
        }
        return out;
      }

      @Override
      public Map<String, Long> denialsSince(Instant since) {
        return audit.denialsSince(since);
      }

      @Override
      public ChainCheck verifyChain() {
        AuditLog.Verification v = audit.verify();
        return new ChainCheck(v.intact(), v.entries(), v.firstBrokenSeq(), v.detail());
      }

      @Override
      public List<Map<String, Object>> dataMap() {
        return dataMap.get();
      }

      @Override
      public Dashboard dashboard(Instant since, Instant now) {
        return Figures.read(jdbi, since, now);
      }
    };
  }

  /** How many rows a table holds; for review reports. Only the tables named here may be counted. */
  public long count(String table) {
    if (!Set.of("subject", "usage_event", "content_item", "consent_record", "partner_link", "browser", "audit_log_entry").contains(table)) {
      throw new IllegalArgumentException("not a countable table: " + table);
    }
    return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
  }

  /** The vault over this store's database, sealing with {@code keys}; the domain's use cases work through its {@link Vault#storage()}. */
  public Vault vault(Keys keys, SubjectKeys keyStore) {
    return new Vault(jdbi, keys, keyStore, audit, rateWindows, clock);
  }

  private static String vendor(DataSource ds) {
    try (Connection c = ds.getConnection()) {
      return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    } catch (SQLException e) {
      throw new StoreException("cannot reach the database: " + e.getMessage(), e);
    }
  }

  /** The database product, e.g. "H2" or "PostgreSQL". */
  public String product() {
    return product;
  }

  /** True when a connection can be had and answers within two seconds. */
  public boolean ready() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  /** Pool numbers for logs and metrics: {@code total=…, active=…, idle=…, waiting=…}. */
  public String poolState() {
    var pool = dataSource.getHikariPoolMXBean();
    return pool == null ? "not started" : "total=" + pool.getTotalConnections() + ", active=" + pool.getActiveConnections()
        + ", idle=" + pool.getIdleConnections() + ", waiting=" + pool.getThreadsAwaitingConnection();
  }

  /** The embedded H2 file's size and live share; empty when this store is not one. */
  public Optional<H2Files.FileUse> fileUse() {
    return H2Files.use(dataSource);
  }

  @Override
  public void close() {
    dataSource.close();
  }

  /** A connection pool; fails with a {@link StoreException} naming {@code what} and the URL (without password). */
  static HikariDataSource pool(String url, String user, String password, int size, String name, String what) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    if (user != null && !user.isEmpty()) {
      config.setUsername(user);
    }
    if (password != null && !password.isEmpty()) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(size);
    config.setPoolName(name);
    config.setConnectionTimeout(5_000);
    config.setInitializationFailTimeout(5_000);
    if (url.startsWith("jdbc:postgresql:")) {
      config.addDataSourceProperty("reWriteBatchedInserts", "true"); // one multi-row INSERT per batch
    }
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to " + what + " at " + redact(url) + ": " + rootMessage(e), e);
    }
  }

  /** The URL with anything after a password key removed, for messages. */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^;&]*", "$1***");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : redact(m.lines().findFirst().orElse(m));
  }
}
