package com.plenary.privacy.store;

import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.store.crypto.Passwords;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** The domain's {@link Storage} over the store's database and the key store. Thread-safe. */
final class JdbcStorage implements Storage {
  private final Jdbi jdbi;
  private final AuditLog audit;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final UsageEvents usage;
  private final RateWindows rates;

  JdbcStorage(Jdbi jdbi, AuditLog audit, Keys keys, SubjectKeys keyStore, UsageEvents usage, RateWindows rates) {
    this.rates = rates;
    this.jdbi = jdbi;
    this.audit = audit;
    this.keys = keys;
    this.keyStore = keyStore;
    this.usage = usage;
  }

  @Override
  public <T> T inTransaction(Function<Work, T> work) {
    return jdbi.inTransaction(h -> work.apply(new JdbcWork(h, audit, keys, keyStore, usage)));
  }

  @Override
  public <T> T inOwnTransaction(Function<Work, T> work) {
    // a new handle, not jdbi.inTransaction: that would join the caller's transaction on this thread
    try (Handle own = jdbi.open()) {
      return own.inTransaction(h -> work.apply(new JdbcWork(h, audit, keys, keyStore, usage)));
    }
  }

  @Override
  public String hashPassword(String password) {
    return Passwords.hash(password);
  }

  @Override
  public boolean checkPassword(String password, String hash) {
    if (hash == null) {
      Passwords.burn(password);
      return false;
    }
    return Passwords.verify(password, hash);
  }

  @Override
  public int takeRate(String key, int wanted, int limit, Duration window, Instant now) {
    return rates.take(key, wanted, limit, window, now);
  }

  @Override
  public void giveBackRate(String key, int n) {
    rates.giveBack(key, n);
  }

  @Override
  public void settleEvents() {
    usage.settle();
  }

  @Override
  public void destroyKey(String owner) {
    keyStore.delete(owner);
    usage.forget(owner);
  }
}
