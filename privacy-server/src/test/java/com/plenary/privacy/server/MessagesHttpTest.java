package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.server.internal.UnsubscribeTokens;
import com.plenary.privacy.store.Credentials;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The message gateway (C16) through real HTTP on a real server, delivering to a real SMTP server
 * (GreenMail): what is refused never arrives, what is permitted arrives with its unsubscribe headers,
 * the one-click link really unsubscribes, failures are retried or given up on as SMTP says, and the
 * marketing limit holds under concurrent sends. On H2 and PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MessagesHttpTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private SmtpServer smtp;
  private Running running;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    smtp = new SmtpServer();
    running = Running.on(database, smtp.config());
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
    smtp.close();
  }

  record Person(String id, String email, String cookie, String csrf) {}

  private Person register(String localPart) throws Exception {
    String email = localPart + System.nanoTime() + "@example.org";
    String password = "a long passphrase of theirs";
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"},\"password\":\"" + password + "\"}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    HttpResponse<String> signIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
    String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
    return new Person(id, email, setCookie.substring(0, setCookie.indexOf(';')), json.readTree(signIn.body()).get("csrf").asText());
  }

  /** The person opts in to marketing through their own session (C19). */
  private void optIn(Person p) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(running.uri("/api/v1/me/consents")).POST(HttpRequest.BodyPublishers.ofString("{\"purpose\":\"communicate.marketing\"}"))
        .header("Content-Type", "application/json").header("Cookie", p.cookie()).header("X-CSRF-Token", p.csrf()).build();
    HttpResponse<String> r = running.http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private HttpResponse<String> message(String subjectId, String kind, String purpose, String subject) throws Exception {
    return running.postJson("/api/v1/messages", json.writeValueAsString(Map.of("subject_id", subjectId, "kind", kind, "purpose", purpose,
        "subject", subject, "body", "Hello from the shop.")), shop);
  }

  private List<MessageRecords.Entry> outboxOf(String subjectId) {
    return running.platform.domain().messages().newest(null, 100_000).stream().filter(e -> e.subjectId().equals(subjectId)).toList();
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

  private List<MimeMessage> arrived(Person p) {
    try {
      return smtp.to(p.email());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private JsonNode problem(HttpResponse<String> r) throws Exception {
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
    return json.readTree(r.body());
  }

  @Test
  void C16_marketingWithoutOptInIsRefusedAndNothingArrives() throws Exception {
    Person p = register("no-opt-in-");
    HttpResponse<String> r = message(p.id(), "marketing", "communicate.marketing", "Our autumn offers");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    JsonNode problem = problem(r);
    assertThat(problem.get("rules").toString()).contains("marketing-needs-opt-in");
    assertThat(problem.get("clauses").toString()).contains("C16");
    assertThat(r.body()).doesNotContain(p.email());
    // a service message in the same second goes out, so the sender ran: the marketing one was never queued
    assertThat(message(p.id(), "transactional", "provide", "Your receipt").statusCode()).isEqualTo(202);
    await("the receipt arrives", () -> arrived(p).size() == 1);
    assertThat(arrived(p).get(0).getSubject()).isEqualTo("Your receipt");
    assertThat(outboxOf(p.id())).extracting(MessageRecords.Entry::kind).containsExactly("transactional");
  }

  @Test
  void C16_withOptInItArrivesWithBothUnsubscribeHeadersAndTheOneClickPostUnsubscribes() throws Exception {
    Person p = register("opted-in-");
    optIn(p);
    HttpResponse<String> r = message(p.id(), "marketing", "communicate.marketing", "Our autumn offers");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = json.readTree(r.body()).get("id").asText();
    await("the offer arrives", () -> arrived(p).size() == 1);
    MimeMessage m = arrived(p).get(0);
    assertThat(m.getMessageID()).isEqualTo("<" + id + "@plenary.test>");
    String listUnsubscribe = m.getHeader("List-Unsubscribe", null);
    assertThat(m.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
    assertThat(listUnsubscribe).matches("<http://127\\.0\\.0\\.1:\\d+/unsubscribe/[^>]+>, <mailto:unsubscribe@plenary\\.test\\?subject=[^>]+>");
    assertThat(listUnsubscribe).doesNotContain(p.email()).doesNotContain(p.email().substring(0, p.email().indexOf('@')));
    URI link = URI.create(listUnsubscribe.substring(1, listUnsubscribe.indexOf('>')));

    // a GET (a link scanner, a preview) shows the page and changes nothing
    HttpResponse<String> page = running.http.send(HttpRequest.newBuilder(link).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<form method=\"post\"").doesNotContain("C16").doesNotContain("no-message-after-unsubscribe");
    assertThat(running.platform.domain().messages().mailbox(Access.subject(p.id(), null), p.id(), 10).unsubscribed()).isEmpty();

    // the one-click POST of RFC 8058, with no sign-in
    HttpResponse<String> post = running.http.send(HttpRequest.newBuilder(link).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(200);

    HttpResponse<String> after = message(p.id(), "marketing", "communicate.marketing", "One more offer");
    assertThat(after.statusCode()).as(after.body()).isEqualTo(403);
    assertThat(problem(after).get("rules").toString()).contains("no-message-after-unsubscribe");
    // transactional mail still goes, and carries no unsubscribe
    assertThat(message(p.id(), "transactional", "provide", "Your receipt").statusCode()).isEqualTo(202);
    await("the receipt arrives", () -> arrived(p).size() == 2);
    MimeMessage receipt = arrived(p).stream().filter(x -> {
      try {
        return x.getSubject().equals("Your receipt");
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }).findFirst().orElseThrow();
    assertThat(receipt.getHeader("List-Unsubscribe")).isNull();
    Thread.sleep(500);
    assertThat(arrived(p)).hasSize(2);
  }

  @Test
  void C16_aMessageQueuedBeforeAnUnsubscribeIsNotSentAfterIt() throws Exception {
    Person p = register("queued-");
    smtp.stop();
    try {
      assertThat(message(p.id(), "service", "provide", "Our new terms").statusCode()).isEqualTo(202);
      await("an attempt has failed", () -> outboxOf(p.id()).get(0).attempts() >= 1);
      var tokens = UnsubscribeTokens.open(running.platform.config().keyDir());
      String token = tokens.token(p.id(), Kind.SERVICE);
      HttpResponse<String> post = running.send("POST", "/unsubscribe/" + token, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click");
      assertThat(post.statusCode()).isEqualTo(200);
      // the next attempt decides again and withdraws it (an attempt decided before the unsubscribe, in flight as
      // it commits, may still go out: the mail server is down until the withdrawal, so that one fails here)
      await("the queued notice is withdrawn", () -> outboxOf(p.id()).stream().allMatch(e -> e.status() == MessageRecords.Status.WITHDRAWN));
    } finally {
      smtp.start();
    }
    Thread.sleep(500);
    assertThat(arrived(p)).isEmpty();
    assertThat(message(p.id(), "service", "provide", "Our newer terms").statusCode()).isEqualTo(403);
  }

  @Test
  void C16_aTransientFailureIsRetriedAndDeliveredExactlyOnce() throws Exception {
    Person p = register("transient-");
    smtp.stop();
    String id;
    try {
      HttpResponse<String> r = message(p.id(), "transactional", "provide", "Your receipt");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      id = json.readTree(r.body()).get("id").asText();
      await("an attempt has failed", () -> outboxOf(p.id()).get(0).attempts() >= 1 && outboxOf(p.id()).get(0).status() == MessageRecords.Status.QUEUED);
    } finally {
      smtp.start();
    }
    await("the receipt arrives", () -> arrived(p).size() == 1);
    Thread.sleep(1000);
    List<MimeMessage> got = arrived(p);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).getMessageID()).isEqualTo("<" + id + "@plenary.test>");
    assertThat(outboxOf(p.id()).get(0).status()).isEqualTo(MessageRecords.Status.SENT);
    assertThat(outboxOf(p.id()).get(0).attempts()).isGreaterThan(1);
  }

  @Test
  void C16_a550IsNotRetriedAndTheAddressIsSuppressed() throws Exception {
    Person p = register("bounce-");
    assertThat(message(p.id(), "transactional", "provide", "Your receipt").statusCode()).isEqualTo(202);
    await("the message is given up on", () -> outboxOf(p.id()).get(0).status() == MessageRecords.Status.FAILED);
    MessageRecords.Entry e = outboxOf(p.id()).get(0);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(e.lastError()).isEqualTo("SMTP 550");
    HttpResponse<String> next = message(p.id(), "transactional", "provide", "Another receipt");
    assertThat(next.statusCode()).isEqualTo(403);
    assertThat(problem(next).get("rules").toString()).contains("suppression-list");
  }

  @Test
  void C16_aBulkSendGoesOutInBatchesEachMessageOnceAndABounceInABatchHarmsNoOther() throws Exception {
    List<Person> people = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      people.add(register(i % 10 == 3 ? "bounce-batch-" : "batch-"));
    }
    HttpResponse<String> r = running.postJson("/api/v1/messages/bulk", json.writeValueAsString(Map.of("subject_ids", people.stream().map(Person::id).toList(),
        "kind", "transactional", "purpose", "provide", "subject", "Your batch receipt", "body", "Thanks.")), shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(json.readTree(r.body()).get("queued").asInt()).isEqualTo(30);
    await("every message is sent or given up on", () -> people.stream().allMatch(p -> outboxOf(p.id()).stream()
        .allMatch(e -> e.status() == MessageRecords.Status.SENT || e.status() == MessageRecords.Status.FAILED)));
    for (Person p : people) {
      MessageRecords.Entry e = outboxOf(p.id()).get(0);
      assertThat(e.attempts()).isEqualTo(1);
      if (p.email().startsWith("bounce-")) {
        assertThat(e.status()).isEqualTo(MessageRecords.Status.FAILED);
        assertThat(e.lastError()).isEqualTo("SMTP 550");
        assertThat(running.platform.domain().messages().own(Access.subject(p.id(), null), p.id(), 1, null, false).value().suppressed()).isTrue();
      } else {
        assertThat(e.status()).isEqualTo(MessageRecords.Status.SENT);
        List<MimeMessage> got = arrived(p);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).getMessageID()).isEqualTo("<" + e.id() + "@plenary.test>");
        // the bulk send's one text, sealed once for the group, reaches everyone and opens for each person's own view
        assertThat(got.get(0).getSubject()).isEqualTo("Your batch receipt");
        var own = running.platform.domain().messages().own(Access.subject(p.id(), null), p.id(), 1, null, true).value().messages().get(0);
        assertThat(own.subject()).isEqualTo("Your batch receipt");
        assertThat(own.body()).isEqualTo("Thanks.");
      }
    }
  }

  @Test
  void C16_badInputIsA4xxAndNothingIsQueued() throws Exception {
    Person p = register("bad-input-");
    long before = running.platform.domain().messages().newest(null, 100_000).size();
    assertThat(message("s-00000000-0000-0000-0000-000000000000", "transactional", "provide", "Hi").statusCode()).isEqualTo(404);
    assertThat(message(p.id(), "newsletter", "provide", "Hi").statusCode()).isEqualTo(400);
    assertThat(message(p.id(), "service", "world-domination", "Hi").statusCode()).isEqualTo(400);
    assertThat(message(p.id(), "service", "communicate.marketing", "Hi").statusCode()).isEqualTo(400);
    assertThat(message(p.id(), "marketing", "provide", "Hi").statusCode()).isEqualTo(400);
    HttpResponse<String> injected = message(p.id(), "transactional", "provide", "Hi\r\nBcc: someone@example.org");
    assertThat(injected.statusCode()).isEqualTo(400);
    assertThat(problem(injected).get("field").asText()).isEqualTo("subject");
    assertThat(injected.body()).doesNotContain("someone@example.org");
    HttpResponse<String> huge = running.postJson("/api/v1/messages", json.writeValueAsString(Map.of("subject_id", p.id(), "kind", "transactional",
        "purpose", "provide", "subject", "Hi", "body", "x".repeat(1_048_576))), shop);
    assertThat(huge.statusCode()).isBetween(400, 413);
    assertThat(running.postJson("/api/v1/messages", "{\"kind\":\"service\",\"purpose\":\"provide\",\"subject\":\"Hi\",\"body\":\"x\"}", shop).statusCode())
        .isEqualTo(400);
    assertThat(running.platform.domain().messages().newest(null, 100_000)).hasSize((int) before);
  }

  @Test
  void C16_theMarketingLimitHoldsUnderConcurrentSends() throws Exception {
    Person p = register("limited-");
    optIn(p);
    int threads = 12;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int n = i;
      Callable<HttpResponse<String>> send = () -> {
        go.await();
        return message(p.id(), "marketing", "communicate.marketing", "Offer " + n);
      };
      answers.add(pool.submit(send));
    }
    go.countDown();
    int queued = 0;
    int limited = 0;
    for (Future<HttpResponse<String>> f : answers) {
      HttpResponse<String> r = f.get();
      if (r.statusCode() == 202) {
        queued++;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(problem(r).get("rules").toString()).contains("marketing-rate-limit");
        limited++;
      }
    }
    pool.shutdown();
    assertThat(queued).isEqualTo(2);
    assertThat(limited).isEqualTo(threads - 2);
    assertThat(outboxOf(p.id())).hasSize(2);
  }

  @Test
  void C16_aBulkSendAnswersCountsOnly() throws Exception {
    Person in = register("bulk-in-");
    optIn(in);
    Person out = register("bulk-out-");
    HttpResponse<String> r = running.postJson("/api/v1/messages/bulk", json.writeValueAsString(Map.of("subject_ids",
        List.of(in.id(), out.id(), "s-00000000-0000-0000-0000-000000000000"), "kind", "marketing", "purpose", "communicate.marketing",
        "subject", "Our winter offers", "body", "Warm socks.", "idempotency_key", "winter-" + System.nanoTime())), shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode b = json.readTree(r.body());
    assertThat(b.get("queued").asInt()).isEqualTo(1);
    assertThat(b.get("refused").get("marketing-needs-opt-in").asInt()).isEqualTo(1);
    assertThat(b.get("refused").get("not-visible").asInt()).isEqualTo(1);
    assertThat(r.body()).doesNotContain(in.id()).doesNotContain(out.id()).doesNotContain("example.org");
    await("the offer arrives", () -> arrived(in).size() == 1);
    assertThat(arrived(out)).isEmpty();
  }

  @Test
  void C16_thePersonSeesTheirMessagesAndUnsubscribesInThePrivacyCenter() throws Exception {
    Person p = register("center-");
    assertThat(message(p.id(), "transactional", "provide", "Zebra receipt").statusCode()).isEqualTo(202);
    await("the receipt arrives", () -> arrived(p).size() == 1);
    HttpResponse<String> page = running.http.send(HttpRequest.newBuilder(running.uri("/account")).header("Cookie", p.cookie()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Messages to you").contains(">for something you asked for</td><td data-label=\"About\">Providing our services</td>")
        .contains("<td data-label=\"Status\">sent</td>")
        .doesNotContain("Zebra receipt").contains("Service notices").contains("value=\"service\"");
    HttpResponse<String> off = running.http.send(HttpRequest.newBuilder(running.uri("/account/subscriptions")).header("Cookie", p.cookie())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("csrf=" + p.csrf() + "&kind=service&subscribed=false")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(off.statusCode()).as(off.body()).isEqualTo(303);
    assertThat(message(p.id(), "service", "provide", "Our new terms").statusCode()).isEqualTo(403);
    HttpResponse<String> on = running.http.send(HttpRequest.newBuilder(running.uri("/account/subscriptions")).header("Cookie", p.cookie())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("csrf=" + p.csrf() + "&kind=service&subscribed=true")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(on.statusCode()).isEqualTo(303);
    assertThat(message(p.id(), "service", "provide", "Our new terms").statusCode()).isEqualTo(202);
    // without the session's CSRF token nothing changes
    HttpResponse<String> forged = running.http.send(HttpRequest.newBuilder(running.uri("/account/subscriptions")).header("Cookie", p.cookie())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("csrf=forged&kind=service&subscribed=false")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(message(p.id(), "service", "provide", "Our newer terms").statusCode()).isEqualTo(202);
  }

  private HttpResponse<String> mine(Person p, String query) throws Exception {
    return running.http.send(HttpRequest.newBuilder(running.uri("/api/v1/me/messages" + query)).header("Cookie", p.cookie()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private long auditedTextReads(String subjectId) {
    return running.platform.store().audit().recent(1000, null).stream()
        .filter(a -> subjectId.equals(a.subject()) && a.action().equals("read-messages")).count();
  }

  @Test
  void C34_aPersonSeesTheirOwnMessagesAndTheirTextOnlyWhenTheyAskWhichIsAudited() throws Exception {
    Person p = register("mine-");
    Person other = register("other-");
    for (String subject : List.of("First notice", "Second notice", "Third notice")) {
      assertThat(message(p.id(), "service", "provide", subject).statusCode()).isEqualTo(202);
    }
    assertThat(message(other.id(), "service", "provide", "Not yours").statusCode()).isEqualTo(202);
    await("the notices arrive", () -> arrived(p).size() == 3);
    await("the outbox marks them sent", () -> outboxOf(p.id()).stream().allMatch(e -> e.status() == MessageRecords.Status.SENT));

    HttpResponse<String> r = mine(p, "");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode all = json.readTree(r.body());
    assertThat(all.get("messages")).hasSize(3);
    JsonNode newest = all.get("messages").get(0);
    assertThat(newest.get("kind").asText()).isEqualTo("service");
    assertThat(newest.get("purpose").asText()).isEqualTo("provide");
    assertThat(newest.get("service").asText()).isEqualTo("shop");
    assertThat(newest.get("status").asText()).isEqualTo("sent");
    assertThat(newest.get("sent_at").isNull()).isFalse();
    assertThat(newest.has("subject")).isFalse();
    assertThat(newest.has("body")).isFalse();
    assertThat(r.body()).doesNotContain("notice").doesNotContain("Not yours").doesNotContain("Hello from the shop");
    assertThat(all.get("subscriptions").toString()).contains("\"kind\":\"service\"").contains("\"kind\":\"marketing\"");
    assertThat(all.get("suppressed").asBoolean()).isFalse();
    assertThat(all.get("waiting")).isEmpty();
    assertThat(auditedTextReads(p.id())).isZero();

    HttpResponse<String> first = mine(p, "?limit=2");
    JsonNode page1 = json.readTree(first.body());
    assertThat(page1.get("messages")).hasSize(2);
    String next = page1.get("next").asText();
    JsonNode page2 = json.readTree(mine(p, "?limit=2&before=" + next).body());
    assertThat(page2.get("messages")).hasSize(1);
    assertThat(page2.get("next").isNull()).isTrue();
    assertThat(List.of(page1.get("messages").get(0).get("id").asText(), page1.get("messages").get(1).get("id").asText(),
        page2.get("messages").get(0).get("id").asText())).doesNotHaveDuplicates();

    HttpResponse<String> withText = mine(p, "?include=body");
    assertThat(withText.statusCode()).as(withText.body()).isEqualTo(200);
    JsonNode texts = json.readTree(withText.body()).get("messages");
    assertThat(texts.get(0).get("subject").asText()).isEqualTo("Third notice");
    assertThat(texts.get(2).get("subject").asText()).isEqualTo("First notice");
    assertThat(texts.get(0).get("body").asText()).isEqualTo("Hello from the shop.");
    assertThat(withText.body()).doesNotContain("Not yours");
    assertThat(auditedTextReads(p.id())).isEqualTo(1);

    for (String bad : List.of("?limit=0", "?limit=201", "?limit=ten", "?include=everything", "?before=s-someone")) {
      HttpResponse<String> refused = mine(p, bad);
      assertThat(refused.statusCode()).as(bad).isEqualTo(400);
      assertThat(problem(refused).get("detail").asText()).isNotBlank();
    }
    HttpResponse<String> anonymous = running.get("/api/v1/me/messages");
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void C16_thePrivacyCenterShowsWhatIsWaitingAndTheTextOnRequest() throws Exception {
    Person p = register("waiting-");
    assertThat(message(p.id(), "service", "provide", "Sent notice").statusCode()).isEqualTo(202);
    await("the notice arrives", () -> arrived(p).size() == 1);
    await("the outbox marks it sent", () -> outboxOf(p.id()).get(0).status() == MessageRecords.Status.SENT);
    // a message due tomorrow (as one backing off after failures is) waits in the outbox
    Instant tomorrow = Instant.now().plus(Duration.ofDays(1));
    running.platform.vault().storage().inTransaction(w -> {
      w.messages().add(new MessageRecords.Queued("msg-ffffffff-0000-7000-8000-000000000001", p.id(), "shop", "service", "provide", null,
          "Later notice", "Later.", Instant.now()), tomorrow);
      return null;
    });
    JsonNode waiting = json.readTree(mine(p, "").body()).get("waiting");
    assertThat(waiting).hasSize(1);
    assertThat(waiting.get(0).get("status").asText()).isEqualTo("queued");

    HttpResponse<String> page = running.http.send(HttpRequest.newBuilder(running.uri("/account")).header("Cookie", p.cookie()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).contains("Waiting to be sent").contains("waiting to be sent").contains("Show the text of these messages")
        .doesNotContain("Sent notice").doesNotContain("Later notice").doesNotContain("C16").doesNotContain("read-messages");
    HttpResponse<String> shown = running.http.send(HttpRequest.newBuilder(running.uri("/account?text=1")).header("Cookie", p.cookie()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(shown.statusCode()).isEqualTo(200);
    assertThat(shown.body()).contains("<strong>Sent notice</strong>").contains("Hello from the shop.").contains("Hide the text");
    assertThat(auditedTextReads(p.id())).isEqualTo(1);
  }

  @Test
  void C16_theMetricsCountQueuedSentAndRefusedMessages() throws Exception {
    Person p = register("metrics-");
    assertThat(message(p.id(), "marketing", "communicate.marketing", "Offer").statusCode()).isEqualTo(403);
    assertThat(message(p.id(), "transactional", "provide", "Receipt").statusCode()).isEqualTo(202);
    await("the receipt arrives", () -> arrived(p).size() == 1);
    String metrics = running.get("/metrics").body();
    assertThat(metrics).containsPattern("plenary_messages_total\\{outcome=\"queued\"\\} [1-9]")
        .containsPattern("plenary_messages_total\\{outcome=\"sent\"\\} [1-9]")
        .containsPattern("plenary_messages_refused_total\\{rule=\"marketing-needs-opt-in\"\\} [1-9]")
        .contains("plenary_outbox_messages{status=\"sent\"}").contains("plenary_outbox_oldest_age_seconds");
  }

  /** Registers through the public form as a new browser would; answers the response. */
  private HttpResponse<String> registerByForm(String email) throws Exception {
    HttpResponse<String> page = running.get("/account");
    String bid = page.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("pl_bid=")).findFirst().orElseThrow();
    var csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(csrf.find()).isTrue();
    String form = "csrf=" + csrf.group(1) + "&email=" + URLEncoder.encode(email, StandardCharsets.UTF_8)
        + "&name=Ada&password=" + URLEncoder.encode("a long passphrase of theirs", StandardCharsets.UTF_8);
    return running.http.send(HttpRequest.newBuilder(running.uri("/account/register")).header("Cookie", bid.substring(0, bid.indexOf(';')))
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void registrationAnswersAlikeForANewAndARegisteredAddressAndTellsTheOwnerByMail() throws Exception {
    String email = "twice" + System.nanoTime() + "@example.org";
    Person owner = new Person(null, email, null, null);
    HttpResponse<String> first = registerByForm(email);
    HttpResponse<String> second = registerByForm(email);
    assertThat(first.statusCode()).isEqualTo(303);
    assertThat(second.statusCode()).isEqualTo(first.statusCode());
    assertThat(second.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location")).contains("/account?done=check-mail");
    assertThat(second.body()).isEqualTo(first.body());
    await("both messages arrive", () -> arrived(owner).size() == 2);
    assertThat(arrived(owner).stream().map(m -> {
      try {
        return m.getSubject();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    })).containsExactlyInAnyOrder("Welcome to Plenary", "Someone tried to register with your address");
    // the address has one account, and its password is the first one's
    assertThat(running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"a long passphrase of theirs\"}", null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void C16_anIdempotencyKeyQueuesAMessageOnce() throws Exception {
    Person p = register("idempotent-");
    Person other = register("other-");
    String key = "order-" + System.nanoTime();
    String body = json.writeValueAsString(Map.of("subject_id", p.id(), "kind", "transactional", "purpose", "provide", "subject", "Your receipt",
        "body", "Thanks.", "idempotency_key", key));
    HttpResponse<String> first = running.postJson("/api/v1/messages", body, shop);
    HttpResponse<String> again = running.postJson("/api/v1/messages", body, shop);
    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(json.readTree(again.body()).get("id").asText()).isEqualTo(json.readTree(first.body()).get("id").asText());
    assertThat(json.readTree(again.body()).get("repeated").asBoolean()).isTrue();
    HttpResponse<String> reused = running.postJson("/api/v1/messages", body.replace(p.id(), other.id()), shop);
    assertThat(reused.statusCode()).isEqualTo(409);
    await("the receipt arrives", () -> arrived(p).size() == 1);
    Thread.sleep(500);
    assertThat(arrived(p)).hasSize(1);
    assertThat(outboxOf(other.id())).isEmpty();
  }
}
