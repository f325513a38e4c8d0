package com.plenary.privacy.decision;

import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import java.util.List;
import java.util.Objects;

/**
 * A question to the engine: may this actor take this action on these categories of this person's
 * data, for this purpose (and, for a disclosure, to this recipient), given these facts?
 */
public record DecisionRequest(
    ActorKind actorKind,
    String actorId,
    Action action,
    String purpose,
    String subject,
    String recipient,
    List<String> categories,
    Facts facts) {
  public DecisionRequest {
    Objects.requireNonNull(actorKind, "actorKind == null");
    Objects.requireNonNull(action, "action == null");
    Objects.requireNonNull(purpose, "purpose == null");
    Objects.requireNonNull(facts, "facts == null");
    categories = List.copyOf(categories);
    if (categories.isEmpty()) {
      throw new IllegalArgumentException("categories is empty");
    }
    if (categories.size() > 64) {
      throw new IllegalArgumentException("categories has more than 64 entries");
    }
  }
}
