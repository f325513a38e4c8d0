package com.plenary.privacy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Recipient;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * C17 — "we will not sell contact information to third parties" — as a property over every combination
 * of what could argue for a disclosure: the person's consent (none, for the purpose and recipient, for
 * a parent purpose, under an old or the current policy version), the recipient's agreement (none, in
 * force and covering, out of force), the ground (consent, processor, terms of service, legal request —
 * each the facts the enforcer gives the engine for it), the recipient's kind (every kind the policy
 * declares, named by the policy or held by the registry, or unknown), the actor and the contact
 * categories, and the purpose drawn from the whole purpose tree: a disclosure for a parent of a forbidden
 * purpose ({@code communicate} above {@code communicate.marketing}) would let the recipient use the data
 * for it, so it is refused too. Contact data for sale, or to a third party for its own marketing, is never
 * permitted.
 */
class ContactDataNeverSoldProperties {
  static final Policy POLICY = Policy.bundled();
  static final DecisionEngine ENGINE = DecisionEngine.compile(POLICY);
  static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
  static final LocalDate TODAY = LocalDate.of(2026, 12, 2);
  static final List<String> CONTACT = List.of("user.contact", "user.contact.email", "user.contact.phone_number", "user.contact.address");
  static final List<String> GROUNDS = List.of("consent", "processor", "terms-of-service", "legal-request");
  /** The whole purpose tree, parents included: a disclosure for a parent purpose lets the recipient use the data for every purpose under it. */
  static final List<String> PURPOSES = POLICY.purposes().stream().map(p -> p.id()).toList();
  /** The purposes the prohibitions of C17 name. */
  static final List<String> FORBIDDEN = List.of("sale", "communicate.marketing");

  /** One combination: who asks, to whom, of which kind, why, on which ground, with which consent and agreement. */
  record Case(ActorKind actor, String actorId, String recipient, String kind, boolean registered, String purpose, List<String> categories,
      String ground, String consentPurpose, int consentVersion, String agreementState) {}

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<String> kinds = Arbitraries.of(POLICY.recipientKinds().stream().map(k -> k.id()).toList()).injectNull(0.1);
    Arbitrary<String> recipients = Arbitraries.of("carrier", "mailer", "adbroker", "rcp-new", "rcp-other");
    Arbitrary<List<String>> cats = Arbitraries.of(CONTACT).list().ofMinSize(1).ofMaxSize(3).uniqueElements();
    Arbitrary<String> consent = Arbitraries.of("sale", "communicate.marketing", "communicate", "provide", "improve").injectNull(0.2);
    return Combinators.combine(
            Combinators.combine(Arbitraries.of(ActorKind.SERVICE, ActorKind.STAFF), Arbitraries.of("shop", "mail", "account"))
                .as((a, id) -> new Object[] {a, a == ActorKind.STAFF ? "st-1" : id}),
            recipients, kinds, Arbitraries.of(true, false), Arbitraries.of(PURPOSES), cats, Arbitraries.of(GROUNDS),
            Combinators.combine(consent, Arbitraries.integers().between(0, 2), Arbitraries.of("none", "covering", "expired")).as((c, v, a) -> new Object[] {c, v, a}))
        .as((who, r, k, reg, p, c, g, ca) -> new Case((ActorKind) who[0], (String) who[1], r, k, reg, p, c, g, (String) ca[0], (int) ca[1], (String) ca[2]));
  }

  @Property(tries = 5000, maxDiscardRatio = 20) // about six of seven cases are neither sale nor marketing and are discarded
  void C17_contactDataForSaleOrThirdPartyMarketingIsNeverReleasedWhateverTheConsentAgreementGroundOrRecipientKind(@ForAll("cases") Case c) {
    // marketing through a processor is our own marketing on our behalf (C25), not the third party's: only sale is refused to every recipient
    Assume.that(covers(c.purpose(), "sale") || (covers(c.purpose(), "communicate.marketing") && !processor(c)));
    DecisionRequest request = new DecisionRequest(c.actor(), c.actorId(), Action.DISCLOSE, c.purpose(), "s-1", c.recipient(), c.categories(), facts(c));
    Decision d = ENGINE.decide(request);
    Statistics.label("purpose").collect(c.purpose());
    Statistics.label("ground").collect(c.ground());
    assertThat(d.permits()).as("%s → %s", c, d.rules()).isFalse();
    assertThat(d.permitted()).as("no contact category is released on its own either: %s", c).isEmpty();
    assertThat(d.clauses()).contains("C17");
  }

  /** Whether a disclosure for {@code purpose} would let the recipient use the data for {@code forbidden}: the purpose itself, one under it, or one above it. */
  private static boolean covers(String purpose, String forbidden) {
    return purpose.equals(forbidden) || forbidden.startsWith(purpose + ".") || purpose.startsWith(forbidden + ".");
  }

  /** Whether the recipient, as the engine knows it (the policy's word first, then the registry's), processes on our behalf. */
  private static boolean processor(Case c) {
    String kind = POLICY.recipients().stream().filter(r -> r.id().equals(c.recipient())).map(Recipient::kind).findFirst()
        .orElse(c.registered() ? c.kind() : null);
    return kind != null && POLICY.recipientKinds().stream().anyMatch(k -> k.id().equals(kind) && k.processor());
  }

  /** The facts the enforcer would give the engine for the ground: a consent only on the consent ground, an agreement on the others, a legal request on its own. */
  private static Facts facts(Case c) {
    Facts.Builder b = Facts.at(NOW).subjectPolicyVersion(POLICY.version());
    if (c.registered() && c.kind() != null) {
      b.recipients(List.of(new Recipient(c.recipient(), c.kind(), "A recipient", 1)));
    }
    if (c.ground().equals("consent") && c.consentPurpose() != null) {
      b.consents(List.of(new Facts.Consent(c.consentPurpose(), c.recipient(), c.consentVersion())));
    }
    if ((c.ground().equals("processor") || c.ground().equals("terms-of-service")) && !c.agreementState().equals("none")) {
      LocalDate end = c.agreementState().equals("covering") ? TODAY.plusDays(30) : TODAY.minusDays(1);
      b.agreements(List.of(new Facts.Agreement(c.recipient(), List.of("user"), List.of(c.purpose(), "communicate", "sale"), TODAY.minusDays(30), end)));
    }
    if (c.ground().equals("legal-request")) {
      b.legal(new Facts.LegalRequest("a", "st-2", List.of("st-3")));
    }
    if (c.actor() == ActorKind.STAFF) {
      b.staff(new Facts.Staff("st-1", "employee", NOW.minusSeconds(86_400),
          List.of(new Facts.Grant("privacy-officer", List.of("user"), List.of("protect", "improve"), NOW.minusSeconds(60), NOW.plusSeconds(3_600)))));
    }
    return b.build();
  }
}
