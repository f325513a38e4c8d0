package com.plenary.privacy.domain;

import com.plenary.privacy.policy.Action;
import java.util.List;
import java.util.Objects;

/**
 * One use of personal data that the enforcer decides: the action the engine judges, its purpose, the
 * person (null when no person is identified), the recipient of a disclosure, the categories touched,
 * and the name the audit trail gives the operation ({@code read}, {@code export}, {@code erase}, …).
 */
public record Use(Action action, String purpose, String subject, String recipient, List<String> categories, String operation) {
  public Use {
    Objects.requireNonNull(action, "action == null");
    Objects.requireNonNull(purpose, "purpose == null");
    Objects.requireNonNull(operation, "operation == null");
    categories = List.copyOf(categories);
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("categories is empty");
    }
  }

  /** A use of a person's data for a purpose, audited under {@code operation}. */
  public static Use of(String operation, Action action, String purpose, String subject, List<String> categories) {
    return new Use(action, purpose, subject, null, categories, operation);
  }

  public Use withRecipient(String recipient) {
    return new Use(action, purpose, subject, recipient, categories, operation);
  }
}
