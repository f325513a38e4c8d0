package com.plenary.privacy.decision;

import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Obligation;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Prohibition;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.Requirement;
import com.plenary.privacy.policy.Rule;
import com.plenary.privacy.policy.Service;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The policy compiled for deciding. Purposes, categories, actions and actors become small integer
 * ids and the trees become ancestor bit masks, so a decision is a few table look-ups and bit
 * operations. Semantics: default deny; prohibitions override every permission and consent; a rule
 * on a purpose or category covers everything under it.
 *
 * <p>Instances are immutable and safe to share between threads. {@link #decide} never throws for a
 * well-formed request: unknown names are denied with a reason.
 */
public final class DecisionEngine {
  private static final List<String> C14 = List.of("C14");
  /** The rule that permits an answer to leave its data centre for another of the registry (C12, C13, C31). */
  public static final String TRANSFER_RULE = "data-centre-transfer";
  private static final int AUDIT = 1 << Obligation.AUDIT.ordinal();
  /** Every combination of obligations as an immutable set, indexed by its bit mask: no set is built per decision. */
  private static final List<Set<Obligation>> OBLIGATION_SETS = obligationSets();

  private final Policy policy;
  private final Map<String, Integer> purposeIndex = new HashMap<>();
  private final Map<String, Integer> categoryIndex = new HashMap<>();
  private final long[] purposeAncestors;
  private final long[] categoryAncestors;
  private final Purpose[] purposes;
  private final Map<String, CompiledService> services = new HashMap<>();
  private final CompiledProhibition[] prohibitions;
  private final CompiledRule[] rules;
  private final Map<String, long[]> roles = new HashMap<>();
  private final Map<String, Recipient> recipients = new HashMap<>();
  private final Set<String> partners = new HashSet<>();
  private final Set<String> staffTypes;
  private final Set<String> legalGrounds = new HashSet<>();
  private final Set<String> recipientKinds = new HashSet<>();
  private final Set<String> processorKinds = new HashSet<>();
  private final Map<String, DataCentre> dataCentres = new HashMap<>();

  private DecisionEngine(Policy policy) {
    this.policy = policy;
    if (policy.purposes().size() > 64 || policy.categories().size() > 64) {
      throw new IllegalArgumentException("the engine supports at most 64 purposes and 64 categories");
    }
    purposes = policy.purposes().toArray(new Purpose[0]);
    for (int i = 0; i < purposes.length; i++) {
      purposeIndex.put(purposes[i].id(), i);
    }
    for (int i = 0; i < policy.categories().size(); i++) {
      categoryIndex.put(policy.categories().get(i).id(), i);
    }
    purposeAncestors = ancestors(purposeIndex);
    categoryAncestors = ancestors(categoryIndex);
    for (Service s : policy.services()) {
      List<String> ps = new ArrayList<>(s.purposes());
      ps.addAll(s.terms().purposes());
      services.put(s.id(), new CompiledService(s, mask(ps, purposeIndex), mask(s.categories(), categoryIndex), Set.copyOf(s.terms().sharing())));
    }
    prohibitions = policy.prohibitions().stream().map(this::compile).toArray(CompiledProhibition[]::new);
    rules = policy.rules().stream().map(this::compile).toArray(CompiledRule[]::new);
    policy.staffRoles().forEach(r -> roles.put(r.id(), new long[] {mask(r.purposes(), purposeIndex), mask(r.categories(), categoryIndex)}));
    policy.recipients().forEach(r -> recipients.put(r.id(), r));
    policy.partners().forEach(p -> partners.add(p.id()));
    policy.legalGrounds().forEach(g -> legalGrounds.add(g.id()));
    policy.recipientKinds().forEach(k -> recipientKinds.add(k.id()));
    policy.recipientKinds().stream().filter(k -> k.processor()).forEach(k -> processorKinds.add(k.id()));
    staffTypes = Set.copyOf(policy.staffTypes());
    policy.dataCentres().forEach(dc -> dataCentres.put(dc.id(), dc));
  }

  /** Compiles {@code policy}; do it once per policy version and share the engine. */
  public static DecisionEngine compile(Policy policy) {
    return new DecisionEngine(policy);
  }

  public Policy policy() {
    return policy;
  }

  /** Decides one request. */
  public Decision decide(DecisionRequest request) {
    Integer purpose = purposeIndex.get(request.purpose());
    if (purpose == null) {
      return deny(List.of(), new Reason("undeclared-purpose", C14,
          "'" + request.purpose() + "' is not a purpose of the policy; only the purposes it describes may be used"));
    }
    List<String> cats = request.categories();
    int[] catIds = new int[cats.size()];
    for (int i = 0; i < catIds.length; i++) {
      Integer c = categoryIndex.get(cats.get(i));
      if (c == null) {
        return deny(List.of(), new Reason("undeclared-category", List.of("C2", "C7", "C14"),
            "'" + cats.get(i) + "' is not a data category of the policy"));
      }
      catIds[i] = c;
    }
    long purposeUp = purposeAncestors[purpose];
    Action action = request.action();
    ActorKind actor = request.actorKind();
    Facts facts = request.facts();

    CompiledService service = null;
    if (actor == ActorKind.SERVICE) {
      service = request.actorId() == null ? null : services.get(request.actorId());
      if (service == null) {
        return deny(List.of(), new Reason("unregistered-service", List.of("C1"),
            "the service is not registered in the policy; an unregistered service gets no data"));
      }
    } else if (actor == ActorKind.PARTNER && (request.actorId() == null || !partners.contains(request.actorId()))) {
      return deny(List.of(), new Reason("unknown-partner", List.of("C4"), "the partner is not declared in the policy"));
    }

    // Prohibitions first: they override every permission and every consent.
    Set<Condition> conditions = conditions(request);
    for (CompiledProhibition p : prohibitions) {
      if (p.matches(action, purpose, purposeUp, catIds, categoryAncestors, conditions)) {
        return deny(List.of(), p.reason);
      }
    }

    // an answer that leaves its data centre goes only to another of the registry, one with a physical-security attestation
    Reason transfer = null;
    if (facts.transferTo() != null) {
      DataCentre to = dataCentres.get(facts.transferTo());
      if (to == null) {
        return deny(List.of(), new Reason("transfer-outside-registry", List.of("C12", "C13"),
            "the data would be sent to a data centre that is not on the company's network of servers"));
      }
      if (to.attestation() == null || to.attestation().isBlank()) {
        return deny(List.of(), new Reason("transfer-without-attestation", List.of("C31"),
            "the data would be sent to a data centre without a physical-security attestation"));
      }
      transfer = new Reason(TRANSFER_RULE, List.of("C12", "C13", "C31"),
          "the data is sent to the data centre " + to.id() + " in " + to.location() + ", on the company's network of servers");
    }
    long full = catIds.length == 64 ? -1L : (1L << catIds.length) - 1;
    long permitted = 0;
    List<Reason> permits = null;
    List<Reason> failures = null;
    int obligations = AUDIT;
    for (CompiledRule rule : rules) {
      if ((rule.actors & (1 << actor.ordinal())) == 0 || (rule.actions & (1 << action.ordinal())) == 0) {
        continue;
      }
      // purpose
      boolean purposeOk;
      if ((rule.purposes & purposeUp) != 0) {
        purposeOk = true;
      } else if (rule.declaredPurposes && service != null && (service.purposes & purposeUp) != 0) {
        int since = purposes[purpose].since();
        if (facts.subjectPolicyVersion() > 0 && since > facts.subjectPolicyVersion() && !consentedSince(facts, purpose, since)) {
          failures = add(failures, new Reason(rule.rule.id(), List.of("C36"), "the purpose '" + request.purpose()
              + "' was introduced in policy version " + since + "; the person accepted version "
              + facts.subjectPolicyVersion() + " and must consent to it under version " + since + " or later"));
          continue;
        }
        purposeOk = true;
      } else {
        purposeOk = false;
      }
      if (!purposeOk) {
        continue;
      }
      // categories this rule covers
      long covered = 0;
      for (int i = 0; i < catIds.length; i++) {
        long up = categoryAncestors[catIds[i]];
        if ((rule.categories & up) != 0 || (rule.declaredCategories && service != null && (service.categories & up) != 0)) {
          covered |= 1L << i;
        }
      }
      if (covered == 0 || (covered & ~permitted) == 0) {
        continue;
      }
      long allowed = covered;
      Reason failure = null;
      for (Requirement req : rule.requires) {
        allowed = check(req, request, service, purpose, catIds, allowed);
        if (allowed == 0) {
          failure = new Reason(rule.rule.id(), rule.rule.clauses(), explain(req, request));
          break;
        }
      }
      if (failure != null) {
        failures = add(failures, failure);
        continue;
      }
      if ((allowed & ~permitted) != 0) {
        permitted |= allowed;
        permits = permits == null ? rule.reasons : add(new ArrayList<>(permits), rule.reason);
        obligations |= rule.obligations;
      }
      if (permitted == full) {
        return new Decision(Effect.PERMIT, cats, transfer == null ? permits : add(new ArrayList<>(permits), transfer), OBLIGATION_SETS.get(obligations),
            policy.version());
      }
    }
    List<String> partial = new ArrayList<>();
    for (int i = 0; i < catIds.length; i++) {
      if ((permitted & (1L << i)) != 0) {
        partial.add(cats.get(i));
      }
    }
    List<Reason> reasons = new ArrayList<>();
    if (failures != null) {
      reasons.addAll(failures);
    }
    if (failures == null) {
      reasons.add(new Reason("default-deny", defaultClauses(action), "no rule of the policy permits a " + actor.id() + " to "
          + action.id() + " " + String.join(", ", denied(cats, permitted)) + " for '" + request.purpose() + "'"));
    }
    if (permits != null) {
      reasons.addAll(permits);
      if (transfer != null) {
        reasons.add(transfer);
      }
      obligations |= 1 << Obligation.MASK_FIELDS.ordinal();
    }
    if (actor == ActorKind.STAFF) {
      obligations |= 1 << Obligation.NOTIFY_PRIVACY_OFFICER_ON_DENY.ordinal();
    }
    return new Decision(Effect.DENY, partial, reasons, OBLIGATION_SETS.get(obligations), policy.version());
  }

  /** Decides each request in order. */
  public List<Decision> decideAll(List<DecisionRequest> requests) {
    List<Decision> out = new ArrayList<>(requests.size());
    for (DecisionRequest r : requests) {
      out.add(decide(r));
    }
    return out;
  }

  // ---- requirements ----

  private long check(Requirement req, DecisionRequest r, CompiledService service, int purpose, int[] catIds, long allowed) {
    Facts f = r.facts();
    switch (req) {
      case CONSENT:
        return hasConsent(r, purpose) ? allowed : 0;
      case DECLARED_PURPOSE:
        return service != null && (service.purposes & purposeAncestors[purpose]) != 0 ? allowed : 0;
      case OWN_DATA:
        return r.subject() != null && r.subject().equals(r.actorId()) ? allowed : 0;
      case STAFF_AGREEMENT:
        return f.staff() != null && f.staff().agreementSigned() != null && !f.staff().agreementSigned().isAfter(f.now()) ? allowed : 0;
      case STAFF_GRANT:
        return allowed & grantCovers(r, purpose, catIds);
      case RECIPIENT_KNOWN:
        return recipient(r) != null ? allowed : 0;
      case RECIPIENT_PROCESSOR: {
        Recipient rec = recipient(r);
        return rec != null && policy.recipientKinds().stream().anyMatch(k -> k.id().equals(rec.kind()) && k.processor()) ? allowed : 0;
      }
      case RECIPIENT_AGREEMENT:
        return allowed & agreementCovers(r, purpose, catIds);
      case TERMS_SHARING:
        return service != null && r.recipient() != null && service.sharing.contains(r.recipient()) ? allowed : 0;
      case LEGAL_GROUND:
        return f.legal() != null && f.legal().ground() != null && legalGrounds.contains(f.legal().ground()) ? allowed : 0;
      case SECOND_APPROVAL:
        return f.legal() != null && f.legal().requestedBy() != null
            && f.legal().approvedBy().stream().anyMatch(a -> a != null && !a.equals(f.legal().requestedBy())) ? allowed : 0;
      case AGGREGATE_THRESHOLD:
        return f.smallestGroup() >= policy.aggregateK() ? allowed : 0;
      default:
        return 0;
    }
  }

  /**
   * The conditions the prohibitions are checked against: the person's, as the facts give them, and
   * {@link Condition#THIRD_PARTY_RECIPIENT} derived here for a disclosure to a recipient that is not a
   * known processor (a fact that only the request's recipient decides, never the facts).
   */
  private Set<Condition> conditions(DecisionRequest r) {
    Set<Condition> given = r.facts().conditions();
    boolean stated = given.contains(Condition.THIRD_PARTY_RECIPIENT);
    boolean thirdParty = false;
    if (r.action() == Action.DISCLOSE) {
      Recipient rec = recipient(r);
      thirdParty = rec == null || !processorKinds.contains(rec.kind());
    }
    if (thirdParty == stated) {
      return given;
    }
    EnumSet<Condition> out = given.isEmpty() ? EnumSet.noneOf(Condition.class) : EnumSet.copyOf(given);
    if (thirdParty) {
      out.add(Condition.THIRD_PARTY_RECIPIENT);
    } else {
      out.remove(Condition.THIRD_PARTY_RECIPIENT);
    }
    return out;
  }

  /** The recipient a request names, as the policy declares it or, failing that, as the facts say the registry holds it. */
  private Recipient recipient(DecisionRequest r) {
    if (r.recipient() == null) {
      return null;
    }
    Recipient declared = recipients.get(r.recipient());
    if (declared != null) {
      return declared;
    }
    for (Recipient registered : r.facts().recipients()) {
      if (registered.id().equals(r.recipient()) && recipientKinds.contains(registered.kind())) {
        return registered;
      }
    }
    return null;
  }

  /** Whether the person consented to the purpose (or one above it) under version {@code since} or a later one (C36). */
  private boolean consentedSince(Facts facts, int purpose, int since) {
    for (Facts.Consent c : facts.consents()) {
      Integer cp = purposeIndex.get(c.purpose());
      if (cp != null && (purposeAncestors[purpose] & (1L << cp)) != 0 && c.policyVersion() >= since && c.recipient() == null) {
        return true;
      }
    }
    return false;
  }

  private boolean hasConsent(DecisionRequest r, int purpose) {
    int since = purposes[purpose].since();
    Recipient recipient = recipient(r);
    if (r.action() == Action.DISCLOSE) {
      if (recipient == null) {
        return false;
      }
      since = Math.max(since, recipient.since());
    }
    for (Facts.Consent c : r.facts().consents()) {
      Integer cp = purposeIndex.get(c.purpose());
      if (cp == null || (purposeAncestors[purpose] & (1L << cp)) == 0 || c.policyVersion() < since) {
        continue;
      }
      if (r.action() == Action.DISCLOSE && !r.recipient().equals(c.recipient())) {
        continue;
      }
      return true;
    }
    return false;
  }

  private long grantCovers(DecisionRequest r, int purpose, int[] catIds) {
    Facts.Staff staff = r.facts().staff();
    if (staff == null || staff.type() == null || !staffTypes.contains(staff.type())) {
      return 0;
    }
    Instant now = r.facts().now();
    long covered = 0;
    for (Facts.Grant g : staff.grants()) {
      long[] role = g.role() == null ? null : roles.get(g.role());
      if (role == null || g.from() == null || g.until() == null || now.isBefore(g.from()) || !now.isBefore(g.until())) {
        continue;
      }
      long rolePurposes = role[0];
      long gp = mask(g.purposes(), purposeIndex) & rolePurposes & purposeAncestors[purpose];
      if (gp == 0 || !withinRole(g.purposes(), rolePurposes, purposeAncestors, purposeIndex)) {
        continue;
      }
      long roleCats = role[1];
      if (!withinRole(g.categories(), roleCats, categoryAncestors, categoryIndex)) {
        continue;
      }
      long gc = mask(g.categories(), categoryIndex);
      for (int i = 0; i < catIds.length; i++) {
        if ((gc & categoryAncestors[catIds[i]]) != 0) {
          covered |= 1L << i;
        }
      }
    }
    return covered;
  }

  /** True when every named id lies under something the role may be granted. */
  private static boolean withinRole(List<String> named, long roleMask, long[] ancestors, Map<String, Integer> index) {
    for (String n : named) {
      Integer i = index.get(n);
      if (i == null || (ancestors[i] & roleMask) == 0) {
        return false;
      }
    }
    return true;
  }

  private long agreementCovers(DecisionRequest r, int purpose, int[] catIds) {
    if (r.recipient() == null) {
      return 0;
    }
    LocalDate today = LocalDate.ofInstant(r.facts().now(), ZoneOffset.UTC);
    long covered = 0;
    for (Facts.Agreement a : r.facts().agreements()) {
      if (!r.recipient().equals(a.recipient()) || a.start() == null || a.end() == null
          || today.isBefore(a.start()) || today.isAfter(a.end())
          || (mask(a.purposes(), purposeIndex) & purposeAncestors[purpose]) == 0) {
        continue;
      }
      long ac = mask(a.categories(), categoryIndex);
      for (int i = 0; i < catIds.length; i++) {
        if ((ac & categoryAncestors[catIds[i]]) != 0) {
          covered |= 1L << i;
        }
      }
    }
    return covered;
  }

  private static String explain(Requirement req, DecisionRequest r) {
    return switch (req) {
      case CONSENT -> "no recorded consent covers the purpose '" + r.purpose() + "'"
          + (r.action() == Action.DISCLOSE ? " and this recipient" : "") + " under the current policy version";
      case DECLARED_PURPOSE -> "the service does not declare the purpose '" + r.purpose() + "'";
      case OWN_DATA -> "a person may only act on their own data";
      case STAFF_AGREEMENT -> "no confidentiality agreement is on file for this staff member";
      case STAFF_GRANT -> "no grant in force covers these categories for the purpose '" + r.purpose() + "'";
      case RECIPIENT_KNOWN -> "the recipient is neither declared in the policy nor registered";
      case RECIPIENT_PROCESSOR -> "the recipient is not a processor acting on our behalf";
      case RECIPIENT_AGREEMENT -> "no agreement in force with the recipient covers these categories and the purpose '" + r.purpose() + "'";
      case TERMS_SHARING -> "the service's terms of service do not name this recipient";
      case LEGAL_GROUND -> "the legal request names none of the grounds (a)-(d)";
      case SECOND_APPROVAL -> "the legal request has no approval from a second person";
      case AGGREGATE_THRESHOLD -> "a group in the output is smaller than the threshold k";
    };
  }

  private static List<String> defaultClauses(Action action) {
    return switch (action) {
      case DISCLOSE -> List.of("C23");
      case MESSAGE -> List.of("C16");
      case AGGREGATE -> List.of("C27");
      default -> C14;
    };
  }

  private static List<String> denied(List<String> cats, long permitted) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < cats.size(); i++) {
      if ((permitted & (1L << i)) == 0) {
        out.add(cats.get(i));
      }
    }
    return out;
  }

  private Decision deny(List<String> permitted, Reason reason) {
    return new Decision(Effect.DENY, permitted, List.of(reason), OBLIGATION_SETS.get(AUDIT), policy.version());
  }

  private static List<Set<Obligation>> obligationSets() {
    Obligation[] all = Obligation.values();
    List<Set<Obligation>> out = new ArrayList<>(1 << all.length);
    for (int mask = 0; mask < 1 << all.length; mask++) {
      EnumSet<Obligation> set = EnumSet.noneOf(Obligation.class);
      for (Obligation o : all) {
        if ((mask & (1 << o.ordinal())) != 0) {
          set.add(o);
        }
      }
      out.add(Set.copyOf(set));
    }
    return List.copyOf(out);
  }

  private static <T> List<T> add(List<T> list, T item) {
    List<T> out = list == null ? new ArrayList<>(2) : list;
    out.add(item);
    return out;
  }

  // ---- compilation ----

  private static long[] ancestors(Map<String, Integer> index) {
    long[] up = new long[index.size()];
    index.forEach((id, i) -> {
      long m = 0;
      String cur = id;
      while (true) {
        Integer j = index.get(cur);
        if (j != null) {
          m |= 1L << j;
        }
        int dot = cur.lastIndexOf('.');
        if (dot < 0) {
          break;
        }
        cur = cur.substring(0, dot);
      }
      up[i] = m;
    });
    return up;
  }

  private static long mask(List<String> ids, Map<String, Integer> index) {
    long m = 0;
    for (String id : ids) {
      Integer i = index.get(id);
      if (i != null) {
        m |= 1L << i;
      }
    }
    return m;
  }

  private CompiledProhibition compile(Prohibition p) {
    int actions = 0;
    for (String a : p.actions()) {
      actions |= 1 << Action.of(a).ordinal();
    }
    EnumSet<Condition> when = EnumSet.noneOf(Condition.class);
    p.when().forEach(w -> when.add(Condition.of(w)));
    long named = mask(p.purposes(), purposeIndex);
    long above = 0;
    for (int i = 0; i < purposeAncestors.length; i++) {
      if ((named & (1L << i)) != 0) {
        above |= purposeAncestors[i];
      }
    }
    return new CompiledProhibition(p.actions().isEmpty() ? -1 : actions, named, above,
        mask(p.categories(), categoryIndex), when, new Reason(p.id(), p.clauses(), p.text()));
  }

  private CompiledRule compile(Rule r) {
    int actors = 0;
    for (String a : r.actors()) {
      actors |= 1 << ActorKind.of(a).ordinal();
    }
    int actions = 0;
    for (String a : r.actions()) {
      actions |= 1 << Action.of(a).ordinal();
    }
    List<Requirement> requires = r.requires().stream().map(Requirement::of).toList();
    int obligations = 0;
    for (String o : r.obligations()) {
      obligations |= 1 << Obligation.of(o).ordinal();
    }
    Reason reason = new Reason(r.id(), r.clauses(), r.text());
    return new CompiledRule(r, actors, actions, mask(r.purposes(), purposeIndex), r.purposes().contains(Rule.DECLARED),
        mask(r.categories(), categoryIndex), r.categories().contains(Rule.DECLARED),
        requires.toArray(new Requirement[0]), obligations, reason, List.of(reason));
  }

  private record CompiledService(Service service, long purposes, long categories, Set<String> sharing) {}

  /**
   * A prohibition compiled: {@code purposes} the ones it names, {@code above} those and every purpose above
   * them. It matches a request for a named purpose, one under it, and one above it: a use for a parent
   * ({@code communicate}) would cover the forbidden child ({@code communicate.marketing}), so a disclosure for
   * the parent is forbidden as much as one for the child (C17).
   */
  private record CompiledProhibition(int actions, long purposes, long above, long categories, Set<Condition> when, Reason reason) {
    boolean matches(Action action, int purpose, long purposeUp, int[] catIds, long[] catAncestors, Set<Condition> conditions) {
      if ((actions & (1 << action.ordinal())) == 0) {
        return false;
      }
      if (purposes != 0 && (purposes & purposeUp) == 0 && (above & (1L << purpose)) == 0) {
        return false;
      }
      if (!when.isEmpty() && !conditions.containsAll(when)) {
        return false;
      }
      if (categories == 0) {
        return true;
      }
      for (int c : catIds) {
        if ((categories & catAncestors[c]) != 0) {
          return true;
        }
      }
      return false;
    }
  }

  private record CompiledRule(
      Rule rule,
      int actors,
      int actions,
      long purposes,
      boolean declaredPurposes,
      long categories,
      boolean declaredCategories,
      Requirement[] requires,
      int obligations,
      Reason reason,
      List<Reason> reasons) {}
}
