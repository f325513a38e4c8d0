package com.plenary.privacy.bench;

import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link ConsentLedgerBenchmark}'s pairs run side by side in one process, for a machine shared with other work, where JMH's
 * one benchmark after the other lets a change of load between them decide the ratio: each round runs the platform's side and
 * its baseline for the same slice of time, one after the other, in alternating order; each side's operations are summed over
 * the rounds. Prints, for each pair, the operations a second of both sides over their own time and the ratio.
 *
 * <p>Run: {@code java -cp privacy-benchmarks/target/benchmarks.jar com.plenary.privacy.bench.ConsentLedgerInterleaved h2 60 200}
 * (database, rounds, milliseconds a slice; {@code postgresql} as for the benchmark). The first fifth of the rounds warm up and are
 * not counted.
 */
public final class ConsentLedgerInterleaved {
  private ConsentLedgerInterleaved() {}

  private interface Op {
    long run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String database = args.length > 0 ? args[0] : "h2";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    long slice = (args.length > 2 ? Long.parseLong(args[2]) : 200) * 1_000_000L;
    ConsentLedgerBenchmark b = new ConsentLedgerBenchmark();
    b.database = database;
    b.people = 1000;
    b.consents = 5;
    b.setUp();
    Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    try {
      pair("lookup", rounds, slice, () -> {
        b.derivedLookup(bh);
        return ConsentLedgerBenchmark.LOOKUPS;
      }, () -> {
        b.plainSelect(bh);
        return ConsentLedgerBenchmark.LOOKUPS;
      });
      pair("writes", rounds, slice, () -> {
        bh.consume(b.ledgerAppend());
        return 1;
      }, () -> {
        bh.consume(b.plainInsert());
        return 1;
      });
    } finally {
      b.tearDown();
      bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
    }
  }

  private static void pair(String name, int rounds, long slice, Op platform, Op baseline) throws Exception {
    long[] ops = new long[2];
    long[] nanos = new long[2];
    Op[] sides = {platform, baseline};
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 2; k++) {
        int side = (r + k) % 2; // alternate which side goes first
        long n = 0;
        long start = System.nanoTime();
        long now = start;
        while (now - start < slice) {
          n += sides[side].run();
          now = System.nanoTime();
        }
        if (r >= rounds / 5) {
          ops[side] += n;
          nanos[side] += now - start;
        }
      }
    }
    double p = ops[0] * 1e9 / nanos[0];
    double q = ops[1] * 1e9 / nanos[1];
    System.out.printf("%s: platform %.0f ops/s, baseline %.0f ops/s, ratio %.2f%n", name, p, q, p / q);
  }
}
