package com.plenary.privacy.bench;

import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Ground;
import com.plenary.privacy.domain.Tx;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Recipient;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Disclosure decisions per second for one disclosure of 100,000 people (C23–C28): the enforcer's
 * {@link Enforcer#decideDisclosure} on the consent ground and on the processor ground — the
 * recipient looked up once, each person's facts narrowed to the ground, the engine asked once per
 * distinct set of facts, one audit record a person handed to the transaction in one batch — against
 * the baseline measured in the same run: the bare engine asked once per person, with no audit record.
 * The transaction holds every person's facts in memory (a third have consented, a few have
 * withdrawn and consented again under an older policy version) and counts the records it is given,
 * so the figure is the enforcer's own work; the database's share is the store's (PostgresScale).
 * One operation is one person's decision ({@link OperationsPerInvocation}), so the score is
 * decisions per second.
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar DisclosureBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class DisclosureBenchmark {
  /** People in the one disclosure. */
  public static final int PEOPLE = 100_000;
  static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

  @Param({"consent", "processor"})
  public String ground;

  private Enforcer enforcer;
  private DecisionEngine engine;
  private GroupTx tx;
  private List<String> subjects;
  private Access shop;
  private Use use;
  private DecisionRequest[] bare;

  /** A transaction holding the facts of every person of the disclosure, and the registry's word on one recipient. */
  static final class GroupTx implements Tx {
    final Map<String, Facts> facts = new LinkedHashMap<>();
    final RecipientOnFile recipient;
    long audited;

    GroupTx(RecipientOnFile recipient) {
      this.recipient = recipient;
    }

    @Override
    public Facts facts(Access by, String subject, Instant now) {
      return facts.get(subject);
    }

    @Override
    public Map<String, Facts> facts(Access by, List<String> subjects, Instant now) {
      return facts;
    }

    @Override
    public RecipientOnFile recipient(String id) {
      return recipient;
    }

    @Override
    public Facts.LegalRequest legalRequest(String id) {
      return null;
    }

    @Override
    public void audit(AuditRecord record) {
      audited++;
    }

    @Override
    public void audit(List<AuditRecord> records) {
      audited += records.size();
    }
  }

  @Setup
  public void setUp() {
    Policy policy = Policy.bundled();
    enforcer = Enforcer.create(policy, Clock.fixed(NOW, ZoneOffset.UTC));
    engine = DecisionEngine.compile(policy);
    String recipient = "northwind";
    Recipient registered = new Recipient(recipient, "processor", "Northwind Mail", 1);
    Facts.Agreement agreement = new Facts.Agreement(recipient, List.of("user.contact", "user.name"), List.of("communicate", "improve"),
        LocalDate.of(2026, 1, 1), LocalDate.of(2027, 12, 31));
    tx = new GroupTx(new Tx.RecipientOnFile(registered, agreement));
    subjects = new ArrayList<>(PEOPLE);
    bare = new DecisionRequest[PEOPLE];
    shop = Access.service("shop", "rq-bench");
    List<String> categories = List.of("user.contact.email", "user.name");
    use = new Use(Action.DISCLOSE, "improve", null, recipient, categories, "disclose");
    for (int i = 0; i < PEOPLE; i++) {
      String s = "s-" + i;
      subjects.add(s);
      List<Facts.Consent> consents = i % 3 == 0 ? List.of(new Facts.Consent("improve", recipient, i % 97 == 0 ? 0 : 1)) : List.of();
      Facts f = Facts.at(NOW).subjectPolicyVersion(1).consents(consents).build();
      tx.facts.put(s, f);
      Facts full = tx.recipient.into(f);
      bare[i] = new DecisionRequest(ActorKind.SERVICE, "shop", Action.DISCLOSE, "improve", s, recipient, categories, full);
    }
  }

  /** The baseline: the bare engine once per person, on all the facts, no audit record. */
  @Benchmark
  @OperationsPerInvocation(PEOPLE)
  public long engineOncePerPerson() {
    long permitted = 0;
    for (DecisionRequest r : bare) {
      if (engine.decide(r).permits()) {
        permitted++;
      }
    }
    return permitted;
  }

  /** The enforcer deciding the whole disclosure on its ground, auditing every person. */
  @Benchmark
  @OperationsPerInvocation(PEOPLE)
  public long enforcerDecidesTheDisclosure() {
    Map<String, Decision> d = enforcer.decideDisclosure(tx, shop, use, subjects, Ground.of(ground), null);
    return d.size() + tx.audited;
  }
}
