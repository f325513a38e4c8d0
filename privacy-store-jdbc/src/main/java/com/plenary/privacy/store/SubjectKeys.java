package com.plenary.privacy.store;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;

/**
 * The key store: people's wrapped data keys, in a database of their own so that a backup of the
 * personal data holds ciphertext only. Deleting a key here shreds that person's data in every
 * backup of the data database. Thread-safe; close it to release its pool.
 */
public final class SubjectKeys implements AutoCloseable {
  /** A wrapped key and the master key version that wrapped it. */
  public record Wrapped(byte[] wrapped, int version) {}

  private final HikariDataSource dataSource;
  private final Jdbi jdbi;
  private final Clock clock;

  private SubjectKeys(HikariDataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.jdbi = Jdbi.create(dataSource);
    this.clock = clock;
  }

  public static SubjectKeys open(String url, String user, String password, Clock clock) {
    HikariDataSource ds = Store.pool(url, user, password, 4, "plenary-keys", "the key store");
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/keystore").table("flyway_keystore_history").load().migrate();
    } catch (FlywayException e) {
      ds.close();
      throw new StoreException("cannot migrate the key store at " + Store.redact(url) + ": " + e.getMessage(), e);
    }
    return new SubjectKeys(ds, clock);
  }

  /** The embedded H2 key store file's size and live share; empty when it is not one. */
  public Optional<H2Files.FileUse> fileUse() {
    return H2Files.use(dataSource);
  }

  public void put(String subjectId, byte[] wrapped, int version) {
    jdbi.useHandle(h -> h.createUpdate("INSERT INTO subject_key (subject_id, wrapped, version, created_at) VALUES (:id, :w, :v, :at)")
        .bind("id", subjectId).bind("w", wrapped).bind("v", version).bind("at", clock.instant().atOffset(ZoneOffset.UTC)).execute());
  }

  public Optional<Wrapped> get(String subjectId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT wrapped, version FROM subject_key WHERE subject_id = :id").bind("id", subjectId)
        .map((rs, ctx) -> new Wrapped(rs.getBytes("wrapped"), rs.getInt("version"))).findOne());
  }

  /** The wrapped keys of {@code subjectIds}, in one look-up; a person without a key is missing from the answer. */
  public Map<String, Wrapped> getAll(Collection<String> subjectIds) {
    if (subjectIds.isEmpty()) {
      return Map.of();
    }
    Map<String, Wrapped> out = new HashMap<>();
    jdbi.useHandle(h -> SqlLists.query(h, "SELECT subject_id, wrapped, version FROM subject_key WHERE subject_id IN (<ids>)", "ids", subjectIds)
        .map((rs, ctx) -> Map.entry(rs.getString(1), new Wrapped(rs.getBytes(2), rs.getInt(3)))).forEach(e -> out.put(e.getKey(), e.getValue())));
    return out;
  }

  /** Destroys a person's key; returns whether there was one. */
  public boolean delete(String subjectId) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM subject_key WHERE subject_id = :id").bind("id", subjectId).execute()) > 0;
  }

  /** Up to {@code limit} keys not wrapped by {@code version}. */
  public List<Map.Entry<String, byte[]>> notAtVersion(int version, int limit) {
    return jdbi.withHandle(h -> h.createQuery("SELECT subject_id, wrapped FROM subject_key WHERE version <> :v ORDER BY subject_id LIMIT :n")
        .bind("v", version).bind("n", limit).map((rs, ctx) -> Map.entry(rs.getString("subject_id"), rs.getBytes("wrapped"))).list());
  }

  /** Replaces a wrapped key only if it is still the one read (so a concurrent erasure is never undone). */
  public boolean replace(String subjectId, byte[] old, byte[] wrapped, int version) {
    return jdbi.withHandle(h -> h.createUpdate("UPDATE subject_key SET wrapped = :w, version = :v WHERE subject_id = :id AND wrapped = :old")
        .bind("w", wrapped).bind("v", version).bind("id", subjectId).bind("old", old).execute()) > 0;
  }

  public int count() {
    return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM subject_key").mapTo(Integer.class).one());
  }

  public boolean ready() {
    try (var c = dataSource.getConnection()) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
