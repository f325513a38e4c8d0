package com.plenary.privacy;

/**
 * The root of the platform's one exception tree. Every failure the platform raises on purpose is a
 * subclass; a policy denial is never an exception but a {@link com.plenary.privacy.decision.Decision}.
 * Messages never carry a personal value.
 */
public class PlenaryException extends RuntimeException {
  public PlenaryException(String message) {
    super(message);
  }

  public PlenaryException(String message, Throwable cause) {
    super(message, cause);
  }
}
