package com.plenary.privacy;

/**
 * Input that cannot be accepted, naming the field at fault and what is allowed. Servers answer it
 * with a 400 problem; the message never repeats the rejected value.
 */
public class InvalidInputException extends PlenaryException {
  private final String field;

  public InvalidInputException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The offending field, as a JSON-pointer-like path such as {@code facts.consents[0].purpose}. */
  public String field() {
    return field;
  }
}
