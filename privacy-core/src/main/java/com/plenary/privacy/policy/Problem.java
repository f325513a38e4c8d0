package com.plenary.privacy.policy;

import java.util.Objects;

/** One mistake in a policy file, at the place where it was found, with what to fix. */
public record Problem(String source, int line, int column, String message) {
  public Problem {
    Objects.requireNonNull(source, "source == null");
    Objects.requireNonNull(message, "message == null");
  }

  /** {@code file:line:column: message}, the form editors and compilers use. */
  @Override
  public String toString() {
    return source + ":" + line + ":" + column + ": " + message;
  }
}
