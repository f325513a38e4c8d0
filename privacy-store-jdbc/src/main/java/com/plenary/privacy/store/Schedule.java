package com.plenary.privacy.store;

import java.sql.SQLIntegrityConstraintViolationException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * The periods of the platform's scheduled jobs (retention, the audit sealer, policy-version notices…),
 * shared by every node on the database, so that a job runs once a period and not once a node.
 *
 * <p>A period is {@code [k·every, (k+1)·every)} since the epoch. {@link #claim} locks the job's row with
 * {@code SELECT … FOR UPDATE SKIP LOCKED} (PostgreSQL's own row lock, no lock service of ours): the node
 * that gets it and finds the period due moves the row on to the next period and commits, and runs the job;
 * a node that finds the row locked or not yet due does nothing. A node that dies while it runs the job
 * leaves that period done; the next period runs as usual (every job here is safe to run again). Each claim
 * is written to {@code job_run} (kept a day) with the node's id. Periods follow the machine's clock: the
 * nodes' clocks may differ by up to {@link #SKEW}; a clock set back further claims the period it is in.
 * Thread-safe.
 */
public final class Schedule {
  /** How long the history of runs is kept. */
  static final Duration KEPT = Duration.ofDays(1);
  /** How far apart the nodes' clocks may be without a period running twice. */
  static final Duration SKEW = Duration.ofMinutes(1);

  /** A claimed period: the job runs now, on this node. */
  public record Claim(String job, Instant period, String node) {}

  /** One row of the history: which node ran which period of a job. */
  public record Run(String job, Instant period, String node, Instant started) {}

  private final Jdbi jdbi;
  private final Clock clock;
  /** The jobs whose row this process has seen made; rows are never deleted. */
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  Schedule(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * Claims the current period of {@code job} for {@code node} when nobody has yet: answers the claim, or
   * empty when this period is another node's (or being claimed by one right now).
   */
  public Optional<Claim> claim(String job, Duration every, String node) {
    if (job == null || job.isBlank() || job.length() > 40) {
      throw new IllegalArgumentException("job must be 1 to 40 characters");
    }
    if (every.isNegative() || every.isZero()) {
      throw new IllegalArgumentException("every > 0");
    }
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    long ms = every.toMillis() == 0 ? 1 : every.toMillis();
    Instant period = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), ms) * ms);
    Instant next = period.plusMillis(ms);
    ensure(job, period);
    return jdbi.inTransaction(h -> {
      Optional<OffsetDateTime> due = h.createQuery("SELECT due_at FROM scheduled_job WHERE job = :job FOR UPDATE SKIP LOCKED").bind("job", job)
          .mapTo(OffsetDateTime.class).findOne();
      // a due time far ahead (more than two periods and a minute) is a clock that was set back: the period is claimed anew
      boolean setBack = due.isPresent() && due.get().toInstant().isAfter(next.plus(every.multipliedBy(2)).plus(SKEW));
      if (due.isEmpty() || due.get().toInstant().isAfter(period) && !setBack) {
        return Optional.empty();
      }
      h.createUpdate("UPDATE scheduled_job SET due_at = :next WHERE job = :job").bind("next", utc(next)).bind("job", job).execute();
      h.createUpdate("INSERT INTO job_run (job, period_at, node_id, started_at) VALUES (:job, :period, :node, :at)").bind("job", job)
          .bind("period", utc(period)).bind("node", node).bind("at", utc(now)).execute();
      h.createUpdate("DELETE FROM job_run WHERE job = :job AND period_at < :cutoff").bind("job", job).bind("cutoff", utc(now.minus(KEPT))).execute();
      return Optional.of(new Claim(job, period, node));
    });
  }

  /** The runs of {@code job} since {@code since}, oldest period first. */
  public List<Run> runs(String job, Instant since) {
    return jdbi.withHandle(h -> h.createQuery("SELECT job, period_at, node_id, started_at FROM job_run WHERE job = :job AND period_at >= :since "
            + "ORDER BY period_at, started_at").bind("job", job).bind("since", utc(since))
        .map((rs, ctx) -> new Run(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3),
            rs.getObject(4, OffsetDateTime.class).toInstant())).list());
  }

  /** Makes the job's row the first time it is claimed; two nodes doing so at once make one. */
  private void ensure(String job, Instant period) {
    if (known.contains(job)) {
      return;
    }
    jdbi.useHandle(h -> {
      if (h.createQuery("SELECT COUNT(*) FROM scheduled_job WHERE job = :job").bind("job", job).mapTo(Integer.class).one() > 0) {
        return;
      }
      insertIfAbsent(h, "scheduled_job", "job", job, "due_at", utc(period));
    });
    known.add(job);
  }

  /**
   * Inserts a row of a key and one value unless the key is there, so that two nodes (or threads) inserting
   * at once never fail on the key: {@code ON CONFLICT DO NOTHING} on PostgreSQL; on H2, whose statement
   * failure leaves the transaction usable, the insert that loses the race is ignored.
   */
  static void insertIfAbsent(Handle h, String table, String keyColumn, Object key, String column, Object value) {
    String columns = column == null ? keyColumn : keyColumn + ", " + column;
    String values = column == null ? ":k" : ":k, :v";
    boolean postgres = SqlLists.postgres(h);
    String sql = "INSERT INTO " + table + " (" + columns + ") " + (postgres ? "VALUES (" + values + ") ON CONFLICT (" + keyColumn + ") DO NOTHING"
        : "SELECT " + values + " FROM (VALUES (1)) AS one (x) WHERE NOT EXISTS (SELECT 1 FROM " + table + " WHERE " + keyColumn + " = :k)");
    var update = h.createUpdate(sql).bind("k", key);
    if (column != null) {
      update.bind("v", value);
    }
    try {
      update.execute();
    } catch (UnableToExecuteStatementException e) {
      if (postgres || !(e.getCause() instanceof SQLIntegrityConstraintViolationException)) {
        throw e;
      }
      // H2: another thread inserted the same key between the check and the insert; its row serves
    }
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
