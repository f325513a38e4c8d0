package com.plenary.privacy.platform;

import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.platform.internal.LocalIssuer;
import com.plenary.privacy.platform.internal.SignInThrottle;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.store.AuditCheckpoints;
import com.plenary.privacy.store.OwnerOnly;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.StoreException;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a running platform holds, opened from one {@link Config}: the checked policy and its
 * enforcer (the one caller of the compiled engine), the migrated store and the local token issuer. The server and the CLI both start
 * here, so they see the same data. Close it to release the database.
 */
public final class Platform implements AutoCloseable {
  private final Config config;
  private final Enforcer enforcer;
  private final Store store;
  private final LocalIssuer issuer;
  private final Clock clock;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final Vault vault;
  private final Domain domain;
  private final SignInThrottle signIns;

  private int resumedErasures;
  private EventStream eventStream;

  private final DataCentre dataCentre;
  private final DataCentre keyCentre;
  private final Regions regions;

  private Platform(Config config, Policy policy, Store store, LocalIssuer issuer, Keys keys, SubjectKeys keyStore, Clock clock,
      DataCentre dataCentre, DataCentre keyCentre) {
    this.dataCentre = dataCentre;
    this.keyCentre = keyCentre;
    this.config = config;
    this.enforcer = Enforcer.create(policy, clock);
    this.regions = regions(config, policy, dataCentre);
    enforcer.placeIn(regions);
    this.store = store;
    this.issuer = issuer;
    this.clock = clock;
    this.keys = keys;
    this.keyStore = keyStore;
    this.vault = store.vault(keys, keyStore);
    this.domain = new Domain(enforcer, vault.storage(), dataCentre.region(), config.messageLimits(), store.oversight(vault, this::dataMap),
        config.aggregateLimits());
    this.signIns = new SignInThrottle(store.rateWindows(), config.signInPerAccount(), config.signInPerAddress(), config.signInWindow(), clock);
  }

  /**
   * Checks the policy, creates the data directory, connects to and migrates the database.
   *
   * @throws com.plenary.privacy.policy.PolicyException when the policy is invalid
   * @throws com.plenary.privacy.store.StoreException when the database cannot be reached
   */
  public static Platform open(Config config, Clock clock) {
    Policy policy = config.policyFile() == null ? Policy.bundled() : Policy.load(config.policyFile());
    DataCentre dataCentre = placed(policy, "database.data_centre", config.databaseDataCentre(), null);
    DataCentre keyCentre = placed(policy, "keystore.data_centre", config.keystoreDataCentre(), dataCentre);
    try {
      // owner-only before H2 or the key files create anything in them
      OwnerOnly.directory(config.dataDir());
      OwnerOnly.directory(config.keyDir());
    } catch (IOException e) {
      throw new ConfigException("configuration key 'data_dir' must be a directory that this user can create, write and make readable by itself only ("
          + config.dataDir() + ": " + e.getMessage() + ")", e);
    }
    Store store;
    try {
      store = Store.open(config.databaseUrl(), config.databaseUser(), config.databasePassword(), config.databasePoolSize(), clock);
    } catch (StoreException e) {
      throw new ConfigException("configuration key 'database.url' names a database that cannot be used: " + e.getMessage(), e);
    }
    SubjectKeys keyStore;
    try {
      keyStore = SubjectKeys.open(config.keystoreUrl(), config.keystoreUser(), config.keystorePassword(), clock);
    } catch (StoreException e) {
      store.close();
      throw new ConfigException("configuration key 'keystore.url' names a key store that cannot be used: " + e.getMessage(), e);
    }
    try {
      // the audit log's checkpoints are signed with a key outside the database and kept in a file beside it (C29)
      store.audit().keepCheckpoints(AuditCheckpoints.open(config.keyDir(), config.dataDir()));
      Platform platform = new Platform(config, policy, store, LocalIssuer.open(config.dataDir(), clock), Keys.local(config.keyDir()), keyStore, clock,
          dataCentre, keyCentre);
      // events a stopped server left in the collector's journal go into the table now (unless a running server holds it)
      platform.vault().usage().recoverJournal(config.collectorJournalDir());
      // erasures a crash interrupted are completed before anything else is served
      platform.resumedErasures = platform.domain().subjects().resumeErasures();
      ownerOnlyFiles(config);
      return platform;
    } catch (RuntimeException e) {
      store.close();
      keyStore.close();
      throw e;
    }
  }

  /** How many erasures a crash had interrupted and this opening completed. */
  public int resumedErasures() {
    return resumedErasures;
  }

  /**
   * Makes the platform's files in the data directory owner-only: the embedded database's files, the
   * key directory and the collector's journal, as H2 creates its files with the umask's permissions
   * and earlier versions left them so. Nothing else in the directory is touched.
   */
  private static void ownerOnlyFiles(Config config) {
    try {
      try (var files = Files.list(config.dataDir())) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (p.getFileName().toString().startsWith("plenary.") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            OwnerOnly.tighten(p);
          }
        }
      }
      OwnerOnly.tighten(config.keyDir());
      OwnerOnly.tighten(config.collectorJournalDir());
    } catch (IOException e) {
      throw new ConfigException("cannot make the files in data_dir readable by their owner only (" + config.dataDir() + ": " + e.getMessage() + ")", e);
    }
  }

  public Config config() {
    return config;
  }

  /** The policy in force now: a version published since the start comes into force at its effective date (C36). */
  public Policy policy() {
    return enforcer.policy();
  }

  /** The one enforcement point: every decision about personal data is made and audited there. */
  public Enforcer enforcer() {
    return enforcer;
  }

  public Store store() {
    return store;
  }

  public LocalIssuer issuer() {
    return issuer;
  }

  /** A bearer token of the local issuer for a staff member, valid for {@code ttl}: for front ends that are not the HTTP layer (the CLI). */
  public String issueStaffToken(String staffId, Duration ttl) {
    return issuer.issue(staffId, ttl);
  }

  public Clock clock() {
    return clock;
  }

  public Keys keys() {
    return keys;
  }

  public SubjectKeys keyStore() {
    return keyStore;
  }

  /**
   * Every store of personal data and where it is (C12, C13, C31): its name and kind, the data centre,
   * its operator, region, location and physical-security attestation, all from the policy's registry.
   * Never a JDBC URL, a host, a file-system path or a credential: the map is shown to staff and kept in
   * review reports.
   */
  public List<Map<String, Object>> dataMap() {
    List<Map<String, Object>> out = new ArrayList<>();
    out.add(place("database", "people's sealed fields, content, consents, usage events, audit trail", describeStore(config.databaseUrl()), dataCentre));
    out.add(place("key store", "people's data keys, wrapped by the master key", describeStore(config.keystoreUrl()), keyCentre));
    out.add(place("key files", "master, blind-index, token-issuer, form-token, unsubscribe-link, webhook-signing, console sign-in and audit-checkpoint keys", Map.of("name", "keys", "kind", "key files"), keyCentre));
    return out;
  }

  /**
   * A store's name and kind from its JDBC URL, for people to read: the database's name (the last
   * segment of its path) and {@code H2 embedded}, {@code H2 in memory}, {@code H2 server} or
   * {@code PostgreSQL}; no host, path, user, password or setting.
   */
  public static Map<String, String> describeStore(String url) {
    String kind;
    String rest;
    if (url.startsWith("jdbc:postgresql:")) {
      kind = "PostgreSQL";
      rest = url.substring("jdbc:postgresql:".length());
      int query = rest.indexOf('?');
      rest = query < 0 ? rest : rest.substring(0, query);
      int slash = rest.indexOf('/', rest.startsWith("//") ? 2 : 0); // after the host and port: the database
      rest = slash < 0 ? "" : rest.substring(slash + 1);
    } else if (url.startsWith("jdbc:h2:")) {
      rest = url.substring("jdbc:h2:".length());
      int settings = rest.indexOf(';');
      rest = settings < 0 ? rest : rest.substring(0, settings);
      if (rest.startsWith("mem:")) {
        kind = "H2 in memory";
        rest = rest.substring(4);
      } else if (rest.startsWith("tcp:") || rest.startsWith("ssl:")) {
        kind = "H2 server";
      } else {
        kind = "H2 embedded";
      }
    } else {
      return Map.of("name", "database", "kind", "database");
    }
    String name = rest.substring(Math.max(rest.lastIndexOf('/'), rest.lastIndexOf('\\')) + 1);
    int colon = name.lastIndexOf(':'); // "file:plenary", "host:5432" without a database
    name = colon < 0 ? name : name.substring(colon + 1);
    return Map.of("name", name.isBlank() ? "database" : name, "kind", kind);
  }

  private static Map<String, Object> place(String store, String holds, Map<String, String> described, DataCentre dc) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("store", store);
    m.put("holds", holds);
    m.put("name", described.get("name"));
    m.put("kind", described.get("kind"));
    m.put("data_centre", dc.id());
    m.put("operator", dc.operator());
    m.put("region", dc.region());
    m.put("site", dc.location());
    m.put("attestation", dc.attestation());
    return m;
  }

  /** Where people live: this deployment's region and the other regions' deployments (C13, issue 18). */
  public Regions regions() {
    return regions;
  }

  private static Regions regions(Config config, Policy policy, DataCentre dataCentre) {
    try {
      return Regions.of(dataCentre.region(), policy.regions(), config.regionPeers());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("configuration key 'regions.peers': " + e.getMessage() + " (this deployment's region, '" + dataCentre.region()
          + "', is that of database.data_centre " + dataCentre.id() + ")", e);
    }
  }

  /** The data centre of this deployment's database, from the policy's registry (C12). */
  public DataCentre dataCentre() {
    return dataCentre;
  }

  /** The region whose people this deployment holds (C13). */
  public String region() {
    return dataCentre.region();
  }

  /** The data centre named by {@code key}, which must be in the policy's registry with an attestation (C13, C31). */
  private static DataCentre placed(Policy policy, String key, String id, DataCentre fallback) {
    if (id == null) {
      if (fallback != null) {
        return fallback;
      }
      if (policy.dataCentres().isEmpty()) {
        throw new ConfigException("the policy registers no data centre, so no store may be placed anywhere (C13); add data_centres to the policy");
      }
      return policy.dataCentres().get(0);
    }
    DataCentre dc = policy.dataCentre(id);
    if (dc == null) {
      throw new ConfigException("configuration key '" + key + "' names '" + id + "', which is not in the policy's registry of data centres ("
          + String.join(", ", policy.dataCentres().stream().map(DataCentre::id).toList()) + "); no personal data may be stored outside it (C13)");
    }
    if (dc.attestation() == null || dc.attestation().isBlank()) {
      throw new ConfigException("configuration key '" + key + "' names '" + id + "', which has no physical-security attestation (C31)");
    }
    return dc;
  }

  /** The one throttle every way of signing in goes through (C6). */
  public SignInThrottle signInThrottle() {
    return signIns;
  }

  /** Every use of personal data, each a use case run inside the one enforcer. */
  public Domain domain() {
    return domain;
  }

  /** The store's side of the people: sign-in, sessions, keys; staff members; usage events as collected. */
  public Vault vault() {
    return vault;
  }

  /**
   * The event stream collected events go through, when {@code collector.sink} is not the database;
   * opened on first use (its provider must be on the class path) and closed with the platform.
   *
   * @throws ConfigException when the sink's integration is not on the class path
   */
  public synchronized Optional<EventStream> eventStream() {
    if (Config.SINK_DATABASE.equals(config.collectorSink())) {
      return Optional.empty();
    }
    if (eventStream == null) {
      eventStream = EventStreamProvider.installed(config.collectorSink()).open(config);
    }
    return Optional.of(eventStream);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (eventStream != null) {
        eventStream.close();
        eventStream = null;
      }
    }
    store.close();
    keyStore.close();
  }
}
