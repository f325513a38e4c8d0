package com.plenary.privacy.policy;

import java.util.List;

/**
 * A product or service bound to the policy (C1): its declared purposes, the fields it requires and
 * those it may ask for (C18, C22), the categories it handles, and what its terms of service add
 * (C28).
 */
public record Service(
    String id,
    String text,
    List<String> purposes,
    List<String> required,
    List<String> optional,
    List<String> categories,
    Terms terms,
    List<String> clauses) {
  public Service {
    purposes = List.copyOf(purposes);
    required = List.copyOf(required);
    optional = List.copyOf(optional);
    categories = List.copyOf(categories);
    clauses = List.copyOf(clauses);
  }

  /** The terms of service document and the purposes and recipients it adds. */
  public record Terms(String document, List<String> purposes, List<String> sharing) {
    public static final Terms NONE = new Terms("", List.of(), List.of());

    public Terms {
      purposes = List.copyOf(purposes);
      sharing = List.copyOf(sharing);
    }
  }
}
