package com.plenary.privacy.audit;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * Ed25519 (RFC 8032) over raw 32-byte keys, with the JDK's provider. The signed-note format carries
 * raw keys and raw 64-byte signatures, which the JDK takes and gives as they are; Tink's signature
 * primitives wrap keys in keysets and prefix signatures by default, and the core stays free of
 * dependencies so that the verifier an auditor runs is the same code as the server's.
 */
final class Ed25519 {
  /** The DER prefix of an X.509 SubjectPublicKeyInfo for an Ed25519 key; the raw key follows. */
  private static final byte[] X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

  private Ed25519() {}

  /** A fresh key pair: {@code [seed, public key]}, 32 bytes each. */
  static byte[][] generate() {
    try {
      KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] seed = ((EdECPrivateKey) kp.getPrivate()).getBytes().orElseThrow();
      byte[] spki = kp.getPublic().getEncoded();
      return new byte[][] {seed, Arrays.copyOfRange(spki, spki.length - 32, spki.length)};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is missing from the JDK", e);
    }
  }

  static byte[] sign(byte[] seed, byte[] message) {
    try {
      PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
    }
  }

  static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != 32 || signature.length != 64) {
      return false;
    }
    try {
      byte[] spki = Arrays.copyOf(X509_PREFIX, X509_PREFIX.length + 32);
      System.arraycopy(publicKey, 0, spki, X509_PREFIX.length, 32);
      PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // a key that is not a point on the curve verifies nothing
    }
  }
}
