package com.plenary.privacy.store;

import com.plenary.privacy.PlenaryException;

/** The store cannot do what was asked: unreachable database, failed migration, broken constraint. */
public class StoreException extends PlenaryException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
