package com.plenary.privacy.store;

/** Nothing is stored under the id given. */
public final class NotFound extends StoreException {
  public NotFound(String message) {
    super(message);
  }
}
