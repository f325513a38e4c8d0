package com.plenary.privacy.decision;

import java.util.List;

/**
 * Why a decision came out as it did: the rule (or built-in check) that decided, the clauses it
 * enforces, and a sentence that names no personal value.
 */
public record Reason(String rule, List<String> clauses, String detail) {
  public Reason {
    clauses = List.copyOf(clauses);
  }
}
