package com.plenary.privacy.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A C2SP signed-note verifier key ({@code <name>+<key id, 8 hex digits>+<base64(0x01 || Ed25519 public key)>})
 * and the check of a note against it. The guarantee: {@link #open} returns a note's text only when it
 * carries a valid Ed25519 signature by this key over exactly that text. Immutable, thread-safe.
 */
public final class NoteVerifier {
  static final byte ED25519 = 0x01;
  static final String DASH = "\u2014 ";

  private final String name;
  private final int keyId;
  private final byte[] publicKey;

  NoteVerifier(String name, byte[] publicKey) {
    checkName(name);
    this.name = name;
    this.publicKey = publicKey.clone();
    this.keyId = keyId(name, publicKey);
  }

  /** Reads a verifier key; a wrong name, id, type or length is a {@link NoteException} saying which. */
  public static NoteVerifier of(String verifierKey) {
    String[] parts = verifierKey.strip().split("\\+", 3);
    if (parts.length != 3) {
      throw new NoteException("a verifier key reads <name>+<key id>+<key>");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new NoteException("the key of the verifier key is not base64");
    }
    if (raw.length != 33 || raw[0] != ED25519) {
      throw new NoteException("the verifier key is not an Ed25519 key (type 0x01 and 32 bytes)");
    }
    NoteVerifier v = new NoteVerifier(parts[0], Arrays.copyOfRange(raw, 1, 33));
    if (!parts[1].matches("[0-9a-f]{8}") || Integer.parseUnsignedInt(parts[1], 16) != v.keyId) {
      throw new NoteException("the key id of the verifier key does not match its name and key");
    }
    return v;
  }

  public String name() {
    return name;
  }

  /** The key id: the first four bytes of SHA-256(name || 0x0A || 0x01 || public key). */
  public int keyId() {
    return keyId;
  }

  /** The key as C2SP writes it. */
  public String verifierKey() {
    byte[] raw = new byte[33];
    raw[0] = ED25519;
    System.arraycopy(publicKey, 0, raw, 1, 32);
    return name + "+" + HexFormat.of().toHexDigits(keyId) + "+" + Base64.getEncoder().encodeToString(raw);
  }

  /**
   * The text of {@code note} when one of its signature lines is a valid signature by this key;
   * otherwise a {@link NoteException} saying what is wrong. Signatures by other keys are ignored.
   */
  public String open(String note) {
    int split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) {
      throw new NoteException("not a signed note: no blank line between the text and the signatures");
    }
    String text = note.substring(0, split + 1);
    String[] lines = note.substring(split + 2, note.length() - 1).split("\n", -1);
    boolean seen = false;
    for (String line : lines) {
      if (!line.startsWith(DASH)) {
        throw new NoteException("not a signed note: a signature line does not start with an em dash");
      }
      String[] f = line.substring(DASH.length()).split(" ", -1);
      if (f.length != 2) {
        throw new NoteException("not a signed note: a signature line reads \u2014 <name> <signature>");
      }
      if (!f[0].equals(name)) {
        continue;
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(f[1]);
      } catch (IllegalArgumentException e) {
        throw new NoteException("the signature of " + name + " is not base64");
      }
      if (blob.length != 68 || ByteBuffer.wrap(blob, 0, 4).getInt() != keyId) {
        continue;
      }
      seen = true;
      if (Ed25519.verify(publicKey, text.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(blob, 4, 68))) {
        return text;
      }
    }
    throw new NoteException(seen ? "the signature of " + name + " does not verify: the note was altered or signed by another key"
        : "the note carries no signature by " + name + "+" + HexFormat.of().toHexDigits(keyId));
  }

  static int keyId(String name, byte[] publicKey) {
    var d = MerkleTree.sha256();
    d.update(name.getBytes(StandardCharsets.UTF_8));
    d.update((byte) 0x0A);
    d.update(ED25519);
    d.update(publicKey);
    return ByteBuffer.wrap(d.digest(), 0, 4).getInt();
  }

  static void checkName(String name) {
    if (name.isEmpty() || name.contains("+") || name.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new NoteException("a key name is not empty and has no '+', space or control character");
    }
  }
}
