package com.plenary.privacy.audit;

import com.plenary.privacy.PlenaryException;

/** A signed note, key or checkpoint that is malformed or does not verify; the message says which and why. */
public final class NoteException extends PlenaryException {
  public NoteException(String message) {
    super(message);
  }
}
