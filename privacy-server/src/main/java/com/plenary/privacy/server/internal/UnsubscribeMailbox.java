package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.BodyPart;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mailbox behind the {@code mailto:} of every message's {@code List-Unsubscribe} (RFC 2369), read over
 * IMAP with Jakarta Mail (Eclipse Angus) every {@code mail.unsubscribe.poll_interval}. A mail that carries
 * one of our signed tokens — in its subject (as the mailto writes it) or in its text (a reply quoting the
 * message) — unsubscribes the person it names from its kind through the same use case as the one-click link
 * ({@link Messages#unsubscribe}, channel {@code mailto}). A mail with no valid token (forged, altered or made
 * up) does nothing. Every mail read is deleted from the mailbox afterwards, valid or not, so the mailbox keeps
 * no one's address. Logs carry counts only, never an address, a subject or a token.
 *
 * <p>Off when {@code mail.unsubscribe.imap.host} is not set. One thread; {@link #pollOnce} may also be called
 * directly (it is synchronized).
 */
public final class UnsubscribeMailbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UnsubscribeMailbox.class);
  /** How much of a mail's text is searched for a token: a reply quoting the message has it near the top. */
  private static final int TEXT_SEARCHED = 20_000;
  /** Mails read in one poll; the rest wait for the next. */
  private static final int PER_POLL = 500;

  private final Session session;
  private final String protocol;
  private final String host;
  private final int port;
  private final String user;
  private final String password;
  private final Messages messages;
  private final UnsubscribeTokens tokens;
  private final Counter unsubscribed;
  private final Counter ignored;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "plenary-unsubscribe-mailbox");
    t.setDaemon(true);
    return t;
  });

  private UnsubscribeMailbox(Config config, Messages messages, UnsubscribeTokens tokens, MeterRegistry metrics) {
    this.protocol = config.unsubscribeImapTls() ? "imaps" : "imap";
    this.host = config.unsubscribeImapHost();
    this.port = config.unsubscribeImapPort();
    this.user = config.unsubscribeImapUser();
    this.password = config.unsubscribeImapPassword();
    Properties p = new Properties();
    p.put("mail.store.protocol", protocol);
    p.put("mail." + protocol + ".connectiontimeout", "10000");
    p.put("mail." + protocol + ".timeout", "30000");
    p.put("mail." + protocol + ".writetimeout", "30000");
    if (config.unsubscribeImapTls()) {
      p.put("mail.imaps.ssl.checkserveridentity", "true");
    }
    this.session = Session.getInstance(p);
    this.messages = messages;
    this.tokens = tokens;
    this.unsubscribed = Counter.builder("plenary_mailto_unsubscribes").tag("outcome", "unsubscribed")
        .description("Mails to the unsubscribe address that unsubscribed someone").register(metrics);
    this.ignored = Counter.builder("plenary_mailto_unsubscribes").tag("outcome", "ignored")
        .description("Mails to the unsubscribe address with no valid token; nothing was changed").register(metrics);
  }

  /** Starts reading the mailbox the configuration names; answers empty, and reads nothing, when none is configured. */
  public static Optional<UnsubscribeMailbox> start(Config config, Messages messages, UnsubscribeTokens tokens, MeterRegistry metrics,
      BooleanSupplier ourTurn) {
    if (config.unsubscribeImapHost() == null) {
      return Optional.empty();
    }
    UnsubscribeMailbox m = new UnsubscribeMailbox(config, messages, tokens, metrics);
    long every = config.unsubscribePollInterval().toMillis();
    // with several nodes one of them reads the mailbox a period: the one that claimed it
    m.thread.scheduleWithFixedDelay(() -> {
      try {
        if (!ourTurn.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot tell whether this node reads the unsubscribe mailbox now; it looks again next time: {}", e.getClass().getSimpleName());
        return;
      }
      m.poll();
    }, 0, every, TimeUnit.MILLISECONDS);
    return Optional.of(m);
  }

  private void poll() {
    try {
      pollOnce();
    } catch (MessagingException e) {
      LOG.warn("unsubscribe mailbox: could not read it ({}); tried again at the next poll", e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      LOG.error("unsubscribe mailbox: reading it failed; tried again at the next poll", e);
    }
  }

  /** Reads the mailbox once: unsubscribes whom the valid tokens name and deletes every mail read. Answers how many unsubscribed. */
  synchronized int pollOnce() throws MessagingException {
    int done = 0;
    int none = 0;
    try (Store store = session.getStore(protocol)) {
      store.connect(host, port, user, password);
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_WRITE);
      try {
        Message[] all = inbox.getMessages();
        for (int i = 0; i < Math.min(all.length, PER_POLL); i++) {
          Message m = all[i];
          if (m.isSet(Flags.Flag.DELETED)) {
            continue;
          }
          if (unsubscribe(m)) {
            done++;
          } else {
            none++;
          }
          m.setFlag(Flags.Flag.DELETED, true);
        }
      } finally {
        inbox.close(true);
      }
    }
    unsubscribed.increment(done);
    ignored.increment(none);
    if (done > 0) {
      LOG.info("unsubscribe mailbox: {} unsubscribed by mail", done);
    }
    if (none > 0) {
      LOG.warn("unsubscribe mailbox: {} mails without a valid unsubscribe token ignored (forged, altered or unsigned); nothing changed", none);
    }
    return done;
  }

  /** Unsubscribes whom the first valid token of {@code m} names; false when it has none. */
  private boolean unsubscribe(Message m) {
    for (String candidate : candidates(m)) {
      Optional<UnsubscribeTokens.Named> named = tokens.verify(candidate);
      if (named.isPresent()) {
        messages.unsubscribe(named.get().subjectId(), named.get().kind(), "mailto-" + UUID.randomUUID(), "mailto");
        return true;
      }
    }
    return false;
  }

  /** Strings shaped like a token: from the subject first (the mailto puts it there), then the text. */
  private static List<String> candidates(Message m) {
    List<String> out = new ArrayList<>();
    try {
      out.addAll(UnsubscribeTokens.findIn(m.getSubject(), 4));
      out.addAll(UnsubscribeTokens.findIn(text(m.getContent()), 4));
    } catch (MessagingException | IOException e) {
      // a mail we cannot read is one without a token: it is ignored and deleted
    }
    return out;
  }

  private static String text(Object content) throws MessagingException, IOException {
    if (content instanceof String s) {
      return s.length() > TEXT_SEARCHED ? s.substring(0, TEXT_SEARCHED) : s;
    }
    if (content instanceof Multipart mp) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < mp.getCount() && b.length() < TEXT_SEARCHED; i++) {
        BodyPart part = mp.getBodyPart(i);
        if (part.isMimeType("text/*") || part.isMimeType("multipart/*")) {
          b.append(text(part.getContent())).append('\n');
        }
      }
      return b.length() > TEXT_SEARCHED ? b.substring(0, TEXT_SEARCHED) : b.toString();
    }
    return "";
  }

  /** Stops reading, after the poll under way if any; waits up to {@code grace}. */
  public void stop(Duration grace) {
    thread.shutdown();
    try {
      thread.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
