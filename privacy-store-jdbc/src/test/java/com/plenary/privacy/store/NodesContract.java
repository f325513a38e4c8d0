package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What several nodes share through the database (issue 18): the periods of scheduled jobs, sliding
 * windows of counted attempts, the list of nodes and their keys. Three stores on one database stand for
 * three nodes, each with its own connection pool. Every test here runs on H2 and on PostgreSQL
 * ({@link H2NodesTest}, {@link PostgresNodesTest}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class NodesContract {
  final MutableClock clock = MutableClock.startingNow();
  private final List<Store> stores = new ArrayList<>();

  abstract String url();

  abstract String user();

  @BeforeAll
  void open() {
    for (int i = 0; i < 3; i++) {
      stores.add(Store.open(url(), user(), "", 4, clock));
    }
  }

  @AfterAll
  void close() {
    stores.forEach(Store::close);
  }

  /** Runs {@code task} on every node at once, {@code times} each; answers every result. */
  private <T> List<T> atOnce(int times, Function<Store, T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(stores.size() * times);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (Store s : stores) {
        for (int i = 0; i < times; i++) {
          Callable<T> c = () -> {
            go.await();
            return task.apply(s);
          };
          futures.add(pool.submit(c));
        }
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aJobRunsOncePerPeriodHoweverManyNodesClaimItAtOnce() throws Exception {
    Instant start = clock.instant();
    Duration every = Duration.ofMinutes(10);
    for (int period = 0; period < 3; period++) {
      var claims = atOnce(4, s -> s.schedule(clock).claim("test-job", every, "node-" + stores.indexOf(s)));
      assertThat(claims.stream().filter(Optional::isPresent).count()).as("period %d", period).isEqualTo(1);
      clock.advance(every);
    }
    var runs = stores.get(0).schedule(clock).runs("test-job", start.minus(every));
    assertThat(runs).hasSize(3);
    assertThat(runs.stream().map(Schedule.Run::period).distinct()).hasSize(3);
  }

  @Test
  void aPeriodAlreadyClaimedIsNotClaimedAgainLaterInTheSamePeriod() {
    Duration every = Duration.ofHours(1);
    // start five minutes into an hour, so that the minute below never crosses into the next period
    Instant now = clock.instant();
    clock.advance(Duration.between(now, now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofMinutes(65))));
    assertThat(stores.get(0).schedule(clock).claim("hourly", every, "a")).isPresent();
    clock.advance(Duration.ofMinutes(1));
    assertThat(stores.get(1).schedule(clock).claim("hourly", every, "b")).isEmpty();
    clock.advance(Duration.ofHours(1));
    assertThat(stores.get(1).schedule(clock).claim("hourly", every, "b")).isPresent();
  }

  @Test
  void aRateLimitHoldsAcrossNodesTakingAtOnce() throws Exception {
    Duration minute = Duration.ofMinutes(1);
    var granted = atOnce(5, s -> s.rateWindows().take("m-shared", 1, 7, minute, clock.instant()));
    assertThat(granted.stream().mapToInt(Integer::intValue).sum()).isEqualTo(7);
    stores.get(2).rateWindows().giveBack("m-shared", 2);
    assertThat(stores.get(0).rateWindows().take("m-shared", 5, 7, minute, clock.instant())).isEqualTo(2);
    clock.advance(minute.plusSeconds(1));
    assertThat(stores.get(1).rateWindows().take("m-shared", 5, 7, minute, clock.instant())).isEqualTo(5);
  }

  @Test
  void reservationsCountUnderEveryKeyAndRefuseAtTheFirstFullOne() throws Exception {
    Duration window = Duration.ofMinutes(15);
    var admitted = atOnce(3, s -> s.rateWindows().reserve(Map.of("e-acct", 4, "a-addr-" + stores.indexOf(s), 100), window, clock.instant()));
    assertThat(admitted.stream().filter(RateWindows.Reservation::admitted).count()).isEqualTo(4);
    var refused = admitted.stream().filter(r -> !r.admitted()).findFirst().orElseThrow();
    assertThat(refused.retryAfter()).isBetween(1L, window.toSeconds());
    // a success forgets the account's failures
    stores.get(0).rateWindows().forget("e-acct");
    assertThat(stores.get(1).rateWindows().reserve(Map.of("e-acct", 4), window, clock.instant()).admitted()).isTrue();
  }

  @Test
  void theSweepForgetsStepsThatLeftTheWindowAndTheirKeys() {
    RateWindows w = stores.get(0).rateWindows();
    Instant old = clock.instant();
    w.reserve(Map.of("e-sweep-old", 5), Duration.ofMinutes(15), old);
    clock.advance(Duration.ofMinutes(20));
    w.reserve(Map.of("e-sweep-new", 5), Duration.ofMinutes(15), clock.instant());
    w.sweep(clock.instant().minus(Duration.ofMinutes(15)));
    assertThat(w.used("e-sweep-old", Duration.ofDays(1), clock.instant())).isZero();
    assertThat(w.used("e-sweep-new", Duration.ofDays(1), clock.instant())).isEqualTo(1);
  }

  @Test
  void aClockSetBackFarClaimsAgainInsteadOfWaitingForTheOldDueTime() {
    Duration every = Duration.ofSeconds(1);
    assertThat(stores.get(0).schedule(clock).claim("set-back", every, "a")).isPresent();
    clock.advance(Duration.ofHours(-1));
    assertThat(stores.get(1).schedule(clock).claim("set-back", every, "b")).isPresent();
    assertThat(stores.get(0).schedule(clock).claim("set-back", every, "a")).isEmpty();
  }

  @Test
  void nodesSeeEachOtherWhileTheirHeartbeatIsFresh() {
    Nodes nodes = stores.get(0).nodes(clock);
    nodes.register("n-one", "host-a");
    stores.get(1).nodes(clock).register("n-two", "host-b");
    assertThat(nodes.othersAlive("n-one")).extracting(Nodes.Node::id).containsExactly("n-two");
    clock.advance(Nodes.ALIVE.plusSeconds(1));
    stores.get(1).nodes(clock).heartbeat("n-two");
    assertThat(stores.get(1).nodes(clock).othersAlive("n-two")).isEmpty();
    assertThat(nodes.othersAlive("n-one")).extracting(Nodes.Node::id).containsExactly("n-two");
    stores.get(1).nodes(clock).leave("n-two");
    assertThat(nodes.othersAlive("n-one")).isEmpty();
  }

  @Test
  void aNodeWhoseKeysDifferFromTheFirstRecordedIsToldWhichFile() {
    assertThat(stores.get(0).nodes(clock).checkKeys(Map.of("token-issuer.jwk", "aa", "blind-index.json", "bb"), "n-first")).isEmpty();
    assertThat(stores.get(1).nodes(clock).checkKeys(Map.of("token-issuer.jwk", "aa", "blind-index.json", "bb", "webhooks.key", "cc"), "n-second")).isEmpty();
    var mismatch = stores.get(2).nodes(clock).checkKeys(Map.of("token-issuer.jwk", "aa", "blind-index.json", "XX"), "n-third");
    assertThat(mismatch).hasValueSatisfying(m -> {
      assertThat(m.name()).isEqualTo("blind-index.json");
      assertThat(m.recordedBy()).isEqualTo("n-first");
    });
  }
}
