package com.plenary.privacy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Prohibition;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Rule;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** Properties of the decision engine on Plenary's policy, over generated requests. */
class DecisionProperties {
  static final Policy POLICY = Policy.bundled();
  static final DecisionEngine ENGINE = DecisionEngine.compile(POLICY);
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final List<String> PURPOSES = POLICY.purposes().stream().map(Purpose::id).toList();
  static final List<String> CATEGORIES = POLICY.categories().stream().map(Category::id).toList();
  static final List<String> RECIPIENTS = List.of("carrier", "mailer", "adbroker", "unknown-co");

  @Provide
  Arbitrary<Facts.Consent> consents() {
    return Combinators.combine(Arbitraries.of(PURPOSES), Arbitraries.of(RECIPIENTS).injectNull(0.5), Arbitraries.integers().between(0, 2))
        .as(Facts.Consent::new);
  }

  @Provide
  Arbitrary<Facts> facts() {
    Arbitrary<Facts.Grant> grants = Combinators.combine(Arbitraries.of("support", "engineer", "legal", "privacy-officer", "auditor", "janitor"),
        Arbitraries.of(CATEGORIES).list().ofMaxSize(3), Arbitraries.of(PURPOSES).list().ofMaxSize(3),
        Arbitraries.integers().between(-40, 10), Arbitraries.integers().between(-10, 40))
        .as((role, cats, ps, from, until) -> new Facts.Grant(role, cats, ps, NOW.plusSeconds(86_400L * from), NOW.plusSeconds(86_400L * until)));
    Arbitrary<Facts.Staff> staff = Combinators.combine(Arbitraries.of("employee", "contractor", "agent", "intern"),
        Arbitraries.of(true, false), grants.list().ofMaxSize(3))
        .as((type, signed, gs) -> new Facts.Staff("st-1", type, signed ? NOW.minusSeconds(86_400) : null, gs));
    Arbitrary<Facts.Agreement> agreements = Combinators.combine(Arbitraries.of(RECIPIENTS), Arbitraries.of(CATEGORIES).list().ofMaxSize(3),
        Arbitraries.of(PURPOSES).list().ofMaxSize(3), Arbitraries.integers().between(-400, 10), Arbitraries.integers().between(-10, 400))
        .as((rec, cats, ps, s, e) -> new Facts.Agreement(rec, cats, ps, LocalDate.of(2026, 11, 25).plusDays(s), LocalDate.of(2026, 11, 25).plusDays(e)));
    Arbitrary<Facts.LegalRequest> legal = Combinators.combine(Arbitraries.of("a", "b", "c", "d", "e"), Arbitraries.of("st-1", "st-2"),
        Arbitraries.of("st-1", "st-2", "st-3").list().ofMaxSize(2)).as(Facts.LegalRequest::new);
    return Combinators.combine(consents().list().ofMaxSize(4), Arbitraries.integers().between(0, 2),
        Arbitraries.of(Condition.class).set().ofMaxSize(2), staff.injectNull(0.3), agreements.list().ofMaxSize(2),
        legal.injectNull(0.5), Arbitraries.integers().between(-1, 30))
        .as((cs, version, conditions, st, ags, lg, group) -> new Facts(NOW, cs, version, conditions, st, ags, lg, group));
  }

  @Provide
  Arbitrary<DecisionRequest> requests() {
    Arbitrary<ActorKind> kinds = Arbitraries.of(ActorKind.class);
    Arbitrary<String> ids = Arbitraries.of("account", "mail", "shop", "web", "acme-ads", "st-1", "s-1", "s-2", "adbroker", "crm");
    return Combinators.combine(kinds, ids, Arbitraries.of(Action.class), Arbitraries.of(PURPOSES),
        Arbitraries.of("s-1", "s-2").injectNull(0.2), Arbitraries.of(RECIPIENTS).injectNull(0.3),
        Arbitraries.of(CATEGORIES).list().ofMinSize(1).ofMaxSize(3), facts())
        .as(DecisionRequest::new);
  }

  private static DecisionRequest with(DecisionRequest r, Facts f) {
    return new DecisionRequest(r.actorKind(), r.actorId(), r.action(), r.purpose(), r.subject(), r.recipient(), r.categories(), f);
  }

  private static Facts withConsents(Facts f, List<Facts.Consent> consents) {
    return new Facts(f.now(), consents, f.subjectPolicyVersion(), f.conditions(), f.staff(), f.agreements(), f.legal(), f.smallestGroup());
  }

  @Property(tries = 2000)
  void C16_C17_aProhibitionAlwaysWins(@ForAll("requests") DecisionRequest generated, @ForAll("consents") Facts.Consent extra) {
    for (Prohibition p : POLICY.prohibitions()) {
      List<String> cats = p.categories().isEmpty() ? generated.categories() : List.of(p.categories().get(0));
      Facts f = generated.facts();
      List<Facts.Consent> all = new ArrayList<>(f.consents());
      all.add(extra);
      all.add(new Facts.Consent(p.purposes().get(0), generated.recipient(), 1));
      Set<Condition> conditions = new HashSet<>(f.conditions());
      p.when().forEach(w -> conditions.add(Condition.of(w)));
      Facts forced = new Facts(f.now(), all, f.subjectPolicyVersion(), conditions, f.staff(), f.agreements(), f.legal(), f.smallestGroup());
      String actorId = generated.actorKind() == ActorKind.SERVICE ? "shop" : generated.actorKind() == ActorKind.PARTNER ? "acme-ads" : generated.actorId();
      // the engine derives third-party-recipient from the recipient itself (facts that state it are ignored): name a third party
      String recipient = p.when().contains(Condition.THIRD_PARTY_RECIPIENT.id()) ? "adbroker" : generated.recipient();
      DecisionRequest r = new DecisionRequest(generated.actorKind(), actorId, Action.of(p.actions().get(0)), p.purposes().get(0),
          generated.subject(), recipient, cats, forced);
      Decision d = ENGINE.decide(r);
      assertThat(d.effect()).isEqualTo(Effect.DENY);
      assertThat(d.rules()).containsExactly(p.id());
    }
  }

  @Property(tries = 1000)
  void C14_anUndeclaredPurposeIsAlwaysDenied(@ForAll("requests") DecisionRequest r, @ForAll("purposeNames") String purpose) {
    DecisionRequest undeclared = new DecisionRequest(r.actorKind(), r.actorId(), r.action(), purpose, r.subject(), r.recipient(), r.categories(), r.facts());
    Decision d = ENGINE.decide(undeclared);
    assertThat(d.effect()).isEqualTo(Effect.DENY);
    assertThat(d.permitted()).isEmpty();
  }

  @Provide
  Arbitrary<String> purposeNames() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars('.', '-').ofMinLength(1).ofMaxLength(20).filter(s -> !PURPOSES.contains(s));
  }

  @Property(tries = 3000)
  void C19_grantingAConsentNeverTurnsAPermitIntoADeny(@ForAll("consentable") DecisionRequest r, @ForAll("consents") Facts.Consent granted) {
    Decision before = ENGINE.decide(r);
    List<Facts.Consent> more = new ArrayList<>(r.facts().consents());
    more.add(granted);
    Decision after = ENGINE.decide(with(r, withConsents(r.facts(), more)));
    Statistics.label("after the grant").collect(after.effect());
    Statistics.label("after the grant").coverage(c -> c.check(Effect.PERMIT).percentage(p -> p > 33.3));
    if (before.permits()) {
      assertThat(after.permits()).isTrue();
    }
    assertThat(after.permitted()).containsAll(before.permitted());
  }

  @Property(tries = 3000)
  void C19_withdrawingAConsentNeverTurnsADenyIntoAPermit(@ForAll("consentable") DecisionRequest r, @ForAll("consents") Facts.Consent given) {
    List<Facts.Consent> with = new ArrayList<>(r.facts().consents());
    with.add(given);
    Decision before = ENGINE.decide(with(r, withConsents(r.facts(), with)));
    List<Facts.Consent> without = new ArrayList<>(with);
    without.remove(given);
    Decision after = ENGINE.decide(with(r, withConsents(r.facts(), without)));
    Statistics.label("before the withdrawal").collect(before.effect());
    Statistics.label("before the withdrawal").coverage(c -> c.check(Effect.PERMIT).percentage(p -> p > 33.3));
    if (!before.permits()) {
      assertThat(after.permits()).isFalse();
    }
    assertThat(before.permitted()).containsAll(after.permitted());
  }

  /**
   * Requests the policy can permit once the person consents: a registered service reading or using its
   * declared categories for a purpose the consent rule covers, about a person who accepted the policy,
   * with other consents of theirs beside it.
   */
  @Provide
  Arbitrary<DecisionRequest> consentable() {
    Arbitrary<String> service = Arbitraries.of("mail", "shop", "account");
    return service.flatMap(id -> {
      List<String> declared = POLICY.service(id).categories();
      List<String> consentPurposes = POLICY.rules().stream().filter(rule -> rule.id().equals("service-consented-use")).findFirst().orElseThrow().purposes();
      return Combinators.combine(Arbitraries.of(Action.READ, Action.USE), Arbitraries.of(consentPurposes),
          Arbitraries.of(declared).list().ofMinSize(1).ofMaxSize(3).uniqueElements(), consents().list().ofMaxSize(3))
          .as((action, purpose, cats, others) -> new DecisionRequest(ActorKind.SERVICE, id, action, purpose, "s-1", null, cats,
              new Facts(NOW, others, 1, Set.of(), null, List.of(), null, -1)));
    });
  }

  @Property(tries = 2000)
  void C19_theConsentAUseRestsOnOpensItAndItsWithdrawalClosesIt(@ForAll("consentable") DecisionRequest r) {
    Facts.Consent given = new Facts.Consent(r.purpose(), null, 1);
    List<Facts.Consent> with = new ArrayList<>(r.facts().consents());
    with.add(given);
    List<Facts.Consent> without = new ArrayList<>(r.facts().consents());
    without.removeIf(c -> c.purpose().equals(r.purpose()) || Policy.isUnder(r.purpose(), c.purpose()));
    Decision granted = ENGINE.decide(with(r, withConsents(r.facts(), with)));
    Decision withdrawn = ENGINE.decide(with(r, withConsents(r.facts(), without)));
    // a service's own purposes, and those its terms of service name (C28), need no consent
    List<String> own = new ArrayList<>(POLICY.service(r.actorId()).purposes());
    own.addAll(POLICY.service(r.actorId()).terms().purposes());
    boolean declaredPurpose = own.stream().anyMatch(p -> Policy.isUnder(r.purpose(), p));
    Statistics.label("with the consent").collect(granted.effect());
    Statistics.label("purpose").collect(declaredPurpose ? "declared by the service" : "needs consent");
    // the property is only worth its tries when most of them are permits it could lose
    Statistics.label("with the consent").coverage(c -> c.check(Effect.PERMIT).percentage(p -> p > 33.3));
    assertThat(granted.permitted()).containsAll(withdrawn.permitted());
    if (!declaredPurpose) {
      assertThat(withdrawn.permits()).as("a use outside the declared purposes stands on the consent alone").isFalse();
    } else {
      assertThat(withdrawn.effect()).as("a declared use does not need the consent").isEqualTo(granted.effect());
    }
  }

  @Property(tries = 300)
  void decisionsDoNotDependOnTheOrderOfRules(@ForAll("requests") DecisionRequest r, @ForAll long seed) {
    List<Rule> rules = new ArrayList<>(POLICY.rules());
    List<Prohibition> prohibitions = new ArrayList<>(POLICY.prohibitions());
    Collections.shuffle(rules, new Random(seed));
    Collections.shuffle(prohibitions, new Random(seed + 1));
    Policy p = POLICY;
    Policy shuffled = new Policy(p.name(), p.version(), p.effective(), p.text(), p.purposes(), p.categories(), p.fields(), p.services(),
        p.cookieClasses(), p.cookies(), p.collection(), p.partners(), p.recipientKinds(), p.agreementTerms(), p.recipients(),
        p.legalGrounds(), p.aggregateK(), p.staffTypes(), p.staffRoles(), p.retention(), p.regions(), p.dataCentres(),
        prohibitions, rules, p.clauseMap());
    Decision a = ENGINE.decide(r);
    Decision b = DecisionEngine.compile(shuffled).decide(r);
    assertThat(b.effect()).isEqualTo(a.effect());
    assertThat(b.permitted()).isEqualTo(a.permitted());
    if (a.permits()) {
      assertThat(b.obligations()).isEqualTo(a.obligations());
    }
  }
}
