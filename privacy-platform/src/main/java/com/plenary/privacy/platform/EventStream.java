package com.plenary.privacy.platform;

import com.plenary.privacy.store.UsageEvents;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The collector's sink beyond the database ({@code collector.sink: kafka}): a durable, partitioned
 * stream that collected events are published to, and a consumer group that writes them from there
 * into the store. Events cross it only as {@link UsageEvents.Prepared} rows, whose details are
 * already sealed with their owner's key: the stream never holds plaintext personal data.
 * Thread-safe; close it to flush and release its connections.
 */
public interface EventStream extends AutoCloseable {
  /**
   * Publishes one event. The future completes once the stream has it durably (for Kafka: the
   * acknowledgement of every in-sync replica), and fails — with a {@link java.util.concurrent.TimeoutException}
   * when no acknowledgement came in time — otherwise; only a completed event may be acknowledged to
   * its sender.
   */
  CompletableFuture<Void> publish(UsageEvents.Prepared event);

  /**
   * Publishes a batch as one (a service's or a partner's batch of events): the consumer group is
   * given all of its events or none of them (for Kafka: one transaction of a transactional producer,
   * read by a {@code read_committed} group). The future completes once the whole batch is durable and
   * fails as {@link #publish}'s does otherwise, its events then withdrawn — unless only the answer to
   * the commit was lost, when they may still arrive: a sender told to retry may send them twice, as
   * with a single event.
   */
  CompletableFuture<Void> publishAll(List<UsageEvents.Prepared> events);

  /**
   * Whether the stream's brokers answer, as last found: one check, bounded by a short timeout, every
   * few seconds whoever asks, so that a readiness probe calling this stays cheap.
   */
  boolean reachable();

  /**
   * Joins the consumer group and writes what it is given into {@code usage} ({@link UsageEvents#ingest}:
   * by event id, so an event delivered twice is stored once), committing the stream's position only
   * after the rows. Runs on a thread of its own until the returned handle is closed.
   */
  Ingest ingest(UsageEvents usage);

  /**
   * Events published and not yet written by the consumer group (summed over partitions, whichever
   * process consumes them), as last measured; -1 before the first measurement or when the stream
   * cannot be reached.
   */
  long lag();

  /** Flushes what is being published and closes the clients. */
  @Override
  void close();

  /** A running consumer of the group. Closing it stops it after its current batch and leaves the group. */
  interface Ingest extends AutoCloseable {
    /** Events this consumer wrote that were new to the table. */
    long ingested();

    /**
     * Events it was given and did not write: the table held them already (delivered again after a
     * rebalance or a restart), or their owner was erased while they waited in the stream.
     */
    long duplicates();

    /** Batches whose writing failed (each is tried again from the last committed position). */
    long failures();

    @Override
    void close();
  }
}
