package com.plenary.privacy.store.crypto;

import com.plenary.privacy.PlenaryException;

/** A key could not be made, read or used, or a ciphertext failed its authentication. */
public final class CryptoException extends PlenaryException {
  public CryptoException(String message, Throwable cause) {
    super(message, cause);
  }
}
