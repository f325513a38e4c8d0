package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.messages.MailTransport;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.internal.MailSender;
import com.plenary.privacy.server.internal.UnsubscribeTokens;
import com.plenary.privacy.testkit.Postgres;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sender's run of batches ({@link Messages#deliverDue}): each batch's marks written in the transaction that claims the next, one SMTP connection
 * kept from batch to batch (the real {@code SmtpTransport}, GreenMail as the mail server). No server runs, so nothing
 * but the run under test delivers. On H2 and PostgreSQL.
 */
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MessageBatchesTest {
  private static final Access SHOP = Access.service("shop", null);
  @Parameter
  String database;

  private SmtpServer smtp;
  private Platform platform;
  private MailTransport transport;
  private final List<Postgres> schemas = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    smtp = new SmtpServer();
    Map<String, String> config = new HashMap<>(smtp.config());
    config.put("data_dir", Files.createTempDirectory("plenary-batches").toString());
    if (database.equals("postgresql")) {
      Postgres data = Postgres.freshSchema();
      Postgres keys = Postgres.freshSchema();
      schemas.addAll(List.of(data, keys));
      config.putAll(Map.of("database.url", data.url(), "database.user", data.user(), "keystore.url", keys.url(), "keystore.user", keys.user()));
    }
    platform = Platform.open(Config.load(null, Map.of(), config), Clock.systemUTC());
    transport = MailSender.transport(platform.config(), "http://localhost", UnsubscribeTokens.open(platform.config().keyDir()), platform.clock());
  }

  @AfterEach
  void stop() {
    transport.close();
    platform.close();
    smtp.close();
    schemas.forEach(Postgres::close);
  }

  /** Registers {@code n} people and queues one bulk message to all of them; answers the people. */
  private List<String> queued(int n) {
    List<String> people = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      people.add(platform.domain().subjects().register(SHOP, "shop", Map.of("email", "batch" + i + "-" + System.nanoTime() + "@example.org", "name", "Ada", "address", "1 Analytical Way"),
          null, null, List.of()).value().id());
    }
    Messages.Bulk bulk = platform.domain().messages().sendBulk(SHOP, people, new Messages.Request(null, "transactional", "provide", "Your receipt", "Thanks.", null));
    assertThat(bulk.queued()).isEqualTo(n);
    return people;
  }

  private List<MessageRecords.Entry> outbox(List<String> people) {
    return platform.domain().messages().newest(null, 100_000).stream().filter(e -> people.contains(e.subjectId())).toList();
  }

  private static Map<String, Integer> countByMessageId(List<MimeMessage> received) throws MessagingException {
    Map<String, Integer> out = new HashMap<>();
    for (MimeMessage m : received) {
      out.merge(m.getMessageID(), 1, Integer::sum);
    }
    return out;
  }

  @Test
  void C16_aRunOfBatchesOnOneKeptConnectionDeliversEachMessageOnceWhenTheServerDropsItBetweenBatches() throws Exception {
    List<String> people = queued(23);
    List<Messages.Delivered> batches = new ArrayList<>();
    List<MimeMessage> beforeTheDrop = new ArrayList<>();
    boolean[] kept = {false};
    boolean more = platform.domain().messages().deliverDue(transport, 5, 0, 1, () -> true, d -> {
      batches.add(d);
      if (batches.size() == 2) {
        // the mail server goes away and comes back: the connection kept for the next batch is dead, and what it had received is gone with it
        beforeTheDrop.addAll(smtp.received());
        smtp.stop();
        smtp.start();
        // whether the restarted server still holds what it had received (then it is counted once, from the end's list)
        kept[0] = !beforeTheDrop.isEmpty() && smtp.received().size() == beforeTheDrop.size();
      }
    });
    assertThat(more).as("the last claim found less than a full batch").isFalse();
    assertThat(batches).extracting(Messages.Delivered::sent).containsExactly(5, 5, 5, 5, 3);
    assertThat(outbox(people)).hasSize(23).allSatisfy(e -> {
      assertThat(e.status()).isEqualTo(MessageRecords.Status.SENT);
      assertThat(e.attempts()).isEqualTo(1);
    });
    assertThat(beforeTheDrop).hasSize(10);
    List<MimeMessage> all = new ArrayList<>(kept[0] ? List.of() : beforeTheDrop);
    all.addAll(smtp.received());
    Map<String, Integer> copies = countByMessageId(all);
    assertThat(copies).hasSize(23).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    for (MessageRecords.Entry e : outbox(people)) {
      assertThat(copies).containsKey("<" + e.id() + "@plenary.test>");
    }
  }

  @Test
  void C16_aRunToldToStopMarksTheBatchThatWentOutAndClaimsNoOther() throws Exception {
    List<String> people = queued(12);
    AtomicInteger told = new AtomicInteger();
    boolean more = platform.domain().messages().deliverDue(transport, 5, 0, 1, () -> told.get() == 0, d -> told.incrementAndGet());
    assertThat(more).as("a full batch was claimed last: more may be due").isTrue();
    assertThat(told.get()).isEqualTo(2);
    List<MessageRecords.Entry> out = outbox(people);
    assertThat(out).filteredOn(e -> e.status() == MessageRecords.Status.SENT).hasSize(10);
    assertThat(out).filteredOn(e -> e.status() == MessageRecords.Status.QUEUED).hasSize(2).allSatisfy(e -> assertThat(e.attempts()).isZero());
    assertThat(out).noneMatch(e -> e.status() == MessageRecords.Status.SENDING);
    assertThat(countByMessageId(smtp.received())).hasSize(10).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void C16_theMessagesOfABatchAreMarkedSentAtTheOneMomentItsAnswersCameBack() throws Exception {
    List<String> people = queued(12);
    List<Messages.Delivered> batches = new ArrayList<>();
    platform.domain().messages().deliverDue(transport, 4, 0, 1, () -> true, batches::add);
    assertThat(batches).extracting(Messages.Delivered::sent).containsExactly(4, 4, 4, 0);
    List<MessageRecords.Entry> out = outbox(people);
    assertThat(out).hasSize(12).allSatisfy(e -> assertThat(e.status()).isEqualTo(MessageRecords.Status.SENT));
    // alike marks of one batch are equal (one moment, not one a message), so the sender writes them in one statement
    Map<Instant, Integer> bySentAt = new HashMap<>();
    out.forEach(e -> bySentAt.merge(e.sentAt(), 1, Integer::sum));
    assertThat(bySentAt.values()).allSatisfy(n -> assertThat(n).isEqualTo(4));
    assertThat(countByMessageId(smtp.received())).hasSize(12).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void C16_aMessageWhosePersonHasNoAddressOnFileAtSendTimeIsWithdrawnAndTheRestOfItsBatchGoesOut() throws Exception {
    List<String> people = queued(5);
    String gone = people.get(2);
    // the address leaves the vault after the message was queued (behind the platform's back: no use case removes one field alone)
    try (Connection c = DriverManager.getConnection(platform.config().databaseUrl(), platform.config().databaseUser(), "");
         PreparedStatement delete = c.prepareStatement("DELETE FROM subject_field WHERE subject_id = ? AND field = 'email'")) {
      delete.setString(1, gone);
      assertThat(delete.executeUpdate()).isEqualTo(1);
    }
    List<Messages.Delivered> batches = new ArrayList<>();
    platform.domain().messages().deliverDue(transport, 5, 0, 1, () -> true, batches::add);
    assertThat(batches.stream().mapToInt(Messages.Delivered::sent).sum()).isEqualTo(4);
    assertThat(batches.stream().mapToInt(Messages.Delivered::withdrawn).sum()).isEqualTo(1);
    assertThat(outbox(people)).filteredOn(e -> e.subjectId().equals(gone)).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(MessageRecords.Status.WITHDRAWN);
      assertThat(e.lastError()).isEqualTo("no-address");
    });
    assertThat(outbox(people)).filteredOn(e -> !e.subjectId().equals(gone)).hasSize(4).allSatisfy(e -> assertThat(e.status()).isEqualTo(MessageRecords.Status.SENT));
    assertThat(countByMessageId(smtp.received())).hasSize(4);
  }

  @Test
  void C16_aBatchWhoseAddressBouncesIsMarkedAndSuppressedWithTheClaimOfTheNext() throws Exception {
    List<String> people = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      people.add(platform.domain().subjects().register(SHOP, "shop", Map.of("email", (i == 1 ? "bounce-" : "ok-") + i + "-" + System.nanoTime() + "@example.org",
          "name", "Ada", "address", "1 Analytical Way"), null, null, List.of()).value().id());
    }
    platform.domain().messages().sendBulk(SHOP, people, new Messages.Request(null, "transactional", "provide", "Your receipt", "Thanks.", null));
    List<Messages.Delivered> batches = new ArrayList<>();
    platform.domain().messages().deliverDue(transport, 3, 0, 1, () -> true, batches::add);
    assertThat(batches.stream().mapToInt(Messages.Delivered::failed).sum()).isEqualTo(1);
    assertThat(batches.stream().mapToInt(Messages.Delivered::sent).sum()).isEqualTo(5);
    MessageRecords.Entry bounced = outbox(people).stream().filter(e -> e.status() == MessageRecords.Status.FAILED).findFirst().orElseThrow();
    assertThat(bounced.lastError()).isEqualTo("SMTP 550");
    assertThat(platform.domain().messages().own(Access.subject(bounced.subjectId(), null), bounced.subjectId(), 1, null, false).value().suppressed()).isTrue();
  }
}
