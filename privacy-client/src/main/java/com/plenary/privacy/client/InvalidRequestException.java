package com.plenary.privacy.client;

/** The platform refused the input; {@link #field} names the field at fault. */
public final class InvalidRequestException extends PlenaryClientException {
  private final String field;

  public InvalidRequestException(String detail, String field) {
    super(400, "/problems/invalid-input", detail, null);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
