package com.plenary.privacy.bench;

import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decision latency on Plenary's policy with a realistic mix of requests: services reading declared
 * fields, uses that need consent, staff under grants, processor disclosures, collector events,
 * prohibitions and undeclared purposes. One thread.
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar DecisionBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionBenchmark {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  private DecisionEngine engine;
  private DecisionRequest[] mix;
  private int next;

  @Setup
  public void setUp() {
    engine = DecisionEngine.compile(Policy.bundled());
    mix = realisticMix().toArray(new DecisionRequest[0]);
  }

  @Benchmark
  public Decision decideRealisticMix() {
    DecisionRequest r = mix[next];
    next = (next + 1) & (mix.length - 1);
    return engine.decide(r);
  }

  /** 64 requests, in the proportions a busy day would show. */
  static List<DecisionRequest> realisticMix() {
    List<DecisionRequest> out = new ArrayList<>();
    Facts none = new Facts(NOW, List.of(), 1, Set.of(), null, List.of(), null, -1);
    Facts consented = new Facts(NOW, List.of(new Facts.Consent("develop", null, 1), new Facts.Consent("communicate.marketing", null, 1)), 1, Set.of(), null, List.of(), null, -1);
    Facts staff = new Facts(NOW, List.of(), 1, Set.of(), new Facts.Staff("st-1", "employee", NOW.minusSeconds(86_400),
        List.of(new Facts.Grant("support", List.of("user.contact", "user.name"), List.of("communicate.respond"), NOW.minusSeconds(3600), NOW.plusSeconds(3600)))),
        List.of(), null, -1);
    Facts agreement = new Facts(NOW, List.of(), 1, Set.of(), null,
        List.of(new Facts.Agreement("carrier", List.of("user.contact.address", "user.name"), List.of("provide"), LocalDate.of(2026, 1, 1), LocalDate.of(2027, 1, 1))), null, -1);
    String[][] reads = {{"mail", "provide", "user.contact.email"}, {"mail", "communicate", "user.name"}, {"shop", "provide", "user.contact.address"},
        {"account", "provide", "user.contact.email"}, {"web", "technical", "user.device"}, {"shop", "improve", "user.behavior"}};
    for (int i = 0; i < 24; i++) {
      String[] r = reads[i % reads.length];
      out.add(new DecisionRequest(ActorKind.SERVICE, r[0], Action.READ, r[1], "s-" + i, null, List.of(r[2]), none));
    }
    for (int i = 0; i < 8; i++) {
      out.add(new DecisionRequest(ActorKind.BROWSER, "b-" + i, Action.COLLECT, "technical", null, null, List.of("user.device", "user.behavior.browsing_history"), none));
    }
    for (int i = 0; i < 8; i++) {
      out.add(new DecisionRequest(ActorKind.SERVICE, "mail", i % 2 == 0 ? Action.USE : Action.MESSAGE, i % 2 == 0 ? "develop" : "communicate.marketing", "s-" + i, null,
          List.of("user.contact.email"), i % 4 < 2 ? consented : none));
    }
    for (int i = 0; i < 8; i++) {
      out.add(new DecisionRequest(ActorKind.STAFF, "st-1", Action.READ, "communicate.respond", "s-" + i, null, List.of("user.contact.email", "user.name"), staff));
    }
    for (int i = 0; i < 8; i++) {
      out.add(new DecisionRequest(ActorKind.SERVICE, "shop", Action.DISCLOSE, "provide", "s-" + i, "carrier", List.of("user.contact.address"), agreement));
    }
    for (int i = 0; i < 4; i++) {
      out.add(new DecisionRequest(ActorKind.SERVICE, "shop", Action.DISCLOSE, "sale", "s-" + i, "adbroker", List.of("user.contact.email"), consented));
    }
    for (int i = 0; i < 4; i++) {
      out.add(new DecisionRequest(ActorKind.SERVICE, "web", Action.READ, i % 2 == 0 ? "profiling" : "provide", "s-" + i, null, List.of("user.device"), none));
    }
    return out;
  }
}
