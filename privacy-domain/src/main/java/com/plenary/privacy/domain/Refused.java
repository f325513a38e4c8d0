package com.plenary.privacy.domain;

import com.plenary.privacy.PlenaryException;
import java.util.List;

/**
 * A use the platform refuses by a rule of its own, before or beside the engine — a service granting
 * a consent that only the person can give, a staff member granting access to themselves. The refusal
 * has been audited as a denial by the {@link Enforcer} when this is thrown. Front ends answer it as
 * the policy's denials are answered (403), naming the rule and clauses; the message is a plain
 * sentence for people.
 */
public final class Refused extends PlenaryException {
  private final String rule;
  private final List<String> clauses;

  public Refused(String rule, List<String> clauses, String message) {
    super(message);
    this.rule = rule;
    this.clauses = List.copyOf(clauses);
  }

  public String rule() {
    return rule;
  }

  public List<String> clauses() {
    return clauses;
  }
}
