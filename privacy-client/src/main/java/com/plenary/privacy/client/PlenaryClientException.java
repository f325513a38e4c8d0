package com.plenary.privacy.client;

/**
 * A call to the platform failed. Carries the problem the platform answered with (RFC 9457), or
 * status 0 when no answer came (unreachable, timed out).
 */
public class PlenaryClientException extends RuntimeException {
  private final int status;
  private final String type;

  public PlenaryClientException(int status, String type, String detail, Throwable cause) {
    super(detail, cause);
    this.status = status;
    this.type = type;
  }

  /** The HTTP status, or 0 when the platform gave no answer. */
  public int status() {
    return status;
  }

  /** The problem type, such as {@code /problems/invalid-input}. */
  public String type() {
    return type;
  }
}
