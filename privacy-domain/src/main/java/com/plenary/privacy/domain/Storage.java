package com.plenary.privacy.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The port the use cases reach the stores through. A use case does its work inside one transaction
 * ({@link #inTransaction}): the enforcer reads facts and writes its audit entry through the same
 * {@link Work}, so a decision, its audit entry and the data it governs commit or roll back together.
 * The store implements it; nothing here knows SQL, keys or files.
 */
public interface Storage {
  /** Runs {@code work} in one transaction; commits when it returns, rolls back when it throws. */
  <T> T inTransaction(Function<Work, T> work);

  /** Runs {@code work} in one transaction, as {@link #inTransaction}, for work that answers nothing. */
  default void useTransaction(Consumer<Work> work) {
    inTransaction(w -> {
      work.accept(w);
      return null;
    });
  }

  /**
   * Runs {@code work} in a transaction of its own, beside any the calling thread has open: the audit
   * entry of a refusal must commit although the refused use case's transaction rolls back.
   */
  <T> T inOwnTransaction(Function<Work, T> work);

  /** A one-way hash of a password for storage (slow on purpose); done before a transaction opens. */
  String hashPassword(String password);

  /**
   * Whether {@code password} is the one {@code hash} was made from (slow on purpose; done outside any
   * transaction). With no hash it does the same work and answers false, so an unknown address costs a
   * caller what a wrong password does.
   */
  boolean checkPassword(String password, String hash);

  /**
   * Takes up to {@code wanted} of what is left of {@code limit} within the sliding {@code window} of
   * {@code key}, atomically and for every node on the database at once; answers how many it took. Runs
   * in a short transaction of its own.
   */
  int takeRate(String key, int wanted, int limit, Duration window, Instant now);

  /** Gives back {@code n} that {@link #takeRate} took and did not use. */
  void giveBackRate(String key, int n);

  /** Waits until every usage event acknowledged so far is in the table, so a use case sees them all. */
  void settleEvents();

  /**
   * Destroys an owner's data key (a person's, a browser's, a partner record's) in the key store:
   * whatever was sealed with it can never be opened again. Idempotent.
   */
  void destroyKey(String owner);
}
