package com.plenary.privacy.bench;

import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.Tx;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.policy.Policy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
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
 * What the one enforcer adds to a decision: the same realistic mix as {@link DecisionBenchmark}
 * (without its undeclared purposes, which the enforcer refuses as bad input before deciding), decided
 * by the bare engine and by the enforcer — names checked against the policy, facts asked of the
 * transaction, the decision made and its audit record built and handed to the transaction. The
 * transaction here holds each request's facts in memory and keeps the last record, so the figure is
 * the enforcer's own work, not the database's (the HTTP benchmarks measure that). The fair baseline
 * is {@link #engineAndAuditExplanation}: before the enforcer, the vault also built the rules and
 * clauses of every decision for its audit entry.
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar EnforcerBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EnforcerBenchmark {
  private DecisionEngine engine;
  private Enforcer enforcer;
  private DecisionRequest[] mix;
  private Access[] actors;
  private Use[] uses;
  private MemoryTx[] txs;
  private int next;

  /** A transaction whose facts are given and whose audit trail (and incidents) are the last record appended. */
  static final class MemoryTx implements Tx {
    private final Facts facts;
    AuditRecord last;
    IncidentRecords.Incident lastIncident;

    MemoryTx(Facts facts) {
      this.facts = facts;
    }

    @Override
    public Facts facts(Access by, String subject, Instant now) {
      return facts;
    }

    @Override
    public void audit(AuditRecord record) {
      last = record;
    }

    @Override
    public String openIncident(IncidentRecords.Incident incident, Instant joinSince) {
      lastIncident = incident;
      return incident.id();
    }

    @Override
    public RecipientOnFile recipient(String recipient) {
      return RecipientOnFile.NONE;
    }

    @Override
    public Facts.LegalRequest legalRequest(String id) {
      return null;
    }
  }

  @Setup
  public void setUp() {
    Policy policy = Policy.bundled();
    engine = DecisionEngine.compile(policy);
    enforcer = Enforcer.create(policy, Clock.fixed(DecisionBenchmark.NOW, ZoneOffset.UTC));
    List<DecisionRequest> known = DecisionBenchmark.realisticMix().stream().filter(r -> policy.purpose(r.purpose()) != null).toList();
    int n = Integer.highestOneBit(known.size());
    mix = known.subList(0, n).toArray(new DecisionRequest[0]);
    actors = new Access[n];
    uses = new Use[n];
    txs = new MemoryTx[n];
    for (int i = 0; i < n; i++) {
      DecisionRequest r = mix[i];
      actors[i] = new Access(r.actorKind(), r.actorId(), "rq-bench", r.facts().staff());
      uses[i] = new Use(r.action(), r.purpose(), r.subject(), r.recipient(), r.categories(), r.action().id());
      txs[i] = new MemoryTx(r.facts());
    }
  }

  @Benchmark
  public Decision engineAlone() {
    DecisionRequest r = mix[next];
    next = (next + 1) & (mix.length - 1);
    return engine.decide(r);
  }

  /**
   * What the vault did before the enforcer, on the same requests: the engine's decision, and the
   * rules and clauses the audit entry records (the explanation the engine builds only when asked).
   */
  @Benchmark
  public Object engineAndAuditExplanation() {
    DecisionRequest r = mix[next];
    next = (next + 1) & (mix.length - 1);
    Decision d = engine.decide(r);
    return String.join(",", d.rules()) + String.join(",", d.clauses()) + String.join(",", r.categories());
  }

  @Benchmark
  public Decision throughTheEnforcer() {
    int i = next;
    next = (next + 1) & (mix.length - 1);
    return enforcer.decide(txs[i], actors[i], uses[i]);
  }
}
