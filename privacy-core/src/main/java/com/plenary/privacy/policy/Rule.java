package com.plenary.privacy.policy;

import java.util.List;

/**
 * A permission. It permits a category when the actor kind and action match, the purpose lies under
 * one named, the category under one named, and every requirement holds. {@code $declared} in
 * purposes or categories stands for the acting service's own declarations.
 */
public record Rule(
    String id,
    String text,
    List<String> actors,
    List<String> actions,
    List<String> purposes,
    List<String> categories,
    List<String> requires,
    List<String> obligations,
    List<String> clauses) {
  public static final String DECLARED = "$declared";

  public Rule {
    actors = List.copyOf(actors);
    actions = List.copyOf(actions);
    purposes = List.copyOf(purposes);
    categories = List.copyOf(categories);
    requires = List.copyOf(requires);
    obligations = List.copyOf(obligations);
    clauses = List.copyOf(clauses);
  }
}
