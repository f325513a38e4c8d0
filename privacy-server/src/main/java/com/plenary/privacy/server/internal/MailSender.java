package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.messages.MailTransport;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's sender: {@code mail.senders} threads that deliver the outbox's due messages through the
 * configured transport (SMTP, or the mail drop folder when none is configured), every quarter second
 * and at once when a message is queued, each its own share of the outbox, {@code mail.send_batch}
 * messages a claim and a connection, batch after batch while full ones are due (each batch's marks
 * written with the claim of the next); and marks as uncertain the messages a stopped sender left
 * half-sent. The use case itself (claim, decide again, open the address, mark) is the domain's
 * ({@link Messages#deliverDue}); this class only runs it. Logs carry
 * counts and ids, never addresses.
 */
public final class MailSender implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MailSender.class);
  /** A message "sending" for longer than this was left by a sender that stopped: longer than any SMTP timeout. */
  static final Duration INTERRUPTED_AFTER = Duration.ofMinutes(2);
  /** Log lines of what was delivered come at most this often. */
  private static final Duration LOG_EVERY = Duration.ofSeconds(10);

  private final Messages messages;
  private final MailTransport transport;
  private final Clock clock;
  private final int senders;
  private final int batch;
  private final AtomicInteger threads = new AtomicInteger();
  private final ScheduledExecutorService thread;
  private final Counter sent;
  private final Counter deferred;
  private final Counter failed;
  private final Counter withdrawn;
  private final Object wake = new Object();
  private volatile boolean stopped;
  private final int[] unlogged = new int[4];
  private long loggedAt = System.nanoTime() - LOG_EVERY.toNanos();
  private final AtomicBoolean[] poked;

  private MailSender(Messages messages, MailTransport transport, Clock clock, MeterRegistry metrics, int senders, int batch) {
    this.senders = senders;
    this.batch = batch;
    this.poked = new AtomicBoolean[senders];
    for (int i = 0; i < senders; i++) {
      poked[i] = new AtomicBoolean();
    }
    // the senders, and one more for the sweep, so a sweep never waits behind a slow mail server
    this.thread = Executors.newScheduledThreadPool(senders + 1, r -> {
      Thread t = new Thread(r, "plenary-mail-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.messages = messages;
    this.transport = transport;
    this.clock = clock;
    this.sent = Counter.builder("plenary_messages").tag("outcome", "sent").description("Messages the mail server accepted").register(metrics);
    this.deferred = Counter.builder("plenary_messages").tag("outcome", "deferred").description("Attempts that failed for now; tried again with back-off").register(metrics);
    this.failed = Counter.builder("plenary_messages").tag("outcome", "bounced").description("Messages given up on (a 5xx reply, or every attempt failed)").register(metrics);
    this.withdrawn = Counter.builder("plenary_messages").tag("outcome", "withdrawn").description("Queued messages stopped at send time by a new decision").register(metrics);
    Supplier<MessageRecords.Stats> stats = recent(messages::stats);
    for (MessageRecords.Status s : MessageRecords.Status.values()) {
      Gauge.builder("plenary_outbox_messages", () -> stats.get().byStatus().getOrDefault(s, 0L)).tag("status", s.name().toLowerCase(Locale.ROOT))
          .description("Messages in the outbox by status").register(metrics);
    }
    Gauge.builder("plenary_outbox_oldest_age_seconds", () -> {
      Instant oldest = stats.get().oldestQueued();
      return oldest == null ? 0 : Duration.between(oldest, clock.instant()).toMillis() / 1000.0;
    }).description("Age of the oldest message still queued").baseUnit("seconds").register(metrics);
  }

  /** The transport the configuration names: SMTP when {@code mail.smtp.host} is set, else the mail drop under the data directory. */
  public static MailTransport transport(Config config, String baseUrl, UnsubscribeTokens tokens, Clock clock) {
    MimeMessages mime = new MimeMessages(config.mailFrom(), baseUrl, tokens, clock);
    if (config.smtpHost() == null) {
      return new MailDrop(mailDrop(config), mime);
    }
    return new SmtpTransport(config.smtpHost(), config.smtpPort(), config.smtpStartTls(), config.smtpUser(), config.smtpPassword(), mime);
  }

  /** The folder of the mail drop: {@code data_dir/mail-drop}. */
  public static Path mailDrop(Config config) {
    return config.dataDir().resolve("mail-drop");
  }

  /** Starts {@code senders} sender threads, each claiming and handing over {@code batch} messages at a time. */
  public static MailSender start(Messages messages, MailTransport transport, Clock clock, MeterRegistry metrics, int senders, int batch) {
    MailSender s = new MailSender(messages, transport, clock, metrics, senders, batch);
    for (int i = 0; i < senders; i++) {
      int shard = i;
      s.thread.scheduleWithFixedDelay(() -> s.run(shard), 0, 250, TimeUnit.MILLISECONDS);
    }
    s.thread.scheduleWithFixedDelay(s::sweep, 0, 60, TimeUnit.SECONDS);
    // one pass over the outbox's text ids an hour (it has no index for them: every message queued would pay for one)
    s.thread.scheduleWithFixedDelay(s::forgetTexts, 5, 60, TimeUnit.MINUTES);
    return s;
  }

  /** Asks the senders to look at the outbox now (a message was queued). */
  public void poke() {
    for (AtomicBoolean p : poked) {
      p.set(true);
    }
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  private void run(int shard) {
    try {
      while (!stopped) {
        poked[shard].set(false);
        // batch after batch while a full one is due, each batch's marks written with the claim of the next
        boolean more = messages.deliverDue(transport, batch, shard, senders, () -> !stopped, this::count);
        if (!more) {
          // nothing more due: wait for a poke or the next tick (the scheduler calls again)
          synchronized (wake) {
            if (!poked[shard].get() && !stopped) {
              wake.wait(250);
            }
          }
          if (!poked[shard].get()) {
            return;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("delivering messages failed; it is tried again shortly", e);
    }
  }

  private void count(Messages.Delivered d) {
    sent.increment(d.sent());
    deferred.increment(d.deferred());
    failed.increment(d.failed());
    withdrawn.increment(d.withdrawn());
    if (d.total() > 0) {
      logSoon(d);
    }
  }

  /** Adds a batch's counts to the next log line: at most one line every {@link #LOG_EVERY}, however fast mail goes out. */
  private void logSoon(Messages.Delivered d) {
    String line = null;
    synchronized (unlogged) {
      for (int i = 0; i < 4; i++) {
        unlogged[i] += new int[] {d.sent(), d.deferred(), d.failed(), d.withdrawn()}[i];
      }
      long now = System.nanoTime();
      if (now - loggedAt >= LOG_EVERY.toNanos()) {
        line = String.format(Locale.ROOT, "mail: %d sent, %d deferred, %d given up, %d withdrawn", unlogged[0], unlogged[1], unlogged[2], unlogged[3]);
        Arrays.fill(unlogged, 0);
        loggedAt = now;
      }
    }
    if (line != null) {
      LOG.info(line);
    }
  }

  private void sweep() {
    try {
      int n = messages.sweepInterrupted(clock.instant().minus(INTERRUPTED_AFTER));
      if (n > 0) {
        LOG.warn("mail: {} messages were being sent when a sender stopped; marked uncertain, not sent again (plenary messages retry)", n);
      }
    } catch (RuntimeException e) {
      LOG.error("sweeping interrupted messages failed", e);
    }

  }

  /** Deletes the texts of bulk sends that no message names any more (their people were erased), with their keys. */
  private void forgetTexts() {
    try {
      int n = messages.forgetUnusedTexts(clock.instant().minus(INTERRUPTED_AFTER));
      if (n > 0) {
        LOG.info("mail: {} texts of bulk sends that no message names any more were deleted with their keys", n);
      }
    } catch (RuntimeException e) {
      LOG.error("deleting the unused texts of bulk sends failed; it is tried again in an hour", e);
    }
  }

  /** {@code read}, asked again only once its last answer is older than a second. */
  private static <T> Supplier<T> recent(Supplier<T> read) {
    return new Supplier<>() {
      private T last;
      private long at;

      @Override
      public synchronized T get() {
        long now = System.nanoTime();
        if (last == null || now - at > 1_000_000_000L) {
          last = read.get();
          at = now;
        }
        return last;
      }
    };
  }

  /** Stops after the message being sent, if any; waits up to {@code grace}. */
  public void stop(Duration grace) {
    stopped = true;
    poke();
    thread.shutdown();
    try {
      thread.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    transport.close();
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
