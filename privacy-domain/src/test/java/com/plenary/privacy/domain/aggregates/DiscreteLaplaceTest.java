package com.plenary.privacy.domain.aggregates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The noise has the distribution claimed: many draws from the sampler, tested with a chi-square test
 * against the exact probability mass function of the two-sided geometric distribution of the same
 * scale, {@code P(x) = (1 - a) / (1 + a) · a^|x|} with {@code a = exp(-1/t)}. The draws come from a
 * seeded generator so the test is repeatable; the platform's sampler reads only a SecureRandom.
 */
class DiscreteLaplaceTest {
  private static final int DRAWS = 200_000;

  @ParameterizedTest(name = "scale {0}/{1}")
  @CsvSource({"1, 1", "2, 1", "5, 3", "8, 1", "40, 7"})
  void C27_noiseFollowsTheTwoSidedGeometricDistributionOfItsScale(long num, long den) {
    DiscreteLaplace mechanism = DiscreteLaplace.over(new SplittableRandom(num * 1_000 + den));
    Map<Long, Integer> seen = new HashMap<>();
    for (int i = 0; i < DRAWS; i++) {
      seen.merge(mechanism.sample(num, den), 1, Integer::sum);
    }
    double a = Math.exp(-(double) den / num);
    // bins: every value whose expected count is at least 5, and the two tails beyond them pooled
    long edge = 0;
    while (DRAWS * pmf(edge + 1, a) >= 5) {
      edge++;
    }
    double chi2 = 0;
    int bins = 0;
    double inside = 0;
    for (long x = -edge; x <= edge; x++) {
      double expected = DRAWS * pmf(x, a);
      inside += pmf(x, a);
      int observed = seen.getOrDefault(x, 0);
      chi2 += (observed - expected) * (observed - expected) / expected;
      bins++;
    }
    int tails = 0;
    for (var e : seen.entrySet()) {
      if (Math.abs(e.getKey()) > edge) {
        tails += e.getValue();
      }
    }
    double expectedTails = DRAWS * (1 - inside);
    if (expectedTails >= 5) {
      chi2 += (tails - expectedTails) * (tails - expectedTails) / expectedTails;
      bins++;
    } else {
      assertThat(tails).as("draws beyond the bins").isLessThanOrEqualTo(25);
    }
    int df = bins - 1;
    assertThat(chi2).as("chi-square with " + df + " degrees of freedom").isLessThan(critical(df));
  }

  @Test
  void C27_theScaleIsTheSensitivityOverEpsilonAsAnExactFraction() {
    assertThat(DiscreteLaplace.scale(4, new BigDecimal("0.5"))).containsExactly(8, 1);
    assertThat(DiscreteLaplace.scale(1, new BigDecimal("0.3"))).containsExactly(10, 3);
    assertThat(DiscreteLaplace.scale(10, new BigDecimal("2.50"))).containsExactly(4, 1);
    assertThat(DiscreteLaplace.scale(3, new BigDecimal("1E+1"))).containsExactly(3, 10);
    assertThatThrownBy(() -> DiscreteLaplace.scale(1, BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void C27_bernoulliOfExpIsExactlyExpInTheLong() {
    DiscreteLaplace mechanism = DiscreteLaplace.over(new SplittableRandom(7));
    int n = 200_000;
    int ones = 0;
    for (int i = 0; i < n; i++) {
      ones += mechanism.bernoulliExp(3, 2) ? 1 : 0;
    }
    double p = Math.exp(-1.5);
    // within five standard deviations
    assertThat(Math.abs(ones - n * p)).isLessThan(5 * Math.sqrt(n * p * (1 - p)));
  }

  private static double pmf(long x, double a) {
    return (1 - a) / (1 + a) * Math.pow(a, Math.abs(x));
  }

  /** The chi-square value exceeded with probability 0.001 (Wilson–Hilferty). */
  private static double critical(int df) {
    double z = 3.090;
    double h = 2.0 / (9 * df);
    return df * Math.pow(1 - h + z * Math.sqrt(h), 3);
  }
}
