package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.store.Credentials;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mailto of {@code List-Unsubscribe} (RFC 2369, C16) end to end: a real server sends to a real
 * GreenMail, which is also the IMAP server of the unsubscribe mailbox. A person's mail client writes to
 * the mailto of a message it received; the server reads that mailbox, and the person is unsubscribed as
 * by the one-click link, so the next message of that kind is refused. A forged token changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MailtoUnsubscribeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern MAILTO = Pattern.compile("<mailto:([^?>]+)\\?subject=([^>]+)>");
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private GreenMail mail;
  private Running running;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    mail = new GreenMail(new ServerSetup[] {
        new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort(), new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP).dynamicPort()});
    mail.start();
    mail.setUser("unsubscribe@plenary.test", "unsubscribe", "mailbox password");
    running = Running.on(database, Map.ofEntries(
        Map.entry("mail.smtp.host", "127.0.0.1"), Map.entry("mail.smtp.port", String.valueOf(mail.getSmtp().getPort())), Map.entry("mail.smtp.starttls", "false"),
        Map.entry("mail.from", "Plenary <no-reply@plenary.test>"),
        Map.entry("mail.unsubscribe.imap.host", "127.0.0.1"), Map.entry("mail.unsubscribe.imap.port", String.valueOf(mail.getImap().getPort())),
        Map.entry("mail.unsubscribe.imap.tls", "false"), Map.entry("mail.unsubscribe.imap.user", "unsubscribe"),
        Map.entry("mail.unsubscribe.imap.password", "mailbox password"), Map.entry("mail.unsubscribe.poll_interval", "PT0.2S")));
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
    mail.stop();
  }

  record Person(String id, String email) {}

  /** A person registered by the shop who opted in to marketing from their own session (C19). */
  private Person optedIn(String localPart) throws Exception {
    String email = localPart + System.nanoTime() + "@example.org";
    String password = "a long passphrase of theirs";
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"},\"password\":\"" + password + "\"}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    HttpRequest consent = HttpRequest.newBuilder(running.uri("/api/v1/me/consents")).POST(HttpRequest.BodyPublishers.ofString("{\"purpose\":\"communicate.marketing\"}"))
        .header("Content-Type", "application/json").header("Cookie", cookie.substring(0, cookie.indexOf(';')))
        .header("X-CSRF-Token", json.readTree(signIn.body()).get("csrf").asText()).build();
    assertThat(running.http.send(consent, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
    return new Person(id, email);
  }

  private HttpResponse<String> message(Person p, String kind, String purpose, String subject) throws Exception {
    return running.postJson("/api/v1/messages", json.writeValueAsString(Map.of("subject_id", p.id(), "kind", kind, "purpose", purpose,
        "subject", subject, "body", "Warm socks.")), shop);
  }

  private List<MimeMessage> arrived(Person p) throws Exception {
    return Arrays.stream(mail.getReceivedMessages()).filter(m -> {
      try {
        return Arrays.stream(m.getAllRecipients()).anyMatch(a -> a.toString().equals(p.email()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  /** What the person's mail client sends when they choose "unsubscribe": a mail to the mailto address with its subject. */
  private void mailTo(Person from, String to, String subject, String text) throws Exception {
    Properties p = new Properties();
    p.put("mail.smtp.host", "127.0.0.1");
    p.put("mail.smtp.port", String.valueOf(mail.getSmtp().getPort()));
    MimeMessage m = new MimeMessage(Session.getInstance(p));
    m.setFrom(new InternetAddress(from.email()));
    m.setRecipient(Message.RecipientType.TO, new InternetAddress(to));
    m.setSubject(subject, "UTF-8");
    m.setText(text, "UTF-8");
    Transport.send(m);
  }

  /** The mails waiting in the unsubscribe mailbox, read over IMAP as any client would. */
  private int mailboxCount() throws Exception {
    Properties p = new Properties();
    try (Store store = Session.getInstance(p).getStore("imap")) {
      store.connect("127.0.0.1", mail.getImap().getPort(), "unsubscribe", "mailbox password");
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      try {
        return inbox.getMessageCount();
      } finally {
        inbox.close(false);
      }
    }
  }

  private List<String> unsubscribed(Person p) {
    return running.platform.domain().messages().own(Access.subject(p.id(), null), p.id(), 1, null, false).value().unsubscribed();
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  private static BooleanSupplier quietly(Check check) {
    return () -> {
      try {
        return check.holds();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
  }

  interface Check {
    boolean holds() throws Exception;
  }

  @Test
  void C16_mailToTheMailtoOfListUnsubscribeUnsubscribesAndTheNextMarketingMessageIsRefused() throws Exception {
    Person p = optedIn("mailto-");
    assertThat(message(p, "marketing", "communicate.marketing", "Our winter offers").statusCode()).isEqualTo(202);
    await("the offer arrives", quietly(() -> arrived(p).size() == 1));
    String header = arrived(p).get(0).getHeader("List-Unsubscribe", null);
    Matcher mailto = MAILTO.matcher(header);
    assertThat(mailto.find()).as(header).isTrue();
    String address = mailto.group(1);
    String subject = URLDecoder.decode(mailto.group(2), StandardCharsets.UTF_8);
    assertThat(address).isEqualTo("unsubscribe@plenary.test");
    assertThat(header).doesNotContain(p.email());

    mailTo(p, address, subject, "");
    await("the person is unsubscribed by mail", () -> unsubscribed(p).contains("marketing"));
    await("the mail is read and deleted from the mailbox", quietly(() -> mailboxCount() == 0));
    HttpResponse<String> next = message(p, "marketing", "communicate.marketing", "More offers");
    assertThat(next.statusCode()).as(next.body()).isEqualTo(403);
    assertThat(next.body()).contains("no-message-after-unsubscribe");
    assertThat(running.platform.store().audit().recent(1000, null)).anyMatch(a -> p.id().equals(a.subject()) && a.action().equals("unsubscribe")
        && a.rules().contains("channel:mailto") && a.rules().contains("unsubscribed:marketing"));
    // a receipt is part of what the person asked for, and still reaches them
    assertThat(message(p, "transactional", "provide", "Your receipt").statusCode()).isEqualTo(202);
    await("the receipt arrives", quietly(() -> arrived(p).size() == 2));
    assertThat(arrived(p)).hasSize(2);
  }

  @Test
  void C16_aReplyQuotingTheTokenInItsTextUnsubscribesToo() throws Exception {
    Person p = optedIn("reply-");
    assertThat(message(p, "marketing", "communicate.marketing", "Spring offers").statusCode()).isEqualTo(202);
    await("the offer arrives", quietly(() -> arrived(p).size() == 1));
    Matcher mailto = MAILTO.matcher(arrived(p).get(0).getHeader("List-Unsubscribe", null));
    assertThat(mailto.find()).isTrue();
    String token = URLDecoder.decode(mailto.group(2), StandardCharsets.UTF_8).substring("unsubscribe ".length());
    mailTo(p, mailto.group(1), "Re: Spring offers", "Please stop.\n\n> List-Unsubscribe: mailto:unsubscribe@plenary.test?subject=unsubscribe%20" + token + "\n");
    await("the person is unsubscribed by mail", () -> unsubscribed(p).contains("marketing"));
  }

  @Test
  void C16_aForgedOrAlteredTokenUnsubscribesNoOne() throws Exception {
    Person p = optedIn("forged-");
    assertThat(message(p, "marketing", "communicate.marketing", "Summer offers").statusCode()).isEqualTo(202);
    await("the offer arrives", quietly(() -> arrived(p).size() == 1));
    Matcher mailto = MAILTO.matcher(arrived(p).get(0).getHeader("List-Unsubscribe", null));
    assertThat(mailto.find()).isTrue();
    String token = URLDecoder.decode(mailto.group(2), StandardCharsets.UTF_8).substring("unsubscribe ".length());
    String mac = token.substring(token.lastIndexOf('.') + 1);
    String flipped = (mac.charAt(0) == 'A' ? "B" : "A") + mac.substring(1);
    mailTo(p, "unsubscribe@plenary.test", "unsubscribe " + p.id() + ".marketing." + flipped, "");
    mailTo(p, "unsubscribe@plenary.test", "unsubscribe " + p.id() + ".service." + mac, "");
    mailTo(p, "unsubscribe@plenary.test", "unsubscribe " + p.id() + ".marketing.AAAAAAAAAAAAAAAAAAAAAA", "");
    mailTo(p, "unsubscribe@plenary.test", "unsubscribe me please", "");
    await("the mails are read and deleted", quietly(() -> mail.getReceivedMessages().length > 0 && mailboxCount() == 0));
    assertThat(unsubscribed(p)).isEmpty();
    assertThat(message(p, "marketing", "communicate.marketing", "Still welcome").statusCode()).isEqualTo(202);
  }
}
