package com.plenary.privacy.platform.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.store.Store;
import com.plenary.privacy.testkit.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sign-in throttle over the database's counters (C6): the same behaviour on H2 and on PostgreSQL
 * ({@link H2SignInThrottleTest}, {@link PostgresSignInThrottleTest}), and shared by every node.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SignInThrottleContract {
  final MutableClock clock = MutableClock.startingNow();
  private final List<Store> stores = new ArrayList<>();

  abstract String url();

  abstract String user();

  @BeforeAll
  void open() {
    stores.add(Store.open(url(), user(), "", 4, clock));
    stores.add(Store.open(url(), user(), "", 4, clock));
  }

  @AfterAll
  void close() {
    stores.forEach(Store::close);
  }

  /** Each test starts with no attempt counted. */
  @BeforeEach
  void clear() {
    Jdbi.create(url(), user(), "").useHandle(h -> h.execute("DELETE FROM rate_step"));
  }

  private SignInThrottle throttleOn(int node, int perAccount, int perAddress, Duration window) {
    return new SignInThrottle(stores.get(node).rateWindows(), perAccount, perAddress, window, clock);
  }

  @Test
  void refusesBeyondTheAccountLimitUntilTheOldestAttemptLeavesTheWindow() {
    var throttle = throttleOn(0, 3, 100, Duration.ofMinutes(15));
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.reserve("Ada@Example.org", "10.0.0." + i).admitted()).isTrue();
    }
    var refused = throttle.reserve("ada@example.org ", "10.0.0.9");
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.retryAfter()).isBetween(1L, 900L);
    clock.advance(Duration.ofMinutes(15).plusSeconds(1));
    assertThat(throttle.reserve("ada@example.org", "10.0.0.9").admitted()).isTrue();
  }

  @Test
  void refusesBeyondTheAddressLimitWhateverTheAccount() {
    var throttle = throttleOn(0, 100, 2, Duration.ofMinutes(15));
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("b@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("c@example.org", "10.0.0.1").admitted()).isFalse();
    assertThat(throttle.reserve("c@example.org", "10.0.0.2").admitted()).isTrue();
  }

  @Test
  void aSuccessTakesItsReservationBackAndClearsTheAccount() {
    var throttle = throttleOn(0, 2, 2, Duration.ofMinutes(15));
    throttle.reserve("a@example.org", "10.0.0.1");
    throttle.reserve("a@example.org", "10.0.0.1").succeeded();
    // one failure left on the address; none on the account
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isFalse();
  }

  @Test
  void forgetsAccountsAndAddressesWhoseAttemptsHaveLeftTheWindow() {
    var throttle = throttleOn(0, 5, 20, Duration.ofMinutes(15));
    for (int i = 0; i < 50; i++) {
      throttle.reserve("gone" + i + "@example.org", "10.0.1." + i);
    }
    long before = throttle.sweep();
    assertThat(before).isGreaterThanOrEqualTo(100);
    clock.advance(Duration.ofMinutes(16));
    throttle.reserve("new@example.org", "10.0.2.1");
    assertThat(throttle.sweep()).isLessThanOrEqualTo(before - 100 + 2);
  }

  @Test
  void failuresSpreadOverTwoNodesAreCountedTogether() {
    var one = throttleOn(0, 4, 100, Duration.ofMinutes(15));
    var two = throttleOn(1, 4, 100, Duration.ofMinutes(15));
    assertThat(one.reserve("spread@example.org", "10.9.0.1").admitted()).isTrue();
    assertThat(two.reserve("spread@example.org", "10.9.0.2").admitted()).isTrue();
    assertThat(one.reserve("spread@example.org", "10.9.0.3").admitted()).isTrue();
    assertThat(two.reserve("spread@example.org", "10.9.0.4").admitted()).isTrue();
    assertThat(one.reserve("spread@example.org", "10.9.0.5").admitted()).isFalse();
    assertThat(two.reserve("spread@example.org", "10.9.0.6").admitted()).isFalse();
  }
}
