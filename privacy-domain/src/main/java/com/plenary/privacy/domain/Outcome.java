package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Decision;

/** A use case's answer with the decision it was made on; {@code value} is null when the decision denied. */
public record Outcome<T>(Decision decision, T value) {
  public boolean permitted() {
    return value != null;
  }

  public static <T> Outcome<T> denied(Decision decision) {
    return new Outcome<>(decision, null);
  }
}
