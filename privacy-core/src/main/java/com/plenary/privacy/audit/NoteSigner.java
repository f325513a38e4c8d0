package com.plenary.privacy.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A C2SP signed-note signer: an Ed25519 key with a name. {@link #sign} turns a text into a signed
 * note: the text, a blank line, then {@code — <name> <base64(key id || signature)>}. The private key
 * never leaves this object except as {@link #signerKey} for its key file; {@code toString} does not
 * show it. Immutable, thread-safe.
 */
public final class NoteSigner {
  private final byte[] seed;
  private final NoteVerifier verifier;

  private NoteSigner(byte[] seed, NoteVerifier verifier) {
    this.seed = seed.clone();
    this.verifier = verifier;
  }

  /** A new key named {@code name}. */
  public static NoteSigner generate(String name) {
    byte[][] pair = Ed25519.generate();
    return new NoteSigner(pair[0], new NoteVerifier(name, pair[1]));
  }

  /**
   * The signer of a key file's two lines: the signer key ({@code PRIVATE+KEY+<name>+<id>+<base64(0x01 || seed)>})
   * and its verifier key. They must belong together: a signature by the one must verify under the other.
   */
  public static NoteSigner of(String signerKey, String verifierKey) {
    String[] parts = signerKey.strip().split("\\+", 5);
    if (parts.length != 5 || !parts[0].equals("PRIVATE") || !parts[1].equals("KEY")) {
      throw new NoteException("a signer key reads PRIVATE+KEY+<name>+<key id>+<key>");
    }
    NoteVerifier v = NoteVerifier.of(verifierKey);
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(parts[4]);
    } catch (IllegalArgumentException e) {
      throw new NoteException("the key of the signer key is not base64");
    }
    if (raw.length != 33 || raw[0] != NoteVerifier.ED25519) {
      throw new NoteException("the signer key is not an Ed25519 key (type 0x01 and 32 bytes)");
    }
    if (!parts[2].equals(v.name()) || !parts[3].equals(HexFormat.of().toHexDigits(v.keyId()))) {
      throw new NoteException("the signer key and the verifier key name different keys");
    }
    NoteSigner s = new NoteSigner(Arrays.copyOfRange(raw, 1, 33), v);
    v.open(s.sign("key check\n")); // a signer whose public half is another key's would sign notes nobody can verify
    return s;
  }

  public String name() {
    return verifier.name();
  }

  public NoteVerifier verifier() {
    return verifier;
  }

  /** The private key as C2SP writes it, for the key file only. */
  public String signerKey() {
    byte[] raw = new byte[33];
    raw[0] = NoteVerifier.ED25519;
    System.arraycopy(seed, 0, raw, 1, 32);
    return "PRIVATE+KEY+" + name() + "+" + HexFormat.of().toHexDigits(verifier.keyId()) + "+" + Base64.getEncoder().encodeToString(raw);
  }

  /** {@code text} (non-empty, ending in a newline, no blank line) signed: the signed note. */
  public String sign(String text) {
    if (text.isEmpty() || !text.endsWith("\n") || text.contains("\n\n")) {
      throw new NoteException("a note's text is not empty, ends with a newline and has no blank line");
    }
    byte[] sig = Ed25519.sign(seed, text.getBytes(StandardCharsets.UTF_8));
    byte[] blob = ByteBuffer.allocate(68).putInt(verifier.keyId()).put(sig).array();
    return text + "\n" + NoteVerifier.DASH + name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
  }

  @Override
  public String toString() {
    return "NoteSigner[" + verifier.verifierKey() + "]";
  }
}
