package com.plenary.privacy.domain.aggregates;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The discrete Laplace (two-sided geometric) mechanism, sampled exactly: {@code P(X = x)} is
 * proportional to {@code exp(-|x| / t)} for every integer {@code x}, with the scale {@code t = num / den}
 * a rational number. Every step works on integers drawn uniformly from a {@link SecureRandom} — no
 * floating point anywhere — following Canonne, Kamath and Steinke, <i>The Discrete Gaussian for
 * Differential Privacy</i> (2020), algorithms 1 and 2. So the noise has exactly the distribution
 * claimed, and none of the gaps and rounding artefacts of a floating-point Laplace (Mironov, <i>On
 * Significance of the Least Significant Bits for Differential Privacy</i>, 2012) that let an observer
 * tell which true value lies behind a noisy one.
 *
 * <p>Added to a count whose L1 sensitivity is {@code Δ}, noise of scale {@code t = Δ / ε} gives
 * ε-differential privacy. Thread-safe when its generator is (a {@link SecureRandom} is).
 */
public final class DiscreteLaplace {
  private final RandomGenerator random;

  private DiscreteLaplace(RandomGenerator random) {
    this.random = random;
  }

  /** The mechanism over a fresh {@link SecureRandom}: the only source the platform uses. */
  public static DiscreteLaplace secure() {
    return new DiscreteLaplace(new SecureRandom());
  }

  /** The mechanism over {@code random}: for the distribution test, which needs a repeatable source. */
  static DiscreteLaplace over(RandomGenerator random) {
    return new DiscreteLaplace(Objects.requireNonNull(random, "random == null"));
  }

  /**
   * The scale {@code Δ / ε} as a fraction {@code {num, den}} of integers, exactly: {@code epsilon} is a
   * decimal, so {@code ε = unscaled / 10^scale}.
   */
  public static long[] scale(long sensitivity, BigDecimal epsilon) {
    if (sensitivity < 1) {
      throw new IllegalArgumentException("sensitivity < 1");
    }
    if (epsilon.signum() <= 0) {
      throw new IllegalArgumentException("epsilon <= 0");
    }
    BigDecimal e = epsilon.stripTrailingZeros();
    BigInteger p = e.unscaledValue();
    BigInteger q = BigInteger.TEN.pow(Math.max(0, e.scale()));
    if (e.scale() < 0) {
      p = p.multiply(BigInteger.TEN.pow(-e.scale()));
    }
    BigInteger num = BigInteger.valueOf(sensitivity).multiply(q);
    BigInteger g = num.gcd(p);
    return new long[] {num.divide(g).longValueExact(), p.divide(g).longValueExact()};
  }

  /** One draw of noise of scale {@code num / den} (both positive). */
  public long sample(long num, long den) {
    if (num < 1 || den < 1) {
      throw new IllegalArgumentException("the scale must be a positive fraction");
    }
    // CKS 2020, algorithm 2, with scale t = num / den: X = U + num·V is geometric-like with
    // parameter 1/num; dividing by den gives |Y| ~ Geometric(1 - exp(-den/num)); the sign is fair,
    // and the draw (−, 0) is rejected so that zero is not counted twice.
    while (true) {
      long u = random.nextLong(num);
      if (!bernoulliExp(u, num)) {
        continue;
      }
      long v = 0;
      while (bernoulliExp(1, 1)) {
        v++;
      }
      long x = u + num * v;
      long y = x / den;
      boolean negative = random.nextBoolean();
      if (negative && y == 0) {
        continue;
      }
      return negative ? -y : y;
    }
  }

  /** Bernoulli({@code exp(-n/d)}) for {@code n/d ≥ 0}, exactly (CKS 2020, algorithm 1). */
  boolean bernoulliExp(long n, long d) {
    long whole = n / d;
    for (long i = 0; i < whole; i++) {
      if (!bernoulliExpAtMostOne(1, 1)) {
        return false;
      }
    }
    return bernoulliExpAtMostOne(n - whole * d, d);
  }

  /** Bernoulli({@code exp(-n/d)}) for {@code 0 ≤ n/d ≤ 1}: the parity of the first k at which Bernoulli(n/(d·k)) fails. */
  private boolean bernoulliExpAtMostOne(long n, long d) {
    long k = 1;
    while (bernoulli(n, Math.multiplyExact(d, k))) {
      k++;
    }
    return k % 2 == 1;
  }

  /** Bernoulli({@code n/d}) for {@code 0 ≤ n ≤ d}, from one uniform integer. */
  private boolean bernoulli(long n, long d) {
    return random.nextLong(d) < n;
  }
}
