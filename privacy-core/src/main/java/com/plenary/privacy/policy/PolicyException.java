package com.plenary.privacy.policy;

import com.plenary.privacy.PlenaryException;
import java.util.List;
import java.util.stream.Collectors;

/** A policy file that cannot be used: it holds every problem found, not only the first. */
public final class PolicyException extends PlenaryException {
  private final List<Problem> problems;

  public PolicyException(List<Problem> problems) {
    super(summary(problems));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  private static String summary(List<Problem> problems) {
    if (problems.isEmpty()) {
      return "the policy is invalid";
    }
    String shown = problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
    return problems.size() == 1 ? shown : problems.size() + " problems in the policy:\n" + shown;
  }
}
