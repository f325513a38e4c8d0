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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collected events through Kafka: an idempotent producer with {@code acks=all} publishes each event
 * keyed by its person or browser (so one visitor's events stay in order on one partition), and
 * {@link KafkaIngest} consumers write them into the store. The group's lag is measured every few
 * seconds with an admin client: log end offsets against the group's committed ones, whichever
 * process consumes. Thread-safe.
 */
final class KafkaEventStream implements EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaEventStream.class);
  private static final Duration LAG_EVERY = Duration.ofSeconds(2);

  private final KafkaSettings settings;
  private final String clientId;
  private final Producer<String, byte[]> producer;
  /** Completes acknowledged futures off the producer's network thread, which must not write HTTP answers. */
  private final ExecutorService acks;
  private final ScheduledExecutorService lagTimer;
  private volatile Admin admin;
  private volatile long lag = -1;

  private KafkaEventStream(KafkaSettings settings) {
    this.settings = settings;
    this.clientId = "plenary-" + host() + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.producer = new KafkaProducer<>(settings.producer(clientId + "-producer"));
    AtomicInteger n = new AtomicInteger();
    this.acks = Executors.newFixedThreadPool(2, r -> daemon(r, "plenary-kafka-ack-" + n.getAndIncrement()));
    this.lagTimer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "plenary-kafka-lag"));
    lagTimer.execute(this::prepareTopic);
    lagTimer.scheduleWithFixedDelay(this::measureLag, 0, LAG_EVERY.toMillis(), TimeUnit.MILLISECONDS);
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

  private Admin admin() {
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
