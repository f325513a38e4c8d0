package com.plenary.privacy.server;

import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.server.internal.LocalIssuer;
import com.plenary.privacy.store.Store;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.Vault;
import com.plenary.privacy.store.crypto.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;

/**
 * Everything a running platform holds, opened from one {@link Config}: the checked policy and its
 * compiled engine, the migrated store and the local token issuer. The server and the CLI both start
 * here, so they see the same data. Close it to release the database.
 */
public final class Platform implements AutoCloseable {
  private final Config config;
  private final Policy policy;
  private final DecisionEngine engine;
  private final Store store;
  private final LocalIssuer issuer;
  private final Clock clock;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final Vault vault;

  private Platform(Config config, Policy policy, Store store, LocalIssuer issuer, Keys keys, SubjectKeys keyStore, Clock clock) {
    this.config = config;
    this.policy = policy;
    this.engine = DecisionEngine.compile(policy);
    this.store = store;
    this.issuer = issuer;
    this.clock = clock;
    this.keys = keys;
    this.keyStore = keyStore;
    this.vault = store.vault(keys, keyStore, engine);
  }

  /**
   * Checks the policy, creates the data directory, connects to and migrates the database.
   *
   * @throws com.plenary.privacy.policy.PolicyException when the policy is invalid
   * @throws com.plenary.privacy.store.StoreException when the database cannot be reached
   */
  public static Platform open(Config config, Clock clock) {
    Policy policy = config.policyFile() == null ? Policy.bundled() : Policy.load(config.policyFile());
    try {
      Files.createDirectories(config.dataDir());
    } catch (IOException e) {
      throw new ConfigException("configuration key 'data_dir' must be a directory that can be created and written (" + config.dataDir() + ": " + e.getMessage() + ")", e);
    }
    Store store;
    try {
      store = Store.open(config.databaseUrl(), config.databaseUser(), config.databasePassword(), config.databasePoolSize(), clock);
    } catch (com.plenary.privacy.store.StoreException e) {
      throw new ConfigException("configuration key 'database.url' names a database that cannot be used: " + e.getMessage(), e);
    }
    SubjectKeys keyStore;
    try {
      keyStore = SubjectKeys.open(config.keystoreUrl(), config.keystoreUser(), config.keystorePassword(), clock);
    } catch (com.plenary.privacy.store.StoreException e) {
      store.close();
      throw new ConfigException("configuration key 'keystore.url' names a key store that cannot be used: " + e.getMessage(), e);
    }
    try {
      return new Platform(config, policy, store, LocalIssuer.open(config.dataDir(), clock), Keys.local(config.keyDir()), keyStore, clock);
    } catch (RuntimeException e) {
      store.close();
      keyStore.close();
      throw e;
    }
  }

  public Config config() {
    return config;
  }

  public Policy policy() {
    return policy;
  }

  public DecisionEngine engine() {
    return engine;
  }

  public Store store() {
    return store;
  }

  public LocalIssuer issuer() {
    return issuer;
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

  /** The personal data vault: the one enforcement point for personal data. */
  public Vault vault() {
    return vault;
  }

  @Override
  public void close() {
    store.close();
    keyStore.close();
  }
}
