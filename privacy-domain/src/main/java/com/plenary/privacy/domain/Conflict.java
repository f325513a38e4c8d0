package com.plenary.privacy.domain;

import com.plenary.privacy.PlenaryException;

/** The change would contradict what is stored (an email address already registered, a record linked already). */
public final class Conflict extends PlenaryException {
  public Conflict(String message) {
    super(message);
  }
}
