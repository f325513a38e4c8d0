package com.plenary.privacy.server.internal;

import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.UsageEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the collector: requests that arrive while the previous group commits share the
 * next transaction, and each request waits for its group's commit before it is answered, so nothing
 * acknowledged is lost. The queue is bounded: when the store falls behind, {@link #submit} refuses
 * with 503 and Retry-After instead of queueing without bound.
 */
public final class Collector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
  static final int BATCH = 500;
  /** No artificial wait: a group is what arrived while the previous one committed (measured better than 0.5 or 2 ms). */
  static final long LINGER_MICROS = 0;

  private record Pending(UsageEvents.Prepared event, CompletableFuture<Void> done) {}

  private final UsageEvents usage;
  private final BlockingQueue<Pending> queue;
  private final Thread writer;
  private volatile boolean running = true;

  public Collector(UsageEvents usage, int capacity) {
    this.usage = usage;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = new Thread(this::run, "plenary-collector");
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Prepares an event on the caller's thread (owner and sealing: the CPU work, done in parallel) and
   * queues it; the future completes when its group is committed, or fails with the reason.
   */
  public CompletableFuture<Void> submit(UsageEvents.Event event) {
    if (!running) {
      throw new HttpProblem(503, "shutting-down", "Shutting down", "the collector is stopping; retry shortly");
    }
    if (queue.remainingCapacity() == 0) {
      throw new HttpProblem(503, "overloaded", "Overloaded", "the store is behind; retry after the time Retry-After gives");
    }
    Pending p = new Pending(usage.prepare(List.of(event)).get(0), new CompletableFuture<>());
    if (!queue.offer(p)) {
      throw new HttpProblem(503, "overloaded", "Overloaded", "the store is behind; retry after the time Retry-After gives");
    }
    return p.done();
  }

  public int backlog() {
    return queue.size();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(BATCH);
    while (running || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(LINGER_MICROS);
        while (batch.size() < BATCH) {
          queue.drainTo(batch, BATCH - batch.size());
          long left = deadline - System.nanoTime();
          if (batch.size() >= BATCH || left <= 0) {
            break;
          }
          Pending next = queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        batch.clear();
      }
    }
  }

  private void commit(List<Pending> batch) {
    try {
      usage.store(batch.stream().map(Pending::event).toList());
      batch.forEach(p -> p.done().complete(null));
    } catch (RuntimeException e) {
      LOG.error("a group of {} events could not be stored; their requests fail", batch.size(), e);
      batch.forEach(p -> p.done().completeExceptionally(e));
    }
  }

  /** Stops taking events, stores what is queued, then returns. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.done().completeExceptionally(new HttpProblem(503, "shutting-down", "Shutting down", "the collector stopped"));
    }
  }
}
