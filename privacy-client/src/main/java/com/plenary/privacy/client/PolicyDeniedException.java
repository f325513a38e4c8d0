package com.plenary.privacy.client;

import java.util.List;

/** The privacy policy does not permit the call; the clauses and rules say why. */
public final class PolicyDeniedException extends PlenaryClientException {
  private final List<String> clauses;
  private final List<String> rules;

  public PolicyDeniedException(String detail, List<String> clauses, List<String> rules) {
    super(403, "/problems/policy-denied", detail, null);
    this.clauses = List.copyOf(clauses);
    this.rules = List.copyOf(rules);
  }

  public List<String> clauses() {
    return clauses;
  }

  public List<String> rules() {
    return rules;
  }
}
