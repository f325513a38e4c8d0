package com.plenary.privacy.store.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyTemplates;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;

/**
 * The master key of the embedded default: a Tink AES-256-GCM keyset in a file readable by its owner
 * only. {@link #rotate} adds a new primary key and keeps the old ones for unwrapping. Other
 * processes (a server, while the CLI rotates) see the new keyset when the file changes.
 *
 * <p>Guarantee: wrapped keys are authenticated (AES-GCM) and bound to their associated data. The
 * keyset file itself is in clear: protect the data directory, or implement {@link MasterKey} with a KMS.
 */
public final class LocalMasterKey implements MasterKey {
  private final Path file;
  private volatile KeysetHandle keyset;
  private volatile Aead aead;
  private volatile FileTime loaded;

  private LocalMasterKey(Path file) {
    this.file = file;
    reload();
  }

  /** Opens the keyset at {@code file}, making a new one the first time. */
  public static LocalMasterKey open(Path file) {
    Keys.registerTink();
    if (!Files.isRegularFile(file)) {
      try {
        write(file, KeysetHandle.generateNew(KeyTemplates.get("AES256_GCM")));
      } catch (GeneralSecurityException e) {
        throw new CryptoException("cannot make a master key: " + e.getMessage(), e);
      }
    }
    return new LocalMasterKey(file);
  }

  @Override
  public byte[] wrap(byte[] dataKey, byte[] associatedData) {
    refreshIfChanged();
    try {
      return aead.encrypt(dataKey, associatedData);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot wrap a data key", e);
    }
  }

  @Override
  public byte[] unwrap(byte[] wrapped, byte[] associatedData) {
    try {
      return aead.decrypt(wrapped, associatedData);
    } catch (GeneralSecurityException first) {
      if (refreshIfChanged()) {
        try {
          return aead.decrypt(wrapped, associatedData);
        } catch (GeneralSecurityException e) {
          throw new CryptoException("a data key failed authentication: it was altered, moved or wrapped by an unknown key", e);
        }
      }
      throw new CryptoException("a data key failed authentication: it was altered, moved or wrapped by an unknown key", first);
    }
  }

  @Override
  public int currentVersion() {
    refreshIfChanged();
    return keyset.getPrimary().getId();
  }

  /** Adds a new primary key; earlier keys stay for unwrapping until every data key is re-wrapped. */
  public synchronized int rotate() {
    try {
      KeysetHandle rotated = KeysetHandle.newBuilder(keyset)
          .addEntry(KeysetHandle.generateEntryFromParametersName("AES256_GCM").withRandomId().makePrimary()).build();
      write(file, rotated);
      reload();
      return keyset.getPrimary().getId();
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot rotate the master key: " + e.getMessage(), e);
    }
  }

  private boolean refreshIfChanged() {
    try {
      FileTime now = Files.getLastModifiedTime(file);
      if (!now.equals(loaded)) {
        reload();
        return true;
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private synchronized void reload() {
    try {
      FileTime time = Files.getLastModifiedTime(file);
      KeysetHandle handle = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file, StandardCharsets.UTF_8), InsecureSecretKeyAccess.get());
      this.aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
      this.keyset = handle;
      this.loaded = time;
    } catch (IOException | GeneralSecurityException e) {
      throw new CryptoException("cannot read the master key at " + file + ": " + e.getMessage(), e);
    }
  }

  static void write(Path file, KeysetHandle handle) throws GeneralSecurityException {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get()), StandardCharsets.UTF_8);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new CryptoException("cannot write the key file " + file + ": " + e.getMessage(), e);
    }
  }
}
