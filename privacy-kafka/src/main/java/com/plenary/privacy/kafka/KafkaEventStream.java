package com.plenary.privacy.kafka;

import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.store.UsageEvents;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collected events through Kafka: an idempotent producer with {@code acks=all} publishes each event
 * keyed by its person or browser (so one visitor's events stay in order on one partition), and
 * {@link KafkaIngest} consumers write them into the store. The group's lag is measured every few
 * seconds with an admin client: log end offsets against the group's committed ones, whichever
 * process consumes. A batch (a service's or a partner's) is one transaction of one of a few
 * transactional producers, so the group, reading {@code read_committed}, sees all of it or none.
 * Whether the brokers answer is checked with the admin client at most every few seconds. Thread-safe.
 */
final class KafkaEventStream implements EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaEventStream.class);
  private static final Duration LAG_EVERY = Duration.ofSeconds(2);
  /** How long a finding of {@link #reachable} stands before the next call checks again. */
  static final Duration REACHABLE_FOR = Duration.ofSeconds(3);
  /** The bound on one check of {@link #reachable}: a readiness probe waits at most this. */
  static final Duration REACH_TIMEOUT = Duration.ofSeconds(2);
  /** Transactional producers for batches, each with a thread of its own: batches published at once. */
  static final int BATCH_PRODUCERS = 4;
  /** Batches waiting for a transactional producer; beyond these a batch is refused at once. */
  static final int BATCHES_WAITING = 64;

  private final KafkaSettings settings;
  private final String clientId;
  private final Producer<String, byte[]> producer;
  /** Completes acknowledged futures off the producer's network thread, which must not write HTTP answers. */
  private final ExecutorService acks;
  private final ScheduledExecutorService lagTimer;
  private volatile Admin admin;
  private volatile long lag = -1;
  private final ThreadPoolExecutor batches;
  /**
   * The transactional producers' slots: a slot's producer is made on first use with the
   * transactional id {@code <client>-tx-<slot>}, and made anew with the same id after a failure, which
   * fences the old one and aborts its open transaction at once.
   */
  private final BlockingQueue<Slot> slots = new ArrayBlockingQueue<>(BATCH_PRODUCERS);
  private final Object reachLock = new Object();
  private volatile long reachCheckedAt;
  private volatile boolean reachChecked;
  private volatile boolean reachable;

  private static final class Slot {
    final int index;
    Producer<String, byte[]> producer;

    Slot(int index) {
      this.index = index;
    }
  }

  private KafkaEventStream(KafkaSettings settings) {
    this.settings = settings;
    this.clientId = "plenary-" + host() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.producer = new KafkaProducer<>(settings.producer(clientId + "-producer"));
    AtomicInteger n = new AtomicInteger();
    this.acks = Executors.newFixedThreadPool(2, r -> daemon(r, "plenary-kafka-ack-" + n.getAndIncrement()));
    this.lagTimer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "plenary-kafka-lag"));
    lagTimer.execute(this::prepareTopic);
    lagTimer.scheduleWithFixedDelay(this::measureLag, 0, LAG_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    AtomicInteger b = new AtomicInteger();
    this.batches = new ThreadPoolExecutor(BATCH_PRODUCERS, BATCH_PRODUCERS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(BATCHES_WAITING),
        r -> daemon(r, "plenary-kafka-batch-" + b.getAndIncrement()));
    for (int i = 0; i < BATCH_PRODUCERS; i++) {
      slots.add(new Slot(i));
    }
  }

  static KafkaEventStream open(KafkaSettings settings) {
    LOG.info("collector sink: Kafka {}", settings);
    return new KafkaEventStream(settings);
  }

  @Override
  public CompletableFuture<Void> publish(UsageEvents.Prepared event) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      producer.send(new ProducerRecord<>(settings.topic(), event.streamKey(), event.encode()), (metadata, failure) -> {
        Runnable complete = failure == null ? () -> done.complete(null) : () -> done.completeExceptionally(failure);
        try {
          acks.execute(complete);
        } catch (RejectedExecutionException closing) {
          complete.run();
        }
      });
    } catch (KafkaException | IllegalStateException e) {
      // no metadata within max.block.ms (the broker is unreachable), or the producer is closed
      boolean late = e instanceof org.apache.kafka.common.errors.TimeoutException; // qualified: beside java.util.concurrent's TimeoutException
      done.completeExceptionally(late ? new TimeoutException(e.getMessage()) : e);
    }
    // the producer's delivery timeout fails the record at the same moment; this is the bound should it not
    return done.orTimeout(settings.ackTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletableFuture<Void> publishAll(List<UsageEvents.Prepared> events) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      batches.execute(() -> publishInOneTransaction(events, done));
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(new TimeoutException("every transactional producer is busy and " + BATCHES_WAITING + " batches wait for one"));
    }
    // the batch's commit is bounded by max.block.ms; this is the bound should it not be
    return done.orTimeout(3 * settings.ackTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
  }

  /**
   * On a batch thread: one transaction of a slot's producer. A failure aborts the transaction; when
   * even that fails, or the producer is fenced, the slot's producer is closed and made anew on the
   * slot's next use.
   */
  private void publishInOneTransaction(List<UsageEvents.Prepared> events, CompletableFuture<Void> done) {
    Slot slot = slots.poll(); // one slot a batch thread: never empty here
    if (slot == null) {
      done.completeExceptionally(new IllegalStateException("no transactional producer slot"));
      return;
    }
    boolean begun = false;
    try {
      if (slot.producer == null) {
        Producer<String, byte[]> p = new KafkaProducer<>(settings.transactional(clientId + "-tx-" + slot.index));
        slot.producer = p;
        p.initTransactions();
      }
      slot.producer.beginTransaction();
      begun = true;
      for (UsageEvents.Prepared event : events) {
        slot.producer.send(new ProducerRecord<>(settings.topic(), event.streamKey(), event.encode()));
      }
      slot.producer.commitTransaction(); // flushes and waits for every in-sync replica's acknowledgement
      done.complete(null);
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException fatal) {
      discard(slot);
      done.completeExceptionally(fatal);
    } catch (KafkaException | IllegalStateException e) {
      if (begun) {
        try {
          slot.producer.abortTransaction();
        } catch (KafkaException | IllegalStateException again) {
          discard(slot);
        }
      } else {
        discard(slot); // not initialised (the brokers are away): made anew next time
      }
      boolean late = e instanceof org.apache.kafka.common.errors.TimeoutException; // qualified: beside java.util.concurrent's TimeoutException
      done.completeExceptionally(late ? new TimeoutException(e.getMessage()) : e);
    } finally {
      slots.add(slot);
    }
  }

  private static void discard(Slot slot) {
    if (slot.producer != null) {
      try {
        slot.producer.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("closing a transactional producer: {}", e.toString());
      }
      slot.producer = null;
    }
  }

  @Override
  public boolean reachable() {
    if (reachChecked && System.nanoTime() - reachCheckedAt < REACHABLE_FOR.toNanos()) {
      return reachable;
    }
    synchronized (reachLock) {
      if (reachChecked && System.nanoTime() - reachCheckedAt < REACHABLE_FOR.toNanos()) {
        return reachable; // another caller checked meanwhile
      }
      boolean answered;
      try {
        answered = !admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) REACH_TIMEOUT.toMillis())).nodes()
            .get(REACH_TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS).isEmpty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answered = false;
      } catch (Exception e) {
        answered = false;
        LOG.debug("the brokers do not answer: {}", e.toString());
      }
      reachable = answered;
      reachCheckedAt = System.nanoTime();
      reachChecked = true;
      return answered;
    }
  }

  @Override
  public EventStream.Ingest ingest(UsageEvents usage) {
    return KafkaIngest.start(settings, clientId + "-consumer", usage);
  }

  @Override
  public long lag() {
    return lag;
  }

  /**
   * Creates the topic when it does not exist yet, with the brokers' defaults for partitions and
   * replication (set {@code default.replication.factor} and {@code min.insync.replicas} on the brokers,
   * or create it beforehand: see operations.md), and fetches its metadata so the first beacon does not
   * wait for it.
   */
  private void prepareTopic() {
    try {
      Admin a = admin();
      if (!a.listTopics().names().get(10, TimeUnit.SECONDS).contains(settings.topic())) {
        a.createTopics(List.of(new NewTopic(settings.topic(), Optional.empty(), Optional.empty()))).all().get(10, TimeUnit.SECONDS);
        LOG.info("created the topic {} with the brokers' default partitions and replication", settings.topic());
      }
      producer.partitionsFor(settings.topic());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // another node created it meanwhile, or the brokers are away: the first publish finds out
      LOG.debug("preparing the topic {}: {}", settings.topic(), e.toString());
    }
  }

  private synchronized Admin admin() {
    Admin a = admin;
    if (a == null) {
      a = Admin.create(settings.admin(clientId + "-admin"));
      admin = a;
    }
    return a;
  }

  /** Sums, over the topic's partitions, the log end offset less the group's committed offset (the earliest offset where it has none). */
  private void measureLag() {
    try {
      Admin a = admin();
      Map<String, TopicDescription> topics = a.describeTopics(Set.of(settings.topic())).allTopicNames().get(5, TimeUnit.SECONDS);
      Set<TopicPartition> partitions = topics.get(settings.topic()).partitions().stream()
          .map(p -> new TopicPartition(settings.topic(), p.partition())).collect(Collectors.toSet());
      Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(settings.groupId()).partitionsToOffsetAndMetadata()
          .get(5, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = a.listOffsets(
          partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()))).all().get(5, TimeUnit.SECONDS);
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = a.listOffsets(
          partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.earliest()))).all().get(5, TimeUnit.SECONDS);
      long total = 0;
      for (TopicPartition p : partitions) {
        OffsetAndMetadata c = committed.get(p);
        long from = c != null ? c.offset() : starts.get(p).offset();
        total += Math.max(0, ends.get(p).offset() - from);
      }
      lag = total;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // the topic may not exist before the first event, or the broker is away: unknown, not zero
      lag = -1;
      LOG.debug("cannot measure the consumer group's lag: {}", e.toString());
    }
  }

  @Override
  public void close() {
    lagTimer.shutdownNow();
    batches.shutdown();
    try {
      batches.awaitTermination(settings.ackTimeout().toMillis() * 3, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Slot slot : slots) {
      if (slot.producer != null) {
        try {
          slot.producer.close(settings.ackTimeout());
        } catch (RuntimeException e) {
          LOG.warn("closing a transactional Kafka producer: {}", e.toString());
        }
      }
    }
    try {
      producer.close(settings.ackTimeout());
    } catch (RuntimeException e) {
      LOG.warn("closing the Kafka producer: {}", e.toString());
    }
    Admin a = admin;
    if (a != null) {
      a.close(Duration.ofSeconds(2));
    }
    acks.shutdown();
    try {
      acks.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "");
    } catch (UnknownHostException e) {
      return "node";
    }
  }
}
