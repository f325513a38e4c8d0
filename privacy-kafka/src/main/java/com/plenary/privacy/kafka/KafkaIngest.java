package com.plenary.privacy.kafka;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.store.UsageEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of the group, on a thread of its own: it polls a batch, writes it into the store in
 * one transaction ({@link UsageEvents#ingest}, idempotent by event id) and only then commits the
 * batch's offsets. So whatever stops it — a kill, a rebalance that takes its partitions, a database
 * that fails — the next owner of a partition starts at or before the first event not yet written,
 * and an event written twice is stored once: exactly once in effect. A batch that cannot be written
 * is read again from the last committed offsets after a back-off. A record that is not an encoded
 * event (nothing this platform published) is logged and skipped, never retried forever.
 */
final class KafkaIngest implements EventStream.Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaIngest.class);
  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final KafkaSettings settings;
  private final Consumer<String, byte[]> consumer;
  private final UsageEvents usage;
  private final Thread thread;
  private final AtomicLong ingested = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean running = true;

  private KafkaIngest(KafkaSettings settings, String clientId, UsageEvents usage) {
    this.settings = settings;
    this.consumer = new KafkaConsumer<>(settings.consumer(clientId));
    this.usage = usage;
    this.thread = new Thread(this::run, "plenary-kafka-ingest");
    this.thread.setDaemon(true);
  }

  static KafkaIngest start(KafkaSettings settings, String clientId, UsageEvents usage) {
    KafkaIngest ingest = new KafkaIngest(settings, clientId, usage);
    ingest.thread.start();
    return ingest;
  }

  private void run() {
    try {
      consumer.subscribe(List.of(settings.topic()), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          // nothing is in hand: each batch is written and committed before the next poll, where this runs
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          LOG.info("consuming {} partition(s) of {}", partitions.size(), settings.topic());
        }
      });
      long backoff = 100;
      while (running) {
        ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
        if (records.isEmpty()) {
          continue;
        }
        try {
          write(records);
          backoff = 100;
        } catch (WakeupException stopping) {
          throw stopping; // close() woke the commit: the rows are stored, the next owner finds them
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          LOG.error("a batch of {} events could not be written into the store; reading it again in {} ms", records.count(), backoff, e);
          rewind(records);
          sleep(backoff);
          backoff = Math.min(MAX_BACKOFF.toMillis(), backoff * 2);
        }
      }
    } catch (WakeupException stopping) {
      // close() woke the poll
    } catch (RuntimeException e) {
      LOG.error("the Kafka consumer stopped", e);
    } finally {
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        LOG.warn("closing the Kafka consumer: {}", e.toString());
      }
    }
  }

  /** The rows first, in one transaction; then the offsets after the last record of each partition. */
  private void write(ConsumerRecords<String, byte[]> records) {
    List<UsageEvents.Prepared> rows = new ArrayList<>(records.count());
    Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : records) {
      next.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        rows.add(UsageEvents.Prepared.decode(r.value()));
      } catch (InvalidInputException | NullPointerException e) {
        LOG.error("skipping a record that is not an encoded event (partition {}, offset {})", r.partition(), r.offset());
      }
    }
    int fresh = usage.ingest(rows);
    ingested.addAndGet(fresh);
    duplicates.addAndGet(rows.size() - fresh);
    try {
      consumer.commitSync(next);
    } catch (CommitFailedException | RebalanceInProgressException e) {
      // the partitions went to another consumer meanwhile: it reads these events again and finds them stored
      LOG.info("offsets not committed after a rebalance; the partitions' next owner finds these {} events stored", rows.size());
    }
  }

  /** Back to the last committed offset (or the group's reset point) of each partition in the failed batch. */
  private void rewind(ConsumerRecords<String, byte[]> records) {
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(records.partitions());
    for (TopicPartition p : records.partitions()) {
      if (!consumer.assignment().contains(p)) {
        continue;
      }
      OffsetAndMetadata c = committed.get(p);
      if (c != null) {
        consumer.seek(p, c);
      } else {
        consumer.seek(p, records.records(p).get(0).offset());
      }
    }
  }

  @Override
  public long ingested() {
    return ingested.get();
  }

  @Override
  public long duplicates() {
    return duplicates.get();
  }

  @Override
  public long failures() {
    return failures.get();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(15).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
