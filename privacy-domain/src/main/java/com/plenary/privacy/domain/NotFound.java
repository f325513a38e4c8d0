package com.plenary.privacy.domain;

import com.plenary.privacy.PlenaryException;

/** Nothing is stored under the id given, or nothing the caller may see: the same answer either way. */
public final class NotFound extends PlenaryException {
  public NotFound(String message) {
    super(message);
  }
}
