package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.Ids;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.MessageRecords.Entry;
import com.plenary.privacy.domain.MessageRecords.Queued;
import com.plenary.privacy.domain.MessageRecords.Status;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.policy.Condition;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The contract of the message port ({@link MessageRecords}, C16) through {@code JdbcStorage}/{@code JdbcWork}:
 * every method of the port, each in its own transaction as the domain uses it. Every test here runs on
 * H2 and on PostgreSQL ({@link H2MessageRecordsTest}, {@link PostgresMessageRecordsTest}).
 */
abstract class MessageRecordsContract {
  private static final Access MAIL = Access.service("mail", "rq-test");
  /** Whole seconds, so that both databases give back exactly what they were given. */
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  abstract Storage storage();

  abstract Domain domain();

  /** The key store behind {@link #storage()}, for looking at which keys exist. */
  abstract SubjectKeys keyStore();

  /** The data database's JDBC URL and user, for looking at the rows behind the platform's back. */
  abstract String url();

  abstract String user();

  private String person() {
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "m." + System.nanoTime() + "@example.org", "name", "Grace Hopper"), null, null);
    assertThat(out.permitted()).isTrue();
    return out.value().id();
  }

  private <T> T tx(Function<MessageRecords, T> work) {
    return storage().inTransaction(w -> work.apply(w.messages()));
  }

  private Optional<Entry> opt(Function<MessageRecords, Optional<Entry>> work) {
    return tx(work);
  }

  private int count(Function<MessageRecords, Integer> work) {
    return tx(work);
  }

  private boolean flag(Function<MessageRecords, Boolean> work) {
    return tx(work);
  }

  private List<Entry> entries(Function<MessageRecords, List<Entry>> work) {
    return tx(work);
  }

  private List<String> names(Function<MessageRecords, List<String>> work) {
    return tx(work);
  }

  private static String newId() {
    return "msg-" + Ids.timeOrdered();
  }

  private String queue(String subjectId, String kind, String key, Instant at, Instant firstAttempt) {
    // as the gateway makes it: time-ordered from the moment it is queued (two ids made in one millisecond need not sort as made)
    String id = "msg-" + Ids.timeOrdered(at.toEpochMilli());
    tx(m -> {
      m.add(new Queued(id, subjectId, "shop", kind, kind.equals("marketing") ? "communicate.marketing" : "provide", key, "Subject " + id, "Body " + id, at),
          firstAttempt);
      return null;
    });
    return id;
  }

  @Test
  void anAddedMessageIsQueuedWithItsFactsAndNoTextInItsEntry() {
    String s = person();
    String id = queue(s, "service", null, T0, T0.plusSeconds(5));
    Entry e = tx(m -> m.entry(id)).orElseThrow();
    assertThat(e).isEqualTo(new Entry(id, s, "shop", "service", "provide", Status.QUEUED, 0, T0, T0.plusSeconds(5), null, null));
    assertThat(opt(m -> m.entry("msg-00000000-0000-7000-8000-000000000000"))).isEmpty();
  }

  @Test
  void C16_subjectAndBodyAreSealedAtRestAndOpenOnlyThroughThePort() throws SQLException {
    String s = person();
    String id = queue(s, "service", null, T0, T0);
    try (var c = DriverManager.getConnection(url(), user(), "");
        var ps = c.prepareStatement("SELECT subject_sealed, body_sealed FROM message_outbox WHERE id = ?")) {
      ps.setString(1, id);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain("Subject " + id);
        assertThat(new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)).doesNotContain("Body " + id);
      }
    }
    Entry e = tx(m -> m.entry(id)).orElseThrow();
    Map.Entry<String, String> text = tx(m -> m.open(e));
    assertThat(text.getKey()).isEqualTo("Subject " + id);
    assertThat(text.getValue()).isEqualTo("Body " + id);
  }

  @Test
  void anIdempotencyKeyFindsTheMessageOfItsServiceOnly() {
    String s = person();
    String key = "k" + System.nanoTime();
    String id = queue(s, "service", key, T0, T0);
    assertThat(opt(m -> m.byIdempotencyKey("shop", key))).map(Entry::id).contains(id);
    assertThat(opt(m -> m.byIdempotencyKey("other-service", key))).isEmpty();
    assertThat(opt(m -> m.byIdempotencyKey("shop", key + "x"))).isEmpty();
  }

  @Test
  void aKeyIsOneMessageOfAServiceAndMayBeAnotherServicesToo() {
    String s = person();
    String key = "k" + System.nanoTime();
    queue(s, "service", key, T0, T0);
    assertThatThrownBy(() -> queue(s, "service", key, T0, T0)).as("the same service, the same key").isInstanceOf(RuntimeException.class);
    tx(m -> {
      m.add(new Queued(newId(), s, "other-service", "service", "provide", key, "S", "B", T0), T0);
      return null;
    });
    assertThat(opt(m -> m.byIdempotencyKey("other-service", key))).isPresent();
    Map<String, Entry> byKey = tx(m -> m.byIdempotencyKeys("shop", List.of(key)));
    assertThat(byKey).hasSize(1);
  }

  @Test
  void C16_countSinceCountsAKindFromATimeOnAndLeavesOutWithdrawnMessages() {
    String s = person();
    queue(s, "marketing", null, T0.minus(Duration.ofDays(8)), T0);
    String recent = queue(s, "marketing", null, T0.minus(Duration.ofDays(1)), T0);
    queue(s, "marketing", null, T0, T0);
    queue(s, "service", null, T0, T0);
    assertThat(count(m -> m.countSince(s, "marketing", T0.minus(Duration.ofDays(7))))).isEqualTo(2);
    assertThat(count(m -> m.countSince(s, "service", T0.minus(Duration.ofDays(7))))).isEqualTo(1);
    tx(m -> {
      m.mark(recent, Status.WITHDRAWN, 0, T0, null, "no-message-after-unsubscribe");
      return null;
    });
    assertThat(count(m -> m.countSince(s, "marketing", T0.minus(Duration.ofDays(7))))).isEqualTo(1);
  }

  @Test
  void dueAnswersQueuedMessagesWhoseTimeHasComeOldestFirstUpToTheLimit() {
    String s = person();
    Instant far = T0.plus(Duration.ofDays(3650));
    String second = queue(s, "service", null, T0, far.plusSeconds(2));
    String first = queue(s, "service", null, T0, far.plusSeconds(1));
    String later = queue(s, "service", null, T0, far.plusSeconds(60));
    String sending = queue(s, "service", null, T0, far);
    tx(m -> {
      m.mark(sending, Status.SENDING, 1, far, null, null);
      return null;
    });
    List<String> due = names(m -> m.due(far.plusSeconds(10), 10_000));
    assertThat(due).contains(first, second).doesNotContain(later, sending);
    assertThat(due.indexOf(first)).isLessThan(due.indexOf(second));
    assertThat(names(m -> m.due(far.plusSeconds(10), 1))).hasSize(1);
  }

  @Test
  void everyDueMessageFallsInExactlyOneShareOfTheOutbox() {
    String s = person();
    Instant far = T0.plus(Duration.ofDays(5000));
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      queued.add(queue(s, "service", null, T0, far));
    }
    List<String> all = names(m -> m.due(far, 10_000));
    assertThat(all).containsAll(queued);
    for (int shards : new int[] {1, 3, 4}) {
      List<String> union = new ArrayList<>();
      for (int shard = 0; shard < shards; shard++) {
        int k = shard;
        List<String> share = names(m -> m.due(far, 10_000, k, shards));
        assertThat(Collections.disjoint(share, union)).as("share %d of %d is apart from the others", k, shards).isTrue();
        if (shards > 1) {
          assertThat(share).as("share %d of %d", k, shards).isNotEmpty().hasSizeLessThan(all.size());
        }
        union.addAll(share);
      }
      assertThat(union).containsExactlyInAnyOrderElementsOf(all);
    }
  }

  @Test
  void aClaimTakesOnlyAQueuedMessageAndMarkMovesItOn() {
    String s = person();
    String id = queue(s, "service", null, T0, T0);
    assertThat(opt(m -> m.claim(id))).map(Entry::status).contains(Status.QUEUED);
    tx(m -> {
      m.mark(id, Status.SENDING, 1, T0.plusSeconds(1), null, null);
      return null;
    });
    assertThat(opt(m -> m.claim(id))).isEmpty();
    tx(m -> {
      m.mark(id, Status.SENT, 1, T0.plusSeconds(2), T0.plusSeconds(2), null);
      return null;
    });
    Entry sent = tx(m -> m.entry(id)).orElseThrow();
    assertThat(sent.status()).isEqualTo(Status.SENT);
    assertThat(sent.attempts()).isEqualTo(1);
    assertThat(sent.sentAt()).isEqualTo(T0.plusSeconds(2));
    String failing = queue(s, "service", null, T0, T0);
    tx(m -> {
      m.mark(failing, Status.QUEUED, 1, T0.plusSeconds(30), null, "SMTP 421 " + "x".repeat(300));
      return null;
    });
    Entry deferred = tx(m -> m.entry(failing)).orElseThrow();
    assertThat(deferred.nextAttemptAt()).isEqualTo(T0.plusSeconds(30));
    assertThat(deferred.lastError()).startsWith("SMTP 421").hasSize(200);
  }

  @Test
  void aGroupClaimTakesOnlyQueuedMessagesInTheOrderAskedOpensThemAndMarksThemInOneBatch() {
    String s = person();
    String t = person();
    String a = queue(s, "service", null, T0, T0);
    String b = queue(t, "service", null, T0, T0);
    String c = queue(s, "service", null, T0, T0);
    tx(m -> {
      m.mark(c, Status.SENDING, 1, T0, null, null);
      return null;
    });
    List<Entry> claimed = entries(m -> m.claimAll(List.of(b, "msg-00000000-0000-7000-8000-000000000000", c, a)));
    assertThat(claimed).extracting(Entry::id).containsExactly(b, a);
    Map<String, Map.Entry<String, String>> texts = tx(m -> m.openAll(claimed));
    assertThat(texts).containsOnlyKeys(a, b);
    assertThat(texts.get(a)).isEqualTo(Map.entry("Subject " + a, "Body " + a));
    assertThat(texts.get(b)).isEqualTo(Map.entry("Subject " + b, "Body " + b));
    Map<String, String> addresses = storage().inTransaction(w -> w.people().openAll(List.of(s, t, "sub-unknown"), "email"));
    assertThat(addresses).containsOnlyKeys(s, t);
    assertThat(addresses.get(s)).endsWith("@example.org").isNotEqualTo(addresses.get(t));
    tx(m -> {
      m.markAll(List.of(new MessageRecords.Mark(a, Status.SENT, 1, T0.plusSeconds(3), T0.plusSeconds(3), null),
          new MessageRecords.Mark(b, Status.QUEUED, 1, T0.plusSeconds(40), null, "SMTP 451 " + "y".repeat(300))));
      return null;
    });
    Entry sent = tx(m -> m.entry(a)).orElseThrow();
    assertThat(sent.status()).isEqualTo(Status.SENT);
    assertThat(sent.sentAt()).isEqualTo(T0.plusSeconds(3));
    Entry deferred = tx(m -> m.entry(b)).orElseThrow();
    assertThat(deferred.status()).isEqualTo(Status.QUEUED);
    assertThat(deferred.nextAttemptAt()).isEqualTo(T0.plusSeconds(40));
    assertThat(deferred.lastError()).startsWith("SMTP 451").hasSize(200);
    assertThat(entries(m -> m.claimAll(List.of(a)))).isEmpty();
  }

  @Test
  void alikeMarksOfABatchMoveEachOfTheirMessagesAndNoOther() {
    String s = person();
    String one = queue(s, "service", null, T0, T0);
    String two = queue(s, "service", null, T0, T0);
    String other = queue(s, "service", null, T0, T0);
    String untouched = queue(s, "service", null, T0, T0);
    tx(m -> {
      m.markAll(List.of(new MessageRecords.Mark(one, Status.SENT, 1, T0.plusSeconds(7), T0.plusSeconds(7), null),
          new MessageRecords.Mark(other, Status.WITHDRAWN, 0, T0.plusSeconds(7), null, "no-address"),
          new MessageRecords.Mark(two, Status.SENT, 1, T0.plusSeconds(7), T0.plusSeconds(7), null)));
      return null;
    });
    for (String id : List.of(one, two)) {
      assertThat(opt(m -> m.entry(id))).get().isEqualTo(new Entry(id, s, "shop", "service", "provide", Status.SENT, 1, T0, T0.plusSeconds(7),
          T0.plusSeconds(7), null));
    }
    assertThat(opt(m -> m.entry(other))).get().isEqualTo(new Entry(other, s, "shop", "service", "provide", Status.WITHDRAWN, 0, T0, T0.plusSeconds(7),
        null, "no-address"));
    assertThat(opt(m -> m.entry(untouched))).map(Entry::status).contains(Status.QUEUED);
  }

  @Test
  void aClaimLocksTheMessageSoASecondSenderDoesNotGetIt() throws Exception {
    String s = person();
    String id = queue(s, "service", null, T0, T0);
    CountDownLatch claimed = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Boolean> first = pool.submit(() -> storage().inTransaction(w -> {
        boolean got = w.messages().claim(id).isPresent();
        w.messages().mark(id, Status.SENDING, 1, T0, null, null);
        claimed.countDown();
        await(release);
        return got;
      }));
      assertThat(claimed.await(10, TimeUnit.SECONDS)).isTrue();
      Future<Optional<Entry>> second = pool.submit(() -> tx(m -> m.claim(id)));
      Thread.sleep(200);
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(second.get(10, TimeUnit.SECONDS)).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void C16_theLockOnAPersonHoldsASecondSendUntilTheFirstCommits() throws Exception {
    String s = person();
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> first = pool.submit(() -> storage().inTransaction(w -> {
        w.messages().lockPerson(s);
        locked.countDown();
        await(release);
        w.messages().add(new Queued(newId(), s, "shop", "marketing", "communicate.marketing", null, "a", "b", T0), T0);
        return null;
      }));
      assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
      Future<Integer> second = pool.submit(() -> storage().inTransaction(w -> {
        w.messages().lockPerson(s);
        return w.messages().countSince(s, "marketing", T0.minusSeconds(1));
      }));
      Thread.sleep(300);
      assertThat(second.isDone()).as("the second send waits for the first").isFalse();
      release.countDown();
      first.get(10, TimeUnit.SECONDS);
      assertThat(second.get(10, TimeUnit.SECONDS)).as("and then sees its message").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void ofPageAndWaitingListAPersonsOwnMessagesNewestFirst() {
    String s = person();
    String other = person();
    String a = queue(s, "service", null, T0, T0);
    String b = queue(s, "transactional", null, T0.plusSeconds(1), T0);
    String c = queue(s, "service", null, T0.plusSeconds(2), T0.plus(Duration.ofDays(1)));
    queue(other, "service", null, T0, T0);
    tx(m -> {
      m.mark(a, Status.SENT, 1, T0, T0, null);
      m.mark(b, Status.SENDING, 1, T0, null, null);
      return null;
    });
    assertThat(entries(m -> m.of(s, 10))).extracting(Entry::id).containsExactly(c, b, a);
    assertThat(entries(m -> m.of(s, 2))).extracting(Entry::id).containsExactly(c, b);
    assertThat(entries(m -> m.page(s, null, 2))).extracting(Entry::id).containsExactly(c, b);
    assertThat(entries(m -> m.page(s, b, 2))).extracting(Entry::id).containsExactly(a);
    assertThat(entries(m -> m.page(s, a, 2))).isEmpty();
    assertThat(entries(m -> m.waiting(s, 10))).extracting(Entry::id).containsExactly(c, b);
    assertThat(entries(m -> m.waiting(s, 1))).extracting(Entry::id).containsExactly(c);
  }

  @Test
  void newestListsEveryonesMessagesInAStatusOrAny() {
    String s = person();
    String failed = queue(s, "service", null, T0.plus(Duration.ofDays(7300)), T0);
    tx(m -> {
      m.mark(failed, Status.FAILED, 3, T0, null, "SMTP 550");
      return null;
    });
    assertThat(entries(m -> m.newest(Status.FAILED, 10_000))).extracting(Entry::id).contains(failed);
    assertThat(entries(m -> m.newest(Status.FAILED, 10_000))).allMatch(e -> e.status() == Status.FAILED);
    assertThat(entries(m -> m.newest(null, 1))).extracting(Entry::id).containsExactly(failed);
    assertThat(entries(m -> m.newest(Status.UNCERTAIN, 10_000))).noneMatch(e -> e.id().equals(failed));
  }

  @Test
  void C16_unsubscribingIsPerKindOnceAndCanBeTakenBack() {
    String s = person();
    assertThat(names(m -> m.unsubscribed(s))).isEmpty();
    assertThat(flag(m -> m.unsubscribe(s, "marketing", T0))).isTrue();
    assertThat(flag(m -> m.unsubscribe(s, "marketing", T0))).isFalse();
    assertThat(flag(m -> m.unsubscribe(s, "service", T0))).isTrue();
    assertThat(names(m -> m.unsubscribed(s))).containsExactly("marketing", "service");
    assertThat(flag(m -> m.resubscribe(s, "service"))).isTrue();
    assertThat(flag(m -> m.resubscribe(s, "service"))).isFalse();
    assertThat(names(m -> m.unsubscribed(s))).containsExactly("marketing");
  }

  @Test
  void C16_theFactsOfAGroupLookedUpTogetherAreEachPersonsOwn() {
    String plain = person();
    String unsubscribed = person();
    String suppressed = person();
    String consenting = person();
    assertThat(flag(m -> m.unsubscribe(unsubscribed, "marketing", T0))).isTrue();
    assertThat(flag(m -> m.unsubscribe(plain, "service", T0))).as("not a fact the engine reads").isTrue();
    assertThat(flag(m -> m.suppress(suppressed, "hard-bounce", T0))).isTrue();
    domain().consents().grant(Access.subject(consenting, null), consenting, "develop", null);
    domain().consents().grant(Access.subject(consenting, null), consenting, "improve.analytics", null);
    List<String> group = List.of(consenting, "s-" + Ids.timeOrdered(), plain, suppressed, unsubscribed);
    Map<String, Facts> many = storage().inTransaction(w -> w.facts(MAIL, group, T0));
    assertThat(many.keySet()).containsExactlyElementsOf(group);
    for (String s : group) {
      Facts one = storage().inTransaction(w -> w.facts(MAIL, s, T0));
      assertThat(many.get(s).conditions()).as(s).isEqualTo(one.conditions());
      assertThat(many.get(s).subjectPolicyVersion()).as(s).isEqualTo(one.subjectPolicyVersion());
      assertThat(many.get(s).consents()).as(s).containsExactlyInAnyOrderElementsOf(one.consents());
    }
    assertThat(many.get(plain).conditions()).isEmpty();
    assertThat(many.get(plain).subjectPolicyVersion()).isPositive();
    assertThat(many.get(unsubscribed).conditions()).containsExactly(Condition.UNSUBSCRIBED);
    assertThat(many.get(suppressed).conditions()).containsExactly(Condition.SUPPRESSED);
    assertThat(many.get(consenting).consents()).extracting(Facts.Consent::purpose).containsExactly("develop", "improve.analytics");
    assertThat(many.get(group.get(1)).subjectPolicyVersion()).as("no such person").isZero();
    // people with the same consents have equal facts: the order of a person's consents does not depend on the order they were given in
    String other = person();
    domain().consents().grant(Access.subject(other, null), other, "improve.analytics", null);
    domain().consents().grant(Access.subject(other, null), other, "develop", null);
    Map<String, Facts> both = storage().inTransaction(w -> w.facts(MAIL, List.of(consenting, other), T0));
    assertThat(both.get(other).consents()).isEqualTo(both.get(consenting).consents());
  }

  @Test
  void C16_theSuppressionListTakesAPersonOnce() {
    String s = person();
    assertThat(flag(m -> m.suppressed(s))).isFalse();
    assertThat(flag(m -> m.suppress(s, "hard-bounce", T0))).isTrue();
    assertThat(flag(m -> m.suppress(s, "complaint", T0))).isFalse();
    assertThat(flag(m -> m.suppressed(s))).isTrue();
  }

  @Test
  void statsCountByStatusAndNameTheOldestQueuedMessage() {
    String s = person();
    Instant old = T0.minus(Duration.ofDays(3650));
    MessageRecords.Stats before = tx(MessageRecords::stats);
    queue(s, "service", null, old, T0.plus(Duration.ofDays(3650)));
    String sent = queue(s, "service", null, T0, T0.plus(Duration.ofDays(3650)));
    tx(m -> {
      m.mark(sent, Status.SENT, 1, T0, T0, null);
      return null;
    });
    MessageRecords.Stats after = tx(MessageRecords::stats);
    assertThat(after.byStatus().keySet()).containsExactlyInAnyOrder(Status.values());
    assertThat(after.byStatus().get(Status.QUEUED)).isEqualTo(before.byStatus().get(Status.QUEUED) + 1);
    assertThat(after.byStatus().get(Status.SENT)).isEqualTo(before.byStatus().get(Status.SENT) + 1);
    assertThat(after.oldestQueued()).isEqualTo(old);
  }

  @Test
  void C16_aMessageLeftSendingIsMarkedUncertainAndNeverDueAgain() {
    String s = person();
    Instant far = T0.plus(Duration.ofDays(7000));
    String stuck = queue(s, "service", null, T0, far);
    String fresh = queue(s, "service", null, T0, far);
    tx(m -> {
      m.mark(stuck, Status.SENDING, 1, far, null, null);
      m.mark(fresh, Status.SENDING, 1, far.plusSeconds(600), null, null);
      return null;
    });
    assertThat(count(m -> m.markInterruptedUncertain(far.plusSeconds(120)))).isGreaterThanOrEqualTo(1);
    assertThat(opt(m -> m.entry(stuck))).map(Entry::status).contains(Status.UNCERTAIN);
    assertThat(opt(m -> m.entry(fresh))).map(Entry::status).contains(Status.SENDING);
    assertThat(names(m -> m.due(far.plus(Duration.ofDays(1)), 10_000))).doesNotContain(stuck, fresh);
  }

  @Test
  void aMessageIsInTheDueIndexWhileItWaitsOrIsBeingSentAndLeavesItForGood() throws SQLException {
    String s = person();
    Instant far = T0.plus(Duration.ofDays(7100));
    String sent = queue(s, "service", null, T0, far);
    String deferred = queue(s, "service", null, T0, far);
    String withdrawn = queue(s, "service", null, T0, far);
    assertThat(dueAt(sent)).isEqualTo(far);
    tx(m -> {
      m.markAll(List.of(new MessageRecords.Mark(sent, Status.SENDING, 1, far.plusSeconds(5), null, null),
          new MessageRecords.Mark(deferred, Status.SENDING, 1, far.plusSeconds(5), null, null),
          new MessageRecords.Mark(withdrawn, Status.WITHDRAWN, 0, far.plusSeconds(5), null, "no-address")));
      return null;
    });
    // the claim changes no indexed column: the due time stays, the claim time is next_attempt_at
    assertThat(dueAt(sent)).isEqualTo(far);
    assertThat(opt(m -> m.entry(sent)).orElseThrow().nextAttemptAt()).isEqualTo(far.plusSeconds(5));
    assertThat(dueAt(withdrawn)).isNull();
    assertThat(names(m -> m.due(far.plusSeconds(60), 10_000))).doesNotContain(sent, deferred, withdrawn);
    tx(m -> {
      m.markAll(List.of(new MessageRecords.Mark(sent, Status.SENT, 1, far.plusSeconds(6), far.plusSeconds(6), null),
          new MessageRecords.Mark(deferred, Status.QUEUED, 1, far.plusSeconds(40), null, "SMTP 451")));
      return null;
    });
    assertThat(dueAt(sent)).isNull();
    assertThat(dueAt(deferred)).isEqualTo(far.plusSeconds(40));
    assertThat(names(m -> m.due(far.plusSeconds(39), 10_000))).doesNotContain(sent, deferred);
    assertThat(names(m -> m.due(far.plusSeconds(40), 10_000))).contains(deferred).doesNotContain(sent, withdrawn);
    // an operator's retry puts a message that had left the queue back in the due index
    tx(m -> {
      m.mark(withdrawn, Status.QUEUED, 0, far.plusSeconds(50), null, null);
      return null;
    });
    assertThat(names(m -> m.due(far.plusSeconds(50), 10_000))).contains(withdrawn, deferred).doesNotContain(sent);
  }

  @Test
  void C16_aMessageDueLongBeforeItWasClaimedIsInterruptedOnlyByItsClaimTime() throws SQLException {
    String s = person();
    Instant far = T0.plus(Duration.ofDays(7200));
    String late = queue(s, "service", null, T0, far);
    String stuck = queue(s, "service", null, T0, far);
    tx(m -> {
      // due at far; one claimed an hour later (a backlog), one at its time and left there by a sender that stopped
      m.mark(late, Status.SENDING, 1, far.plusSeconds(3600), null, null);
      m.mark(stuck, Status.SENDING, 1, far, null, null);
      return null;
    });
    assertThat(count(m -> m.markInterruptedUncertain(far.plusSeconds(1800)))).isGreaterThanOrEqualTo(1);
    assertThat(opt(m -> m.entry(late))).map(Entry::status).contains(Status.SENDING);
    assertThat(opt(m -> m.entry(stuck))).map(Entry::status).contains(Status.UNCERTAIN);
    assertThat(dueAt(stuck)).isNull();
    assertThat(dueAt(late)).isEqualTo(far);
  }

  /** The message's due time (V54) as the database keeps it, or null when it is in no sender's way. */
  private Instant dueAt(String id) throws SQLException {
    try (var c = DriverManager.getConnection(url(), user(), "");
        var ps = c.prepareStatement("SELECT due_at FROM message_outbox WHERE id = ?")) {
      ps.setString(1, id);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        var at = rs.getObject(1, OffsetDateTime.class);
        return at == null ? null : at.toInstant();
      }
    }
  }

  @Test
  void C16_erasingThePersonDeletesTheirMessagesUnsubscriptionsAndSuppression() throws SQLException {
    String s = person();
    String id = queue(s, "service", null, T0, T0);
    tx(m -> m.unsubscribe(s, "marketing", T0));
    tx(m -> m.suppress(s, "operator", T0));
    assertThat(domain().subjects().erase(Access.subject(s, "rq-test"), s).permitted()).isTrue();
    assertThat(opt(m -> m.entry(id))).isEmpty();
    try (var c = DriverManager.getConnection(url(), user(), "")) {
      for (String table : List.of("message_outbox", "message_unsubscription", "message_suppression")) {
        try (var ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE subject_id = ?")) {
          ps.setString(1, s);
          try (var rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).as(table).isZero();
          }
        }
      }
    }
  }

  private String textIdOf(String messageId) throws SQLException {
    try (var c = DriverManager.getConnection(url(), user(), "");
        var ps = c.prepareStatement("SELECT text_id, subject_sealed, body_sealed FROM message_outbox WHERE id = ?")) {
      ps.setString(1, messageId);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBytes(2)).as("no copy of a shared text in the message").isNull();
        assertThat(rs.getBytes(3)).isNull();
        return rs.getString(1);
      }
    }
  }

  private List<String> shared(List<String> people, String subject, String body) {
    List<Queued> batch = new ArrayList<>();
    for (String s : people) {
      batch.add(new Queued(newId(), s, "shop", "service", "provide", null, subject, body, T0));
    }
    tx(m -> {
      m.addAllShared(batch, T0);
      return null;
    });
    return batch.stream().map(Queued::id).toList();
  }

  @Test
  void C16_aSharedTextIsSealedOnceWithItsOwnKeyAndOpensForEachOfItsMessages() throws SQLException {
    String a = person();
    String b = person();
    String subject = "News " + System.nanoTime();
    List<String> ids = shared(List.of(a, b), subject, "The same words for all of you");
    String textId = textIdOf(ids.get(0));
    assertThat(textIdOf(ids.get(1))).isEqualTo(textId);
    try (var c = DriverManager.getConnection(url(), user(), "");
        var ps = c.prepareStatement("SELECT subject_sealed, body_sealed FROM message_text WHERE id = ?")) {
      ps.setString(1, textId);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).doesNotContain(subject);
        assertThat(new String(rs.getBytes(2), StandardCharsets.ISO_8859_1)).doesNotContain("The same words");
      }
    }
    assertThat(keyStore().get(textId)).as("the text's own key").isPresent();
    List<Entry> entries = ids.stream().map(id -> tx(m -> m.entry(id)).orElseThrow()).toList();
    Map<String, Map.Entry<String, String>> opened = tx(m -> m.openAll(entries));
    assertThat(opened).hasSize(2);
    opened.values().forEach(t -> assertThat(t).isEqualTo(Map.entry(subject, "The same words for all of you")));
    Map.Entry<String, String> one = tx(m -> m.open(entries.get(1)));
    assertThat(one).isEqualTo(Map.entry(subject, "The same words for all of you"));
    // a message sealed with its person's key opens beside them, in one call
    String own = queue(a, "service", null, T0, T0);
    List<Entry> mixed = new ArrayList<>(entries);
    mixed.add(tx(m -> m.entry(own)).orElseThrow());
    Map<String, Map.Entry<String, String>> both = tx(m -> m.openAll(mixed));
    assertThat(both.get(own)).isEqualTo(Map.entry("Subject " + own, "Body " + own));
  }

  @Test
  void aSharedTextIsOneTextForAllItsMessages() {
    String a = person();
    String b = person();
    List<Queued> batch = List.of(new Queued(newId(), a, "shop", "service", "provide", null, "One", "Body", T0),
        new Queued(newId(), b, "shop", "service", "provide", null, "Another", "Body", T0));
    assertThatThrownBy(() -> tx(m -> {
      m.addAllShared(batch, T0);
      return null;
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(opt(m -> m.entry(batch.get(0).id()))).isEmpty();
  }

  @Test
  void C16_aSharedTextGoesWithItsKeyOnlyOnceEveryoneItWasSentToIsErased() throws SQLException {
    String a = person();
    String b = person();
    List<String> ids = shared(List.of(a, b), "Erase " + System.nanoTime(), "Body");
    String textId = textIdOf(ids.get(0));
    Instant later = Instant.now().plusSeconds(60);
    assertThat(domain().subjects().erase(Access.subject(a, "rq-test"), a).permitted()).isTrue();
    domain().messages().forgetUnusedTexts(later);
    assertThat(keyStore().get(textId)).as("b's message still names the text").isPresent();
    Entry left = tx(m -> m.entry(ids.get(1))).orElseThrow();
    Map.Entry<String, String> still = tx(m -> m.open(left));
    assertThat(still.getValue()).isEqualTo("Body");
    assertThat(domain().subjects().erase(Access.subject(b, "rq-test"), b).permitted()).isTrue();
    // a text written after the cut-off is left alone, whatever names it
    domain().messages().forgetUnusedTexts(T0.minusSeconds(3600));
    assertThat(keyStore().get(textId)).isPresent();
    assertThat(domain().messages().forgetUnusedTexts(later)).isGreaterThanOrEqualTo(1);
    assertThat(keyStore().get(textId)).as("the text's key is destroyed").isEmpty();
    try (var c = DriverManager.getConnection(url(), user(), "");
        var ps = c.prepareStatement("SELECT COUNT(*) FROM message_text WHERE id = ?")) {
      ps.setString(1, textId);
      try (var rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
    assertThat(names(m -> m.forgetUnusedTexts(later, 100))).doesNotContain(textId);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
