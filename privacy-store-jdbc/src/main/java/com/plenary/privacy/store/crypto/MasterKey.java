package com.plenary.privacy.store.crypto;

/**
 * Wraps and unwraps people's data keys. The embedded default keeps a Tink keyset in the data
 * directory ({@link LocalMasterKey}); a cloud KMS implements the same two calls. Implementations
 * bind each wrapped key to its associated data (the person's id), so a wrapped key moved to another
 * person's row does not unwrap.
 */
public interface MasterKey {
  /** Encrypts {@code dataKey}, bound to {@code associatedData}. */
  byte[] wrap(byte[] dataKey, byte[] associatedData);

  /** Decrypts what {@link #wrap} made with the same associated data; fails if anything was altered. */
  byte[] unwrap(byte[] wrapped, byte[] associatedData);

  /** The id of the key that {@link #wrap} uses now; stored with each wrapped key to find those to re-wrap. */
  int currentVersion();
}
