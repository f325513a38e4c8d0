package com.plenary.privacy.domain;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Effect;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.decision.Reason;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Obligation;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one enforcement point. It is the only caller of the {@link DecisionEngine} and the only maker of
 * audit records that claim a decision: a use case runs inside it, in the manner of Jdbi's
 * {@code inTransaction(handle -> …)} — the enforcer checks every name against the policy, gathers the
 * facts through the use case's {@link Tx} (consents, grants, the accepted policy version: never from
 * the caller), decides, and writes the audit entry for a permit and a denial alike in that same
 * transaction; only then does the use case touch the data, and only what the decision permits.
 *
 * <p>Thread-safe. The policy it enforces is the version in force at the time of each use: once told to
 * {@link #follow} the store, it reads the versions published there and switches at their effective dates (C36).
 */
public final class Enforcer {
  /** The operation name of a refusal made before the engine: the person is not visible to the caller. */
  public static final String NOT_VISIBLE = "not-visible";

  /**
   * The prefix of the rule in an audit entry that names the data centre a read was sent to, out of this
   * one (issue 18): {@code transfer-to:iad-1}. The person's export shows it in plain words.
   */
  public static final String TRANSFERRED_TO = "transfer-to:";

  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** How long a node trusts what it last read of the published policy versions before it reads them again (C36). */
  public static final Duration POLICY_REFRESH = Duration.ofSeconds(5);

  private final Clock clock;
  /** The policy the node was started with, then each version published after it, in version order; replaced whole, never changed. */
  private volatile List<InForce> timeline;
  private volatile Storage followed;
  private volatile long readAt;
  /**
   * Whether a thread is reading the published versions. Only one reads; the others go on with the
   * versions known, never waiting for it: a waiting thread would hold its transaction's connection
   * while the reader needs one of its own, and a full pool would stall them all until its timeout.
   */
  private final AtomicBoolean reading = new AtomicBoolean();
  /** Where people live; null until {@link #placeIn}: then every person's id is checked before anything about them is decided or audited. */
  private volatile Regions regions;

  /**
   * One version of the policy, compiled: in force from {@code from}, its engine and names, and the
   * version each of its categories came in with (C36).
   */
  private record InForce(Policy policy, DecisionEngine engine, Instant from, Set<String> purposes, Set<String> categories, Set<String> recipients,
      Map<String, Integer> categorySince) {}

  /** Compiles one version; here, since the enforcer alone may touch the engine. */
  private static InForce inForce(Policy policy, Instant from, Map<String, Integer> categorySince) {
    return new InForce(policy, DecisionEngine.compile(policy), from,
        policy.purposes().stream().map(Purpose::id).collect(Collectors.toUnmodifiableSet()),
        policy.categories().stream().map(Category::id).collect(Collectors.toUnmodifiableSet()),
        policy.recipients().stream().map(Recipient::id).collect(Collectors.toUnmodifiableSet()), Map.copyOf(categorySince));
  }

  private Enforcer(Policy policy, Clock clock) {
    this.clock = clock;
    this.timeline = List.of(inForce(policy, Instant.EPOCH, Map.of()));
  }

  /** Compiles the policy into the enforcer's engine; refuses a policy without the names the platform's uses need ({@link Vocabulary}). */
  public static Enforcer create(Policy policy, Clock clock) {
    Objects.requireNonNull(policy, "policy == null");
    Vocabulary.requireIn(policy);
    return new Enforcer(policy, Objects.requireNonNull(clock, "clock == null"));
  }

  /**
   * An enforcer for a policy author's what-ifs ({@link #preview}) on any policy file, which need not
   * declare the names the platform's own uses are written in.
   */
  public static Enforcer forPreview(Policy policy) {
    return new Enforcer(Objects.requireNonNull(policy, "policy == null"), Clock.systemUTC());
  }

  /** The policy in force now: the newest published version whose effective date has come, or the one the node started with (C36). */
  public Policy policy() {
    return current().policy();
  }

  /**
   * Follows the versions published in {@code storage} (C36): from now on the enforcer reads them at most
   * every {@link #POLICY_REFRESH} and decides each use on the version in force at the time of the use, so
   * a version comes into force at its effective date on every node without a restart.
   */
  public void follow(Storage storage) {
    this.followed = Objects.requireNonNull(storage, "storage == null");
    this.readAt = System.nanoTime() - POLICY_REFRESH.toNanos() - 1;
  }

  /** Reads the published versions again now, as after a publication on this node. */
  public void refresh() {
    Storage storage = followed;
    if (storage != null) {
      while (!reading.compareAndSet(false, true)) {
        Thread.onSpinWait(); // another thread is reading: read again after it, so what was just published is seen
      }
      try {
        read(storage);
      } finally {
        reading.set(false);
      }
    }
  }

  /**
   * Every version of the policy this node knows of, oldest first: the one it started with and each one
   * published after it, whether in force yet or not.
   */
  public List<Policy> versions() {
    current();
    return timeline.stream().map(InForce::policy).toList();
  }

  private InForce current() {
    Storage storage = followed;
    if (storage != null && System.nanoTime() - readAt > POLICY_REFRESH.toNanos() && reading.compareAndSet(false, true)) {
      try {
        read(storage);
      } finally {
        reading.set(false);
      }
    }
    List<InForce> t = timeline;
    Instant now = clock.instant();
    InForce in = t.get(0);
    for (InForce v : t) {
      if (!v.from().isAfter(now)) {
        in = v;
      }
    }
    return in;
  }

  private void read(Storage storage) {
    List<InForce> t = timeline;
    int known = t.get(t.size() - 1).policy().version();
    List<PolicyRecords.Stored> stored = storage.inOwnTransaction(w -> w.policies().after(known));
    readAt = System.nanoTime();
    if (stored.isEmpty()) {
      return;
    }
    List<InForce> next = new ArrayList<>(t);
    for (PolicyRecords.Stored v : stored) {
      Policy p = Policy.parse(v.text(), "policy version " + v.version());
      next.add(publishedAs(next, p, v.effective()));
    }
    timeline = List.copyOf(next);
  }

  /**
   * {@code p} as published after {@code before}: each purpose, recipient and category is marked with the
   * version from which it has been in the policy without a break, so that what a version adds needs the
   * person's fresh consent (C36) whatever the file says.
   */
  private static InForce publishedAs(List<InForce> before, Policy p, LocalDate effective) {
    Map<String, Integer> purposeSince = new HashMap<>();
    Map<String, Integer> recipientSince = new HashMap<>();
    Map<String, Integer> categorySince = new HashMap<>();
    for (Purpose x : p.purposes()) {
      purposeSince.put(x.id(), since(before, p.version(), v -> v.purposes().contains(x.id())));
    }
    for (Recipient x : p.recipients()) {
      recipientSince.put(x.id(), since(before, p.version(), v -> v.recipients().contains(x.id())));
    }
    for (Category x : p.categories()) {
      categorySince.put(x.id(), since(before, p.version(), v -> v.categories().contains(x.id())));
    }
    return inForce(p.asPublished(effective, purposeSince, recipientSince), effective.atStartOfDay(ZoneOffset.UTC).toInstant(), categorySince);
  }

  private static int since(List<InForce> before, int version, Predicate<InForce> has) {
    int since = version;
    for (int i = before.size() - 1; i >= 0 && has.test(before.get(i)); i--) {
      since = before.get(i).policy().version();
    }
    return since;
  }

  /**
   * What a new version would be on top of every version known: checks it the way a version in force is
   * checked (the names the platform's uses need, {@link Vocabulary}) and answers it as it would be
   * enforced. For publishing.
   */
  public Policy asPublished(Policy p, LocalDate effective) {
    Vocabulary.requireIn(p);
    current();
    return publishedAs(timeline, p, effective).policy();
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Places the enforcer in a region (C13, issue 18): from now on a use that names a person whose home
   * region is another is refused with {@link InAnotherRegion} before anything about them is read,
   * decided or audited here — their rows, audit entries included, belong to their region's database.
   */
  public void placeIn(Regions regions) {
    this.regions = Objects.requireNonNull(regions, "regions == null");
  }

  /** The regions the enforcer was placed in, if any. */
  public Optional<Regions> regions() {
    return Optional.ofNullable(regions);
  }

  /** Refuses a person of another region (see {@link #placeIn}); null names no one. */
  private void here(String subject) {
    Regions r = regions;
    if (r != null && subject != null) {
      r.requireHere(subject);
    }
  }

  private void here(List<String> subjects) {
    Regions r = regions;
    if (r != null) {
      subjects.forEach(this::here);
    }
  }

  /**
   * Writes an entry that records an event rather than a decision (a consent given, an unsubscription, a
   * message retried) into {@code tx}, after the same region check as every decision: an entry naming a
   * person of another region is {@link InAnotherRegion} and nothing is written (C13). Every entry of the
   * platform that names a person goes through the enforcer, decided or recorded.
   *
   * @throws IllegalArgumentException for an entry that claims a decision: only the enforcer's own decisions are written as such
   */
  public void record(Tx tx, AuditRecord entry) {
    if (!AuditRecord.RECORDED.equals(entry.effect())) {
      throw new IllegalArgumentException("only recorded entries are written through record(); decisions are the enforcer's");
    }
    here(entry.subject());
    tx.audit(entry);
  }

  /**
   * Decides a use inside the use case's transaction and audits the decision there, permit or deny.
   * The caller acts on the answer: on a denial it touches nothing; on a partial answer only the
   * {@link Decision#permitted() permitted} categories.
   *
   * @throws InvalidInputException when the use names a purpose, category or recipient the policy does not know
   */
  public Decision decide(Tx tx, Access by, Use use) {
    here(use.subject());
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      tx.audit(AuditRecord.of(by, use, removed));
      return removed;
    }
    checkNames(in, use.purpose(), use.categories(), null);
    Tx.RecipientOnFile onFile = recipientOnFile(tx, use.recipient());
    Facts facts = onFile.into(tx.facts(by, use.subject(), clock.instant()));
    // a read served to another region's node leaves this data centre: the engine decides the transfer with the read (C12, C13)
    String transferTo = by.transferTo() != null && use.subject() != null && use.action() == Action.READ ? by.transferTo() : null;
    if (transferTo != null) {
      facts = facts.toBuilder().transferTo(transferTo).build();
    }
    Decision d = newCategories(tx, in, by, use, facts);
    if (d == null) {
      d = in.engine().decide(request(by, use, facts));
    }
    List<String> rules = new ArrayList<>(d.rules());
    if (transferTo != null && !d.permitted().isEmpty()) {
      // what leaves is recorded as a transfer, in this region's audit trail, naming where it went
      rules.add(TRANSFERRED_TO + transferTo);
    }
    if (isStaff(by) && d.permits() && use.subject() != null) {
      // a read through break-glass says so in its audit entry (C33)
      tx.breakGlass(by, use.subject(), facts.now()).ifPresent(glass -> rules.add("break-glass:" + glass));
    }
    AuditRecord entry = rules.size() == d.rules().size() ? AuditRecord.of(by, use, d) : decisionBuilder(by, use, d).rules(rules).build();
    tx.audit(entry);
    if (isStaff(by) && !d.permits()) {
      openIncident(tx, by, use, d.rules(), d.clauses(), IncidentRecords.DENIED, facts.now());
    }
    return d;
  }

  /**
   * Decides an aggregate use (C27) inside the use case's transaction and audits it there, permit or
   * deny. First the use itself: whether this caller may aggregate these categories for this purpose
   * (and, when the use names one, give the result to that recipient) at all; on a denial the table is
   * never made and the denial is audited. Then {@code released} makes the table the use case would
   * release, and the engine decides on the size of its smallest released group — a fact the enforcer
   * reads from the table itself, never from the caller (no group released: nothing that could be too
   * small). The one audit entry records the second decision, or the first when it denied.
   */
  public Decision decideAggregate(Tx tx, Access by, Use use, IntSupplier released) {
    if (use.subject() != null || use.action() != Action.AGGREGATE) {
      throw new IllegalArgumentException("an aggregate use names no person and has the action aggregate");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      tx.audit(AuditRecord.of(by, use, removed));
      return removed;
    }
    checkNames(in, use.purpose(), use.categories(), null);
    Facts facts = recipientOnFile(tx, use.recipient()).into(tx.facts(by, (String) null, clock.instant()));
    Decision may = in.engine().decide(request(by, use, facts.toBuilder().smallestGroup(Integer.MAX_VALUE).build()));
    if (!may.permits()) {
      tx.audit(AuditRecord.of(by, use, may));
      return may;
    }
    Decision d = in.engine().decide(request(by, use, facts.toBuilder().smallestGroup(released.getAsInt()).build()));
    tx.audit(AuditRecord.of(by, use, d));
    return d;
  }

  /**
   * Records a break-glass opening (C33) in {@code tx}: its audit entry and the incident it opens, which
   * the privacy officers follow up. The opening itself reads nothing; each read through it is decided
   * and audited by {@link #decide}, naming the opening. Answers the incident's id.
   */
  public String openBreakGlass(Tx tx, Access by, Use use, String breakGlassId) {
    here(use.subject());
    if (!isStaff(by) || use.subject() == null) {
      throw new IllegalArgumentException("break-glass is opened by a staff member on one person");
    }
    checkNames(current(), use.purpose(), use.categories(), null);
    Instant now = clock.instant();
    tx.audit(AuditRecord.recorded(by, "break-glass").purpose(use.purpose()).subject(use.subject()).categories(use.categories())
        .rules(List.of("break-glass:" + breakGlassId)).clauses(List.of("C32", "C33")).build());
    return openIncident(tx, by, use, List.of("break-glass:" + breakGlassId), List.of("C32", "C33"), IncidentRecords.BREAK_GLASS, now);
  }

  private static boolean isStaff(Access by) {
    return by.kind() == ActorKind.STAFF && !by.id().startsWith("system:");
  }

  /** Opens an incident, or, for a denial repeated within {@link IncidentRecords#REPEAT_WINDOW}, counts it as another attempt of the open one. */
  private static String openIncident(Tx tx, Access by, Use use, List<String> rules, List<String> clauses, String kind, Instant now) {
    String id = "in-" + Ids.timeOrdered();
    Instant joinSince = IncidentRecords.DENIED.equals(kind) ? now.minus(IncidentRecords.REPEAT_WINDOW) : null;
    return tx.openIncident(new IncidentRecords.Incident(id, kind, by.id(), now, use.operation(), use.purpose(), use.subject(), use.categories(), rules,
        clauses, by.requestId(), IncidentRecords.OPEN, null, null, null, null, 1, now), joinSince);
  }

  private static AuditRecord.Builder decisionBuilder(Access by, Use use, Decision d) {
    return AuditRecord.decisionBuilder(by, use.operation(), d.permits() ? AuditRecord.PERMIT : AuditRecord.DENY)
        .purpose(use.purpose()).subject(use.subject()).categories(use.categories()).clauses(d.clauses());
  }

  /**
   * A denial when a version in force has removed the purpose that an earlier version had: the use
   * stops at once (C36, C14), and the refusal is audited like any decision. Null otherwise.
   */
  private Decision removed(InForce in, String purpose) {
    if (purpose == null || in.purposes().contains(purpose)) {
      return null;
    }
    for (InForce v : timeline) {
      if (v.policy().version() < in.policy().version() && v.purposes().contains(purpose)) {
        return new Decision(Effect.DENY, List.of(), List.of(new Reason("purpose-removed", List.of("C36", "C14"), "the purpose '" + purpose
            + "' is not in the policy in force (version " + in.policy().version() + "); it was removed, so no use of it is permitted")),
            Set.of(Obligation.AUDIT), in.policy().version());
      }
    }
    return null;
  }

  /**
   * A denial when a service or partner uses, about a person, a category of data that a version newer
   * than the one the person accepted added (C36): they must agree to the changed terms first. Null otherwise.
   */
  private Decision newCategories(Tx tx, InForce in, Access by, Use use, Facts facts) {
    if (use.subject() == null || (by.kind() != ActorKind.SERVICE && by.kind() != ActorKind.PARTNER) || in.categorySince().isEmpty()) {
      return null;
    }
    int newest = 0;
    for (String c : use.categories()) {
      newest = Math.max(newest, in.categorySince().getOrDefault(c, 0));
    }
    if (newest <= 1 || facts.subjectPolicyVersion() <= 0 || newest <= facts.subjectPolicyVersion()) {
      return null;
    }
    int accepted = tx.acceptedPolicyVersion(use.subject());
    if (newest <= accepted) {
      return null;
    }
    return new Decision(Effect.DENY, List.of(), List.of(new Reason("policy-changed", List.of("C36"), "a category of data this use names came into the "
        + "policy with version " + newest + "; the person accepted version " + Math.max(accepted, facts.subjectPolicyVersion()) + " and must agree to the "
        + "change first")), Set.of(Obligation.AUDIT), in.policy().version());
  }

  /**
   * Decides the same use for each of {@code subjects} inside the use case's transaction and audits each
   * decision there, one entry a person, permit or deny — what {@link #decide} does for one person, done
   * set-wise for a bulk use: the facts of all of them are looked up together ({@link Tx#facts(Access,
   * List, Instant)}), the engine is asked once for each distinct set of facts (the engine is pure: equal
   * facts about different people give equal answers, as long as neither is the actor), and the audit
   * entries are written together. {@code use.subject()} must be null; answers each person's decision, in
   * the order of {@code subjects}.
   *
   * @throws InvalidInputException when the use names a purpose, category or recipient the policy does not know
   */
  public Map<String, Decision> decideEach(Tx tx, Access by, Use use, List<String> subjects) {
    here(subjects);
    if (use.subject() != null) {
      throw new IllegalArgumentException("use names one person; name them in subjects");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      Map<String, Decision> out = new LinkedHashMap<>();
      List<AuditRecord> entries = new ArrayList<>(subjects.size());
      for (String subject : subjects) {
        out.put(subject, removed);
        entries.add(AuditRecord.of(by, new Use(use.action(), use.purpose(), subject, use.recipient(), use.categories(), use.operation()), removed));
      }
      tx.audit(entries);
      return out;
    }
    checkNames(in, use.purpose(), use.categories(), use.recipient());
    Instant now = clock.instant();
    Map<String, Facts> facts = tx.facts(by, subjects, now);
    Map<Object, Decision> decided = new HashMap<>();
    Map<String, Decision> out = new LinkedHashMap<>();
    List<AuditRecord> entries = new ArrayList<>(subjects.size());
    for (String subject : subjects) {
      Facts f = facts.get(subject);
      if (f == null) {
        throw new IllegalStateException("no facts were found for a person of the group");
      }
      Use one = new Use(use.action(), use.purpose(), subject, use.recipient(), use.categories(), use.operation());
      // the engine reads the person's id only to tell whether they are the actor (their own data)
      Decision d = decided.computeIfAbsent(List.of(f, subject.equals(by.id())), k -> in.engine().decide(request(by, one, f)));
      out.put(subject, d);
      entries.add(AuditRecord.of(by, one, d));
    }
    tx.audit(entries);
    if (isStaff(by)) {
      out.forEach((subject, d) -> {
        if (!d.permits()) {
          Use one = new Use(use.action(), use.purpose(), subject, use.recipient(), use.categories(), use.operation());
          openIncident(tx, by, one, d.rules(), d.clauses(), IncidentRecords.DENIED, now);
        }
      });
    }
    return out;
  }

  /**
   * Records refusals that a rule of the platform makes beside the engine, one denial a person, as
   * {@link #refuse(Tx, Access, String, String, String, String, List, String)} does for one: {@code
   * ruleBySubject} names each person's rule, {@code clausesByRule} the clauses of a rule ({@code
   * clauses} for any other). The entries are written together in {@code tx}.
   */
  public void refuseEach(Tx tx, Access by, String operation, String purpose, Map<String, String> ruleBySubject, Map<String, List<String>> clausesByRule,
      List<String> clauses) {
    if (ruleBySubject.isEmpty()) {
      return;
    }
    refuseEach(tx, by, operation, purpose, List.copyOf(ruleBySubject.entrySet()), clausesByRule, clauses);
  }

  /**
   * As {@link #refuseEach(Tx, Access, String, String, Map, Map, List)}, for refusals of which several may
   * name the same person (a sender's batch holding two messages to one person): one denial an entry.
   */
  public void refuseEach(Tx tx, Access by, String operation, String purpose, List<Map.Entry<String, String>> ruleBySubject,
      Map<String, List<String>> clausesByRule, List<String> clauses) {
    ruleBySubject.forEach(e -> here(e.getKey()));
    if (ruleBySubject.isEmpty()) {
      return;
    }
    List<AuditRecord> entries = new ArrayList<>(ruleBySubject.size());
    ruleBySubject.forEach(e -> entries.add(refusal(by, operation, purpose, e.getKey(), e.getValue(), clausesByRule.getOrDefault(e.getValue(), clauses))));
    tx.audit(entries);
  }

  /**
   * Records, in a transaction of its own ({@code tx}, since the caller's rolls back), that a caller
   * asked about a person who is not visible to it (unknown, registered with another service, someone
   * else): a denied attempt. Returns the {@link NotFound} for the caller to throw once {@code tx} has
   * committed: the same answer whether the person does not exist or may not be seen.
   */
  public NotFound refuseInvisible(Tx tx, Access by, String operation, String purpose, String probedSubject) {
    here(probedSubject);
    refuse(tx, by, operation, purpose, probedSubject, NOT_VISIBLE, List.of("C14", "C29"));
    return new NotFound("no person with this id is visible to you");
  }

  /**
   * Records a refusal that a rule of the platform makes beside the engine (a consent that only the
   * person can give, a grant to oneself), as a denial, in {@code tx}; returns the {@link Refused} for
   * the caller to throw once {@code tx} has committed.
   */
  public Refused refuse(Tx tx, Access by, String operation, String purpose, String subject, String rule, List<String> clauses, String message) {
    here(subject);
    refuse(tx, by, operation, purpose, subject, rule, clauses);
    return new Refused(rule, clauses, message);
  }

  private void refuse(Tx tx, Access by, String operation, String purpose, String subject, String rule, List<String> clauses) {
    tx.audit(refusal(by, operation, purpose, subject, rule, clauses));
  }

  private AuditRecord refusal(Access by, String operation, String purpose, String subject, String rule, List<String> clauses) {
    String named = purpose != null && current().purposes().contains(purpose) ? purpose : "unknown";
    String probed = subject == null || subject.length() > 40 ? null : subject;
    return AuditRecord.decisionBuilder(by, operation, AuditRecord.DENY).purpose(named).subject(probed).rules(List.of(rule)).clauses(clauses).build();
  }

  /**
   * Decides a use that concerns no identified person — a staff member's or a service's question in
   * general — on the facts of the actor alone (for staff their agreement and grants). Nothing is
   * touched on the strength of it, so it is not audited.
   */
  public Decision decideUnidentified(Access by, Use use) {
    if (use.subject() != null) {
      throw new IllegalArgumentException("use names a person; decide it inside a transaction");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      return removed;
    }
    checkNames(in, use.purpose(), use.categories(), use.recipient());
    return in.engine().decide(request(by, use, Facts.at(clock.instant()).staff(by.staff()).build()));
  }

  /**
   * As {@link #decideUnidentified(Access, Use)}, inside {@code tx}: a use that names a recipient is
   * decided with what the registry holds about it (a registered recipient, its agreement). Not audited.
   */
  public Decision decideUnidentified(Tx tx, Access by, Use use) {
    if (use.subject() != null) {
      throw new IllegalArgumentException("use names a person; decide it with decide(tx, ...)");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      return removed;
    }
    checkNames(in, use.purpose(), use.categories(), null);
    return in.engine().decide(request(by, use, recipientOnFile(tx, use.recipient()).into(tx.facts(by, (String) null, clock.instant()))));
  }

  /**
   * Checks that {@code recipient} (null: none) is one the policy names or the registry holds; otherwise
   * an {@link InvalidInputException} naming it.
   */
  public void checkRecipient(Tx tx, String recipient) {
    recipientOnFile(tx, recipient);
  }

  /**
   * What the registry holds about {@code recipient} (null: none named), looked up once: whether it
   * holds it and its agreement as it now stands; an {@link InvalidInputException} naming it when
   * neither the policy nor the registry knows it.
   */
  private Tx.RecipientOnFile recipientOnFile(Tx tx, String recipient) {
    if (recipient == null) {
      return Tx.RecipientOnFile.NONE;
    }
    Tx.RecipientOnFile onFile = tx.recipient(recipient);
    if (!current().recipients().contains(recipient) && onFile.registered() == null) {
      throw new InvalidInputException("recipient", unknown("recipient", recipient) + " and the registry holds none; see GET /api/v1/recipients");
    }
    return onFile;
  }

  /**
   * Decides a disclosure of {@code use.categories()} to {@code use.recipient()} for each of {@code
   * subjects} on the {@code ground} it claims, inside the use case's transaction, and audits each
   * decision there, one entry a person, permit or deny (C23–C28). The facts are the platform's and only
   * those of the ground: for {@link Ground#CONSENT} each person's consents; for {@link Ground#PROCESSOR}
   * and {@link Ground#TERMS} the recipient's agreement as it stands today (a person's consents are not
   * given, so a consent can never stand in for an agreement); for {@link Ground#LEGAL_REQUEST} the legal
   * request {@code legalRequestId} as it is stored (its ground, creator and approver), with no recipient.
   * Prohibitions (C17) are checked by the engine on every ground. Answers each person's decision, in the
   * order of {@code subjects}.
   *
   * @throws InvalidInputException for an unknown name or recipient, or a ground that is not decided per person
   */
  public Map<String, Decision> decideDisclosure(Tx tx, Access by, Use use, List<String> subjects, Ground ground, String legalRequestId) {
    here(subjects);
    if (use.subject() != null || use.action() != Action.DISCLOSE) {
      throw new IllegalArgumentException("a disclosure names its people in subjects, and its action is disclose");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      Map<String, Decision> out = new LinkedHashMap<>();
      List<AuditRecord> entries = new ArrayList<>(subjects.size());
      for (String subject : subjects) {
        out.put(subject, removed);
        entries.add(AuditRecord.of(by, new Use(use.action(), use.purpose(), subject, use.recipient(), use.categories(), use.operation()), removed));
      }
      tx.audit(entries);
      return out;
    }
    checkNames(in, use.purpose(), use.categories(), null);
    Instant now = clock.instant();
    Tx.RecipientOnFile onFile;
    Facts.LegalRequest legal = null;
    switch (ground) {
      case CONSENT, PROCESSOR, TERMS -> {
        if (use.recipient() == null) {
          throw new InvalidInputException("recipient", "name the recipient of the disclosure");
        }
        onFile = recipientOnFile(tx, use.recipient());
      }
      case LEGAL_REQUEST -> {
        onFile = Tx.RecipientOnFile.NONE;
        legal = legalRequestId == null ? null : tx.legalRequest(legalRequestId);
        if (legal == null) {
          throw new InvalidInputException("legal_request", "a legal disclosure is released through its legal request: POST /api/v1/legal-requests/{id}/release");
        }
      }
      default -> throw new InvalidInputException("ground", "an aggregate is not a disclosure of people's records; ask POST /api/v1/aggregates");
    }
    Map<String, Facts> people = tx.facts(by, subjects, now);
    Map<Object, Decision> decided = new HashMap<>();
    Map<String, Decision> out = new LinkedHashMap<>();
    List<AuditRecord> entries = new ArrayList<>(subjects.size());
    for (String subject : subjects) {
      Facts f = people.get(subject);
      if (f == null) {
        throw new IllegalStateException("no facts were found for a person of the group");
      }
      Facts.Builder b = f.toBuilder().staff(by.staff()).agreements(List.of()).recipients(List.of()).legal(legal);
      if (ground != Ground.CONSENT) {
        b.consents(List.of());
      }
      Facts grounded = ground == Ground.CONSENT ? new Tx.RecipientOnFile(onFile.registered(), null).into(b.build()) : onFile.into(b.build());
      Use one = new Use(use.action(), use.purpose(), subject, use.recipient(), use.categories(), use.operation());
      Decision d = decided.computeIfAbsent(List.of(grounded, subject.equals(by.id())), k -> in.engine().decide(request(by, one, grounded)));
      out.put(subject, d);
      entries.add(AuditRecord.of(by, one, d));
    }
    tx.audit(entries);
    return out;
  }

  /**
   * Decides the collection of one usage event on the facts that come with it: for a browser, the
   * choice the person made in the cookie banner on that browser ({@code bannerConsents}, the person's
   * own channel); for a service or a partner, none — a collection that needs the person's consent is
   * refused (default deny). Not audited per event: the collector handles thousands a second, and the
   * transaction that stores permitted events records each batch.
   */
  public Decision decideCollection(Access by, Use use, List<Facts.Consent> bannerConsents) {
    here(use.subject());
    if (use.action() != Action.COLLECT) {
      throw new IllegalArgumentException("use is not a collection");
    }
    if (!bannerConsents.isEmpty() && by.kind() != ActorKind.BROWSER) {
      throw new IllegalArgumentException("only the person's own browser carries banner choices");
    }
    InForce in = current();
    Decision removed = removed(in, use.purpose());
    if (removed != null) {
      return removed;
    }
    checkNames(in, use.purpose(), use.categories(), use.recipient());
    return in.engine().decide(request(by, use, Facts.at(clock.instant()).consents(bannerConsents).build()));
  }

  /**
   * A policy author's what-if: decides {@code request} on the facts it states, touching no data. The
   * answer is never a permission to act and is not audited; it serves {@code plenary policy decide}
   * and the golden decision files.
   */
  public Decision preview(DecisionRequest request) {
    return current().engine().decide(request);
  }

  /**
   * Checks that every name is one the policy declares; otherwise an {@link InvalidInputException}
   * naming the field, the same 400 from every front end.
   */
  public void checkNames(String purpose, List<String> categoryIds, String recipient) {
    InForce in = current();
    // a purpose that a newer version removed is known: its use is decided, and denied, rather than refused as a mistake (C36)
    checkNames(in, removed(in, purpose) != null ? in.policy().purposes().get(0).id() : purpose, categoryIds, recipient);
  }

  private static void checkNames(InForce in, String purpose, List<String> categoryIds, String recipient) {
    Policy policy = in.policy();
    Set<String> purposes = in.purposes();
    Set<String> categories = in.categories();
    Set<String> recipients = in.recipients();
    if (purpose == null || !purposes.contains(purpose)) {
      throw new InvalidInputException("purpose", unknown("purpose", purpose) + "; the policy's purposes are "
          + String.join(", ", policy.purposes().stream().filter(Purpose::listed).map(Purpose::id).toList()));
    }
    for (String c : categoryIds) {
      if (c == null || !categories.contains(c)) {
        throw new InvalidInputException("categories", unknown("data category", c) + "; see GET /api/v1/policy for the policy's categories");
      }
    }
    if (recipient != null && !recipients.contains(recipient)) {
      throw new InvalidInputException("recipient", unknown("recipient", recipient) + "; see GET /api/v1/policy for the policy's recipients");
    }
  }

  private static String unknown(String what, String name) {
    if (name == null || name.isEmpty()) {
      return "name the " + what;
    }
    return PLAIN_NAME.matcher(name).matches() ? "the policy declares no " + what + " '" + name + "'" : "the " + what + " given is not one the policy declares";
  }

  private static DecisionRequest request(Access by, Use use, Facts facts) {
    return new DecisionRequest(by.kind(), by.id(), use.action(), use.purpose(), use.subject(), use.recipient(), use.categories(), facts);
  }
}
