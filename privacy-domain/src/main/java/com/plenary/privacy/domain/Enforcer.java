package com.plenary.privacy.domain;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.DecisionEngine;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
 * <p>Thread-safe and immutable once created.
 */
public final class Enforcer {
  /** The operation name of a refusal made before the engine: the person is not visible to the caller. */
  public static final String NOT_VISIBLE = "not-visible";

  private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final Policy policy;
  private final DecisionEngine engine;
  private final Clock clock;
  private final Set<String> purposes;
  private final Set<String> categories;
  private final Set<String> recipients;

  private Enforcer(Policy policy, Clock clock) {
    this.policy = policy;
    this.engine = DecisionEngine.compile(policy);
    this.clock = clock;
    this.purposes = policy.purposes().stream().map(Purpose::id).collect(Collectors.toUnmodifiableSet());
    this.categories = policy.categories().stream().map(Category::id).collect(Collectors.toUnmodifiableSet());
    this.recipients = policy.recipients().stream().map(Recipient::id).collect(Collectors.toUnmodifiableSet());
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

  public Policy policy() {
    return policy;
  }

  public Clock clock() {
    return clock;
  }

  /**
   * Decides a use inside the use case's transaction and audits the decision there, permit or deny.
   * The caller acts on the answer: on a denial it touches nothing; on a partial answer only the
   * {@link Decision#permitted() permitted} categories.
   *
   * @throws InvalidInputException when the use names a purpose, category or recipient the policy does not know
   */
  public Decision decide(Tx tx, Access by, Use use) {
    checkNames(use.purpose(), use.categories(), null);
    Tx.RecipientOnFile onFile = recipientOnFile(tx, use.recipient());
    Facts facts = onFile.into(tx.facts(by, use.subject(), clock.instant()));
    Decision d = engine.decide(request(by, use, facts));
    tx.audit(AuditRecord.of(by, use, d));
    return d;
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
    if (use.subject() != null) {
      throw new IllegalArgumentException("use names one person; name them in subjects");
    }
    checkNames(use.purpose(), use.categories(), use.recipient());
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
      Decision d = decided.computeIfAbsent(List.of(f, subject.equals(by.id())), k -> engine.decide(request(by, one, f)));
      out.put(subject, d);
      entries.add(AuditRecord.of(by, one, d));
    }
    tx.audit(entries);
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
    List<AuditRecord> entries = new ArrayList<>(ruleBySubject.size());
    ruleBySubject.forEach((subject, rule) -> entries.add(refusal(by, operation, purpose, subject, rule, clausesByRule.getOrDefault(rule, clauses))));
    tx.audit(entries);
  }

  /**
   * Records, in a transaction of its own ({@code tx}, since the caller's rolls back), that a caller
   * asked about a person who is not visible to it (unknown, registered with another service, someone
   * else): a denied attempt. Returns the {@link NotFound} for the caller to throw once {@code tx} has
   * committed: the same answer whether the person does not exist or may not be seen.
   */
  public NotFound refuseInvisible(Tx tx, Access by, String operation, String purpose, String probedSubject) {
    refuse(tx, by, operation, purpose, probedSubject, NOT_VISIBLE, List.of("C14", "C29"));
    return new NotFound("no person with this id is visible to you");
  }

  /**
   * Records a refusal that a rule of the platform makes beside the engine (a consent that only the
   * person can give, a grant to oneself), as a denial, in {@code tx}; returns the {@link Refused} for
   * the caller to throw once {@code tx} has committed.
   */
  public Refused refuse(Tx tx, Access by, String operation, String purpose, String subject, String rule, List<String> clauses, String message) {
    refuse(tx, by, operation, purpose, subject, rule, clauses);
    return new Refused(rule, clauses, message);
  }

  private void refuse(Tx tx, Access by, String operation, String purpose, String subject, String rule, List<String> clauses) {
    tx.audit(refusal(by, operation, purpose, subject, rule, clauses));
  }

  private AuditRecord refusal(Access by, String operation, String purpose, String subject, String rule, List<String> clauses) {
    String named = purpose != null && purposes.contains(purpose) ? purpose : "unknown";
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
    checkNames(use.purpose(), use.categories(), use.recipient());
    return engine.decide(request(by, use, Facts.at(clock.instant()).staff(by.staff()).build()));
  }

  /**
   * As {@link #decideUnidentified(Access, Use)}, inside {@code tx}: a use that names a recipient is
   * decided with what the registry holds about it (a registered recipient, its agreement). Not audited.
   */
  public Decision decideUnidentified(Tx tx, Access by, Use use) {
    if (use.subject() != null) {
      throw new IllegalArgumentException("use names a person; decide it with decide(tx, ...)");
    }
    checkNames(use.purpose(), use.categories(), null);
    Tx.RecipientOnFile onFile = recipientOnFile(tx, use.recipient());
    return engine.decide(request(by, use, onFile.into(Facts.at(clock.instant()).staff(by.staff()).build())));
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
    if (!recipients.contains(recipient) && onFile.registered() == null) {
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
    if (use.subject() != null || use.action() != Action.DISCLOSE) {
      throw new IllegalArgumentException("a disclosure names its people in subjects, and its action is disclose");
    }
    checkNames(use.purpose(), use.categories(), null);
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
      Decision d = decided.computeIfAbsent(List.of(grounded, subject.equals(by.id())), k -> engine.decide(request(by, one, grounded)));
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
    if (use.action() != Action.COLLECT) {
      throw new IllegalArgumentException("use is not a collection");
    }
    if (!bannerConsents.isEmpty() && by.kind() != ActorKind.BROWSER) {
      throw new IllegalArgumentException("only the person's own browser carries banner choices");
    }
    checkNames(use.purpose(), use.categories(), use.recipient());
    return engine.decide(request(by, use, Facts.at(clock.instant()).consents(bannerConsents).build()));
  }

  /**
   * A policy author's what-if: decides {@code request} on the facts it states, touching no data. The
   * answer is never a permission to act and is not audited; it serves {@code plenary policy decide}
   * and the golden decision files.
   */
  public Decision preview(DecisionRequest request) {
    return engine.decide(request);
  }

  /**
   * Checks that every name is one the policy declares; otherwise an {@link InvalidInputException}
   * naming the field, the same 400 from every front end.
   */
  public void checkNames(String purpose, List<String> categoryIds, String recipient) {
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
