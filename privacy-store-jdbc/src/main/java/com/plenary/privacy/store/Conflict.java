package com.plenary.privacy.store;

/** The change would clash with what is stored, such as a second active credential with the same name. */
public final class Conflict extends StoreException {
  public Conflict(String message) {
    super(message);
  }
}
