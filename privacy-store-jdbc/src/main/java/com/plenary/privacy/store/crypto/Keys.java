package com.plenary.privacy.store.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyTemplates;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Field encryption for the vault (C29). Each person has a data key (a Tink AES-256-GCM keyset),
 * stored only wrapped by the {@link MasterKey}. Each field is sealed with associated data that names
 * the person and the field, so a ciphertext moved to another row or field fails to open. Look-ups
 * (sign-in by email) use a blind index: a keyed PRF (HMAC-SHA256) under its own key, never the
 * encryption key. Thread-safe.
 */
public final class Keys {
  private static volatile boolean registered;

  private final MasterKey master;
  private final PrfSet blindIndex;

  public Keys(MasterKey master, PrfSet blindIndex) {
    this.master = master;
    this.blindIndex = blindIndex;
  }

  /** The embedded default: master and blind-index keysets under {@code keyDir}, made on first use. */
  public static Keys local(Path keyDir) {
    registerTink();
    LocalMasterKey master = LocalMasterKey.open(keyDir.resolve("master.json"));
    Path indexFile = keyDir.resolve("blind-index.json");
    try {
      if (!Files.isRegularFile(indexFile)) {
        LocalMasterKey.write(indexFile, KeysetHandle.generateNew(KeyTemplates.get("HMAC_SHA256_PRF")));
      }
      KeysetHandle index = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(indexFile, StandardCharsets.UTF_8), InsecureSecretKeyAccess.get());
      return new Keys(master, index.getPrimitive(RegistryConfiguration.get(), PrfSet.class));
    } catch (IOException | GeneralSecurityException e) {
      throw new CryptoException("cannot read or make the blind-index key at " + indexFile + ": " + e.getMessage(), e);
    }
  }

  static void registerTink() {
    if (!registered) {
      try {
        AeadConfig.register();
        PrfConfig.register();
        DeterministicAeadConfig.register();
        registered = true;
      } catch (GeneralSecurityException e) {
        throw new CryptoException("cannot register Tink's primitives: " + e.getMessage(), e);
      }
    }
  }

  public MasterKey master() {
    return master;
  }

  /** A new data key for {@code subjectId}: its wrapped form to store and the key to use now. */
  public DataKey newDataKey(String subjectId) {
    try {
      KeysetHandle handle = KeysetHandle.generateNew(KeyTemplates.get("AES256_GCM"));
      byte[] wrapped = master.wrap(TinkProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get()), ad(subjectId));
      return new DataKey(subjectId, wrapped, master.currentVersion(), handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot make a data key", e);
    }
  }

  /** Unwraps the stored data key of {@code subjectId}. */
  public DataKey open(String subjectId, byte[] wrapped, int version) {
    try {
      byte[] keyset = master.unwrap(wrapped, ad(subjectId));
      KeysetHandle handle = TinkProtoKeysetFormat.parseKeyset(keyset, InsecureSecretKeyAccess.get());
      return new DataKey(subjectId, wrapped, version, handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot open the data key of a person", e);
    }
  }

  /**
   * A new dimension key for aggregate statistics (AES-256-SIV, a deterministic AEAD), wrapped by the
   * master key under {@code id}, the name it is kept by in the key store.
   */
  public DimensionKey newDimensionKey(String id) {
    registerTink();
    try {
      KeysetHandle handle = KeysetHandle.generateNew(KeyTemplates.get("AES256_SIV"));
      byte[] wrapped = master.wrap(TinkProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get()), ad(id));
      return new DimensionKey(wrapped, master.currentVersion(), handle.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot make the dimension key", e);
    }
  }

  /** Unwraps the stored dimension key kept under {@code id}. */
  public DimensionKey openDimensionKey(String id, byte[] wrapped, int version) {
    registerTink();
    try {
      KeysetHandle handle = TinkProtoKeysetFormat.parseKeyset(master.unwrap(wrapped, ad(id)), InsecureSecretKeyAccess.get());
      return new DimensionKey(wrapped, version, handle.getPrimitive(RegistryConfiguration.get(), DeterministicAead.class));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot open the dimension key", e);
    }
  }

  /** Re-wraps a stored data key under the master key's current version. */
  public byte[] rewrap(String subjectId, byte[] wrapped) {
    return master.wrap(master.unwrap(wrapped, ad(subjectId)), ad(subjectId));
  }

  /** The blind index of an email address: case-folded and trimmed, then a keyed PRF, in hex. */
  public String emailIndex(String email) {
    try {
      byte[] out = blindIndex.computePrimary(("email:" + email.trim().toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8), 32);
      return HexFormat.of().formatHex(out);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot compute a blind index", e);
    }
  }

  /** The blind index of a browser-id cookie value (exact, no case folding). */
  public String browserIndex(String cookie) {
    try {
      return HexFormat.of().formatHex(blindIndex.computePrimary(("browser:" + cookie).getBytes(StandardCharsets.UTF_8), 32));
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot compute a blind index", e);
    }
  }

  /** A keyed hash of a partner's identifier for linking (C5), under the blind-index key. */
  public String linkIndex(String partner, String identifier) {
    try {
      byte[] out = blindIndex.computePrimary(("link:" + partner + ":" + identifier).getBytes(StandardCharsets.UTF_8), 32);
      return HexFormat.of().formatHex(out);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot compute a blind index", e);
    }
  }

  private static byte[] ad(String subjectId) {
    return ("plenary-subject-key:" + subjectId).getBytes(StandardCharsets.UTF_8);
  }

  /** A person's unwrapped data key. Never stored; lives for one request. */
  public static final class DataKey {
    private final String subjectId;
    private final byte[] wrapped;
    private final int version;
    private final Aead aead;

    DataKey(String subjectId, byte[] wrapped, int version, Aead aead) {
      this.subjectId = subjectId;
      this.wrapped = wrapped.clone();
      this.version = version;
      this.aead = aead;
    }

    public byte[] wrapped() {
      return wrapped.clone();
    }

    public int version() {
      return version;
    }

    /** Seals {@code value} as field {@code field} of this person. */
    public byte[] seal(String field, String value) {
      try {
        return aead.encrypt(value.getBytes(StandardCharsets.UTF_8), fieldAd(field));
      } catch (GeneralSecurityException e) {
        throw new CryptoException("cannot seal a field", e);
      }
    }

    /** Opens a sealed field; fails when the ciphertext was altered or belongs to another person or field. */
    public String open(String field, byte[] sealed) {
      try {
        return new String(aead.decrypt(sealed, fieldAd(field)), StandardCharsets.UTF_8);
      } catch (GeneralSecurityException e) {
        throw new CryptoException("a stored value failed authentication: it was altered or moved (field " + field + ")", e);
      }
    }

    private byte[] fieldAd(String field) {
      return ("plenary-field:" + subjectId + ":" + field).getBytes(StandardCharsets.UTF_8);
    }
  }

  /**
   * The platform's key for the dimension values of aggregate statistics (C27): a deterministic AEAD
   * (AES-256-SIV) with the dimension's name as associated data. Guarantee: a token reveals nothing of
   * its value but equality with other tokens of the same dimension (equal values give equal tokens, so
   * a database can group them); it cannot be forged or moved to another dimension without failing to
   * open. Not for values of few possibilities whose equality pattern alone says too much: only the
   * coarse values an aggregate groups by. Thread-safe; never stored unwrapped.
   */
  public static final class DimensionKey {
    private final byte[] wrapped;
    private final int version;
    private final DeterministicAead daead;

    DimensionKey(byte[] wrapped, int version, DeterministicAead daead) {
      this.wrapped = wrapped.clone();
      this.version = version;
      this.daead = daead;
    }

    public byte[] wrapped() {
      return wrapped.clone();
    }

    public int version() {
      return version;
    }

    /** The token of {@code value} as a value of {@code dimension}: the same for the same pair, always. */
    public byte[] token(String dimension, String value) {
      try {
        return daead.encryptDeterministically(value.getBytes(StandardCharsets.UTF_8), dimensionAd(dimension));
      } catch (GeneralSecurityException e) {
        throw new CryptoException("cannot make a dimension token", e);
      }
    }

    /** The value of a token of {@code dimension}; fails when it was altered or made for another dimension. */
    public String open(String dimension, byte[] token) {
      try {
        return new String(daead.decryptDeterministically(token, dimensionAd(dimension)), StandardCharsets.UTF_8);
      } catch (GeneralSecurityException e) {
        throw new CryptoException("a dimension token failed authentication: it was altered or moved (dimension " + dimension + ")", e);
      }
    }

    private static byte[] dimensionAd(String dimension) {
      return ("plenary-dimension:" + dimension).getBytes(StandardCharsets.UTF_8);
    }
  }
}
