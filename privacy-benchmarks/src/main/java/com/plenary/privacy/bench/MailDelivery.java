package com.plenary.privacy.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.PlenaryServer;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.slf4j.LoggerFactory;

/**
 * Delivery against the mail server's own pace (issue 14): a real SMTP server (GreenMail, in this
 * process) takes N messages twice, each figure against the other in the same run.
 *
 * <ol>
 *   <li><b>direct</b>: N messages built with Jakarta Mail (Eclipse Angus) and sent to it on one connection
 *       from one thread — the mail server's acceptance rate, what any sender could reach;
 *   <li><b>platform</b>: N messages queued through the message gateway (decided, audited, sealed; not
 *       timed here) and then delivered by a real server's sender — claimed, decided again, the address
 *       opened from the vault, handed over with the real {@code SmtpTransport}, marked — timed from the
 *       first message GreenMail receives to the N-th.
 * </ol>
 *
 * <p>It prints both rates and their ratio (the goal: delivery at least 0.8 of the direct rate),
 * and the bulk queueing rate on the way. Run:
 * {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.MailDelivery [messages] [senders] [batch]}
 * (defaults 10000, and {@code mail.senders} and {@code mail.send_batch}'s defaults). Embedded H2 in a
 * temporary directory; set {@code PLENARY_BENCH_DATABASE_URL} and {@code PLENARY_BENCH_KEYSTORE_URL}
 * (user postgres, no password) for PostgreSQL.
 */
public final class MailDelivery {
  private static final String FROM = "Plenary <no-reply@plenary.bench>";
  private static final String BODY = "Your order has shipped. It arrives on Tuesday.\n".repeat(8);

  private MailDelivery() {}

  public static void main(String[] args) throws Exception {
    // GreenMail says so at INFO for every address it has not seen: thousands of lines that would slow both runs
    ((Logger) LoggerFactory.getLogger("com.icegreen")).setLevel(Level.WARN);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int senders = args.length > 1 ? Integer.parseInt(args[1]) : Config.DEFAULT_MAIL_SENDERS;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : Config.DEFAULT_MAIL_SEND_BATCH;
    GreenMail mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    mail.start();
    try {
      int port = mail.getSmtp().getPort();
      direct(port, Math.min(n, 500)); // warm up the mail server and the JIT
      mail.purgeEmailFromAllMailboxes();
      double direct = direct(port, n);
      await(mail, n, 0);
      mail.purgeEmailFromAllMailboxes();
      System.out.printf(Locale.ROOT, "direct:   %,d messages on one connection, %,.0f messages/s%n", n, direct);

      Path dir = Files.createTempDirectory("mail-delivery");
      Map<String, String> config = new HashMap<>(Map.of("data_dir", dir.toString(), "server.host", "127.0.0.1", "server.port", "0",
          "mail.smtp.host", "127.0.0.1", "mail.smtp.port", String.valueOf(port), "mail.smtp.starttls", "false", "mail.from", FROM,
          "mail.senders", String.valueOf(senders), "mail.send_batch", String.valueOf(batch)));
      String db = System.getenv("PLENARY_BENCH_DATABASE_URL");
      if (db != null) {
        config.putAll(Map.of("database.url", db, "database.user", "postgres", "keystore.url", System.getenv("PLENARY_BENCH_KEYSTORE_URL"),
            "keystore.user", "postgres"));
      }
      Config settings = Config.load(null, Map.of(), config);
      List<String> people = new ArrayList<>();
      // queue with no server running, so that nothing is delivered before the delivery is timed
      try (Platform platform = Platform.open(settings, Clock.systemUTC())) {
        for (int i = 0; i < n; i++) {
          people.add(platform.domain().subjects().register(Access.service("shop", null), "shop",
              Map.of("email", "person" + i + "@bench.example", "name", "Person " + i, "address", i + " Bench Road"), null, null, List.of()).value().id());
        }
        long t0 = System.nanoTime();
        long cpu0 = processCpu();
        int queued = 0;
        for (int from = 0; from < n; from += Messages.MAX_BULK) {
          queued += platform.domain().messages().sendBulk(Access.service("shop", null), people.subList(from, Math.min(n, from + Messages.MAX_BULK)),
              new Messages.Request(null, "transactional", "provide", "Your order has shipped", BODY, null)).queued();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // the process's CPU time too (a bulk send's groups run on threads of their own): on a busy machine the
        // wall-clock rate says more about the neighbours than about the platform
        double cpu = (processCpu() - cpu0) / 1e3 / Math.max(1, queued);
        System.out.printf(Locale.ROOT, "queued:   %,d messages in bulk through the domain, %,.0f messages/s (%.0f µs of the process's CPU a message)%n", queued,
            queued / seconds, cpu);
      }
      try (Platform platform = Platform.open(settings, Clock.systemUTC())) {
        PlenaryServer server = PlenaryServer.start(platform);
        try {
          double delivered = await(mail, n, 120);
          System.out.printf(Locale.ROOT, "platform: %,d messages by %d senders, batches of %d, %,.0f messages/s%n", n, senders, batch, delivered);
          System.out.printf(Locale.ROOT, "ratio:    %.2f of the direct rate (goal: at least 0.8)%n", delivered / direct);
        } finally {
          server.stop();
        }
      }
    } finally {
      mail.stop();
    }
  }

  /** Sends {@code n} messages to the server on one connection; answers messages a second. */
  private static double direct(int port, int n) throws Exception {
    Properties p = new Properties();
    p.put("mail.smtp.host", "127.0.0.1");
    p.put("mail.smtp.port", String.valueOf(port));
    Session session = Session.getInstance(p);
    long t0 = System.nanoTime();
    try (Transport t = session.getTransport("smtp")) {
      t.connect();
      for (int i = 0; i < n; i++) {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(FROM));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress("direct" + i + "@bench.example"));
        m.setSubject("Your order has shipped", "UTF-8");
        m.setText(BODY, "UTF-8");
        m.saveChanges();
        t.sendMessage(m, m.getAllRecipients());
      }
    }
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  /**
   * Waits until the server holds {@code n} messages; answers the rate from the first to the n-th (0 when
   * they were all there at once). Gives up after {@code seconds} with what arrived. GreenMail's own wait
   * is used, not a poll that would copy every message it holds each time.
   */
  private static double await(GreenMail mail, int n, int seconds) {
    long timeout = Math.max(1, seconds) * 1000L;
    if (!mail.waitForIncomingEmail(timeout, 1)) {
      throw new IllegalStateException("no message arrived within " + seconds + " s");
    }
    long first = System.nanoTime();
    if (!mail.waitForIncomingEmail(timeout, n)) {
      throw new IllegalStateException("only " + mail.getReceivedMessages().length + " of " + n + " messages arrived within " + seconds + " s");
    }
    double elapsed = (System.nanoTime() - first) / 1e9;
    return elapsed <= 0 ? 0 : (n - 1) / elapsed;
  }

  /** The CPU time of the whole process so far, in nanoseconds. */
  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime(); // qualified: java.lang.management has a type of the same name
  }
}
