package com.plenary.privacy.policy;

import java.util.List;

/**
 * A hard rule that overrides every permission and every consent (C16, C17). It applies when the
 * action, the purpose (or a purpose under one named) and a category (or one under one named) match,
 * and every fact in {@code when} holds. An empty list matches everything.
 */
public record Prohibition(
    String id,
    String text,
    List<String> actions,
    List<String> purposes,
    List<String> categories,
    List<String> when,
    List<String> clauses) {
  public Prohibition {
    actions = List.copyOf(actions);
    purposes = List.copyOf(purposes);
    categories = List.copyOf(categories);
    when = List.copyOf(when);
    clauses = List.copyOf(clauses);
  }
}
