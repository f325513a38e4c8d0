package com.plenary.privacy.decision;

import com.plenary.privacy.policy.Obligation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The answer to a {@link DecisionRequest}. {@code PERMIT} means every requested category is
 * permitted; otherwise the decision is {@code DENY} and {@code permitted} lists the categories that
 * alone would be allowed (a read then returns only those, under {@link Obligation#MASK_FIELDS}).
 */
public record Decision(
    Effect effect, List<String> permitted, List<Reason> reasons, Set<Obligation> obligations, int policyVersion) {
  public Decision {
    permitted = List.copyOf(permitted);
    reasons = List.copyOf(reasons);
    obligations = Set.copyOf(obligations); // no copy when already immutable
  }

  public boolean permits() {
    return effect == Effect.PERMIT;
  }

  /** Every rule id among the reasons, in order, once each. */
  public List<String> rules() {
    Set<String> out = new LinkedHashSet<>();
    reasons.forEach(r -> out.add(r.rule()));
    return List.copyOf(out);
  }

  /** Every clause id among the reasons, in order, once each. */
  public List<String> clauses() {
    Set<String> out = new LinkedHashSet<>();
    reasons.forEach(r -> out.addAll(r.clauses()));
    return List.copyOf(out);
  }

  /** The decision as plain maps and lists, for JSON and YAML writers. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("effect", effect.name().toLowerCase(Locale.ROOT));
    m.put("permitted", permitted);
    m.put("rules", rules());
    m.put("clauses", clauses());
    List<Map<String, Object>> rs = new ArrayList<>();
    for (Reason r : reasons) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("rule", r.rule());
      rm.put("clauses", r.clauses());
      rm.put("detail", r.detail());
      rs.add(rm);
    }
    m.put("reasons", rs);
    m.put("obligations", obligations.stream().map(Obligation::id).sorted().toList());
    m.put("policy_version", policyVersion);
    return m;
  }
}
