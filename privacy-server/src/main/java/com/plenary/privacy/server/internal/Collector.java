package com.plenary.privacy.server.internal;

import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.UsageEvents;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for the collector: requests that arrive while a group commits share the next
 * transaction, and each request waits for its group's commit before it is answered, so nothing
 * acknowledged is lost. (With the collector's journal on — the embedded H2 default — "commit" is the
 * group's durable append to the journal; see {@code UsageEvents.startJournal}.) Several writers (each with its own connection) take groups from one queue,
 * so a request that arrives while one group waits for its commit is taken by the next writer at once
 * instead of waiting for that commit too. The queue is bounded: when the store falls behind,
 * {@link #submit} refuses with 503 and Retry-After instead of queueing without bound.
 *
 * <p>With {@code collector.sink: kafka} there are no writers: each event is sealed on the request's
 * thread and published to the {@link EventStream}, and its request is answered once the broker has
 * acknowledged it (every in-sync replica); the stream's consumer group writes it into the table.
 * At most {@code capacity} events wait for an acknowledgement at once; beyond that, and when no
 * acknowledgement comes within {@code kafka.ack_timeout}, the answer is 503 and the event is not
 * acknowledged.
 */
public final class Collector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
  static final int BATCH = 500;
  /** No artificial wait: a group is what arrived while the previous one committed (measured better than 0.5 or 2 ms). */
  static final long LINGER_MICROS = 0;

  private record Pending(UsageEvents.Prepared event, CompletableFuture<Void> done, long queuedAt) {}

  private final UsageEvents usage;
  /** The event stream events are published to, or null: then the writers store them. */
  private final EventStream stream;
  private final int capacity;
  private final AtomicInteger unacknowledged = new AtomicInteger();
  private final AtomicLong unacknowledgedTotal = new AtomicLong();
  private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(1));
  private final BlockingQueue<Pending> queue;
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean running = true;

  /**
   * Completes the futures of a committed group. Completing one writes its HTTP answer (the request
   * waits asynchronously), which must not happen on the writer: it would delay the next commit by a
   * whole group's answers.
   */
  private final ExecutorService replies;
  private final int replyThreads;
  private final Timer waited;
  private final Timer committed;
  private final DistributionSummary groups;

  /** Metrics: how long beacons wait for a writer, how long each group takes to commit, and how large groups are. */
  public Collector(UsageEvents usage, int capacity, int writers, MeterRegistry metrics) {
    this(usage, null, capacity, writers, metrics);
  }

  /** Publishing to {@code stream}: answers wait for the broker's acknowledgement, at most {@code capacity} at once. */
  public Collector(UsageEvents usage, EventStream stream, int capacity, MeterRegistry metrics) {
    this(usage, stream, capacity, 0, metrics);
  }

  private Collector(UsageEvents usage, EventStream stream, int capacity, int writers, MeterRegistry metrics) {
    this.usage = usage;
    this.stream = stream;
    this.capacity = capacity;
    this.waited = Timer.builder("plenary_collector_wait").description("Time a beacon waits in the queue for a writer")
        .publishPercentiles(0.5, 0.9, 0.99).register(metrics);
    this.committed = Timer.builder("plenary_collector_commit").description("Time to store and commit one group of events")
        .publishPercentiles(0.5, 0.9, 0.99).register(metrics);
    this.groups = DistributionSummary.builder("plenary_collector_group_size").description("Events per committed group")
        .publishPercentiles(0.5, 0.9, 0.99).register(metrics);
    this.queue = new ArrayBlockingQueue<>(capacity);
    AtomicInteger named = new AtomicInteger();
    this.replyThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.replies = Executors.newFixedThreadPool(replyThreads, r -> {
      Thread t = new Thread(r, "plenary-reply-" + named.getAndIncrement());
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < writers; i++) {
      Thread writer = new Thread(this::run, "plenary-collector-" + i);
      writer.setDaemon(true);
      writer.start();
      this.writers.add(writer);
    }
  }

  /**
   * Prepares an event on the caller's thread (owner and sealing: the CPU work, done in parallel) and
   * queues it; the future completes when its group is committed, or fails with the reason.
   */
  public CompletableFuture<Void> submit(UsageEvents.Event event) {
    if (!running) {
      throw new HttpProblem(503, "shutting-down", "Shutting down", "the collector is stopping; retry shortly");
    }
    if (stream != null) {
      return publish(event);
    }
    if (queue.remainingCapacity() == 0) {
      throw new HttpProblem(503, "overloaded", "Overloaded", "the store is behind; retry after the time Retry-After gives");
    }
    Pending p = new Pending(usage.prepare(List.of(event)).get(0), new CompletableFuture<>(), System.nanoTime());
    if (!queue.offer(p)) {
      throw new HttpProblem(503, "overloaded", "Overloaded", "the store is behind; retry after the time Retry-After gives");
    }
    return p.done();
  }

  private CompletableFuture<Void> publish(UsageEvents.Event event) {
    if (unacknowledged.incrementAndGet() > capacity) {
      unacknowledged.decrementAndGet();
      throw new HttpProblem(503, "overloaded", "Overloaded", "the event stream is behind; retry after the time Retry-After gives");
    }
    long start = System.nanoTime();
    CompletableFuture<Void> acknowledged;
    try {
      acknowledged = stream.publish(usage.prepare(List.of(event)).get(0));
    } catch (RuntimeException e) {
      unacknowledged.decrementAndGet();
      throw e;
    }
    return acknowledged(acknowledged, start);
  }

  /**
   * Stores a batch of a service or a partner, all of it or none, and answers how many events it
   * stored. On the database, in one transaction before this returns; with an event stream, published
   * as one batch ({@link EventStream#publishAll}), the future completing once the broker has
   * acknowledged all of it. Counts towards the events waiting for acknowledgement by its size (a batch
   * larger than the capacity passes when nothing else waits).
   */
  public CompletableFuture<Integer> submitBatch(List<UsageEvents.Event> events) {
    if (!running) {
      throw new HttpProblem(503, "shutting-down", "Shutting down", "the collector is stopping; retry shortly");
    }
    if (stream == null) {
      return CompletableFuture.completedFuture(usage.append(events));
    }
    int n = events.size();
    int waiting = unacknowledged.addAndGet(n);
    if (waiting > capacity && waiting != n) {
      unacknowledged.addAndGet(-n);
      throw new HttpProblem(503, "overloaded", "Overloaded", "the event stream is behind; retry after the time Retry-After gives");
    }
    long start = System.nanoTime();
    CompletableFuture<Void> acknowledged;
    try {
      acknowledged = stream.publishAll(usage.prepare(events));
    } catch (RuntimeException e) {
      unacknowledged.addAndGet(-n);
      throw e;
    }
    return acknowledged(acknowledged, start, n).thenApply(ok -> n);
  }

  private CompletableFuture<Void> acknowledged(CompletableFuture<Void> acknowledged, long start) {
    return acknowledged(acknowledged, start, 1);
  }

  /** What the request waits for: the stream's acknowledgement of {@code events} events, a failure turned into the 503 its sender is told. */
  private CompletableFuture<Void> acknowledged(CompletableFuture<Void> acknowledged, long start, int events) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    acknowledged.whenComplete((ok, failure) -> {
      unacknowledged.addAndGet(-events);
      if (failure == null) {
        committed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        done.complete(null);
        return;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      long refused = unacknowledgedTotal.addAndGet(events);
      long now = System.nanoTime();
      long last = lastWarned.get();
      if (now - last > TimeUnit.SECONDS.toNanos(10) && lastWarned.compareAndSet(last, now)) {
        // one line per ten seconds, not one per beacon, while the brokers are away
        LOG.warn("events not acknowledged by the event stream: {} so far, the latest because of {}", refused, cause.toString());
      }
      done.completeExceptionally(cause instanceof TimeoutException
          ? new HttpProblem(503, "unavailable", "Unavailable", "the event stream did not acknowledge the event in time; it is not recorded, retry")
          : new HttpProblem(503, "unavailable", "Unavailable", "the event stream refused the event; it is not recorded, retry"));
    });
    return done;
  }

  /** Beacons waiting: for a writer, or with an event stream for the broker's acknowledgement. */
  public int backlog() {
    return stream != null ? unacknowledged.get() : queue.size();
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
    long start = System.nanoTime();
    for (Pending p : batch) {
      waited.record(start - p.queuedAt(), TimeUnit.NANOSECONDS);
    }
    groups.record(batch.size());
    try {
      usage.store(batch.stream().map(Pending::event).toList());
      committed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      reply(batch, p -> p.done().complete(null));
    } catch (RuntimeException e) {
      LOG.error("a group of {} events could not be stored; their requests fail", batch.size(), e);
      reply(batch, p -> p.done().completeExceptionally(e));
    }
  }

  /** Hands the group's completions to the reply threads in one slice each (a task per answer cost more than the answer). */
  private void reply(List<Pending> batch, Consumer<Pending> completion) {
    List<Pending> all = List.copyOf(batch); // the writer reuses its list for the next group
    int slice = (all.size() + replyThreads - 1) / replyThreads;
    for (int from = 0; from < all.size(); from += slice) {
      List<Pending> part = all.subList(from, Math.min(all.size(), from + slice));
      Runnable task = () -> part.forEach(completion);
      try {
        replies.execute(task);
      } catch (RejectedExecutionException stopped) {
        task.run();
      }
    }
  }

  /** Stops taking events, stores what is queued, then returns. */
  @Override
  public void close() {
    running = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (stream != null && unacknowledged.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10); // acknowledgements still to come answer their requests
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Thread writer : writers) {
      try {
        writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Pending p;
    while ((p = queue.poll()) != null) {
      p.done().completeExceptionally(new HttpProblem(503, "shutting-down", "Shutting down", "the collector stopped"));
    }
    replies.shutdown();
    try {
      replies.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
