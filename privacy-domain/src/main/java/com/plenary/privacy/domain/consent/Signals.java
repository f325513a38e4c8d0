package com.plenary.privacy.domain.consent;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.ConsentRecords.State;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Recipient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Consents that come from a signal of the person's browser rather than a form: the cookie banner's
 * choices of a signed-in person (channel {@code banner}), and the Global Privacy Control (channel
 * {@code gpc}, a withdrawal only). Each writes entries of the consent ledger only when the state changes,
 * so a signal repeated on every request writes nothing after the first.
 *
 * <p>What the Global Privacy Control opts out of, read from the policy: the sale of personal data (which
 * the policy forbids outright, C17, so there is never a consent to it), sharing with a third party — every
 * consent for a recipient that is not a processor acting on our behalf (C24) — and marketing (the
 * purpose {@code communicate.marketing} and those under it, C16). Analytics in the browser is turned off
 * by the collector for a request with the signal already (C20); a consent the person gave in the privacy
 * center for another purpose stays.
 */
public final class Signals {
  private Signals() {}

  /**
   * Records the banner's choices of a signed-in person: for each purpose, a grant when it is now chosen
   * and not in force, a withdrawal when it is refused and in force.
   */
  public static void banner(Domain domain, Access person, String subjectId, Map<String, Boolean> byPurpose) {
    Consents consents = domain.consents();
    List<State> states = consents.states(person, subjectId);
    for (Map.Entry<String, Boolean> e : byPurpose.entrySet()) {
      boolean inForce = states.stream().anyMatch(s -> s.granted() && s.recipient() == null && s.purpose().equals(e.getKey()));
      if (e.getValue() && !inForce) {
        consents.grant(person, subjectId, e.getKey(), null, Consents.BANNER);
      } else if (!e.getValue() && inForce) {
        consents.withdraw(person, subjectId, e.getKey(), null, Consents.BANNER);
      }
    }
  }

  /** Withdraws, with channel {@code gpc}, every consent in force that the Global Privacy Control opts out of; answers how many. */
  public static int gpc(Domain domain, Access person, String subjectId) {
    Consents consents = domain.consents();
    Policy policy = domain.policy();
    List<State> targets = new ArrayList<>();
    for (State s : consents.states(person, subjectId)) {
      if (s.granted() && (optsOut(policy, s) || s.recipient() != null && !processor(domain, policy, s.recipient()))) {
        targets.add(s);
      }
    }
    if (targets.isEmpty()) {
      return 0;
    }
    return consents.withdrawAll(person, subjectId, targets, Consents.GPC);
  }

  private static boolean optsOut(Policy policy, State s) {
    return s.purpose().equals(Vocabulary.MARKETING) || s.purpose().startsWith(Vocabulary.MARKETING + ".");
  }

  private static boolean processor(Domain domain, Policy policy, String recipient) {
    Recipient named = policy.recipient(recipient);
    if (named != null) {
      return policy.recipientKinds().stream().anyMatch(k -> Objects.equals(k.id(), named.kind()) && k.processor());
    }
    try {
      return domain.recipients().get(recipient).processor();
    } catch (NotFound e) {
      return false;
    }
  }

}
