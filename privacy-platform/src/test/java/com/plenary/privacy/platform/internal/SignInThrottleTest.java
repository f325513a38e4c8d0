package com.plenary.privacy.platform.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.testkit.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SignInThrottleTest {
  private final MutableClock clock = MutableClock.startingNow();

  @Test
  void refusesBeyondTheAccountLimitUntilTheOldestAttemptLeavesTheWindow() {
    var throttle = new SignInThrottle(3, 100, Duration.ofMinutes(15), 1000, clock);
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
    var throttle = new SignInThrottle(100, 2, Duration.ofMinutes(15), 1000, clock);
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("b@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("c@example.org", "10.0.0.1").admitted()).isFalse();
    assertThat(throttle.reserve("c@example.org", "10.0.0.2").admitted()).isTrue();
  }

  @Test
  void aSuccessTakesItsReservationBackAndClearsTheAccount() {
    var throttle = new SignInThrottle(2, 2, Duration.ofMinutes(15), 1000, clock);
    throttle.reserve("a@example.org", "10.0.0.1");
    throttle.reserve("a@example.org", "10.0.0.1").succeeded();
    // one failure left on the address; none on the account
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isTrue();
    assertThat(throttle.reserve("a@example.org", "10.0.0.1").admitted()).isFalse();
  }

  @Test
  void forgetsAccountsAndAddressesWhoseAttemptsHaveLeftTheWindow() {
    var throttle = new SignInThrottle(5, 20, Duration.ofMinutes(15), 1000, clock);
    for (int i = 0; i < 50; i++) {
      throttle.reserve("p" + i + "@example.org", "10.0.1." + i);
    }
    assertThat(throttle.tracked()).isEqualTo(100);
    clock.advance(Duration.ofMinutes(16));
    throttle.reserve("new@example.org", "10.0.2.1");
    assertThat(throttle.tracked()).isEqualTo(2);
  }

  @Test
  void remembersAtMostItsCapacityForgettingTheLeastRecentlySeen() {
    var throttle = new SignInThrottle(1, 100, Duration.ofMinutes(15), 4, clock);
    assertThat(throttle.reserve("target@example.org", "10.0.0.1").admitted()).isTrue();
    for (int i = 0; i < 10; i++) {
      throttle.reserve("p" + i + "@example.org", "10.0.0.1");
      assertThat(throttle.reserve("target@example.org", "10.0.0.1").admitted()).as("seen again, so kept").isFalse();
      assertThat(throttle.tracked()).isLessThanOrEqualTo(4);
    }
  }
}
