package com.plenary.privacy.audit;

import java.util.Arrays;
import java.util.Base64;

/**
 * The body of a C2SP {@code tlog-checkpoint}: the log's origin, its size and the base64 root hash of
 * the Merkle tree of that many entries, one per line. Signed with a {@link NoteSigner} it says: the
 * holder of that key saw this log at this size with this root.
 */
public record Checkpoint(String origin, long size, byte[] root) {
  public Checkpoint {
    if (origin == null || origin.isEmpty() || origin.contains("\n")) {
      throw new NoteException("a checkpoint's origin is one non-empty line");
    }
    if (size < 0) {
      throw new NoteException("a checkpoint's size is not negative");
    }
    if (root == null || root.length != MerkleTree.HASH_BYTES) {
      throw new NoteException("a checkpoint's root hash is 32 bytes");
    }
    root = root.clone();
  }

  @Override
  public byte[] root() {
    return root.clone();
  }

  /** The note text: {@code origin\nsize\nbase64(root)\n}. */
  public String body() {
    return origin + "\n" + size + "\n" + Base64.getEncoder().encodeToString(root) + "\n";
  }

  /** Reads a checkpoint's text (the part of the note before its signatures); extension lines are refused. */
  public static Checkpoint parse(String body) {
    String[] lines = body.split("\n", -1);
    if (lines.length != 4 || !lines[3].isEmpty()) {
      throw new NoteException("a checkpoint reads three lines: origin, tree size, root hash");
    }
    if (!lines[1].matches("0|[1-9][0-9]{0,18}")) {
      throw new NoteException("a checkpoint's tree size is a decimal number without leading zeros");
    }
    byte[] root;
    try {
      root = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new NoteException("a checkpoint's root hash is base64");
    }
    return new Checkpoint(lines[0], Long.parseLong(lines[1]), root);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Checkpoint c && c.origin.equals(origin) && c.size == size && Arrays.equals(c.root, root);
  }

  @Override
  public int hashCode() {
    return origin.hashCode() * 31 + Long.hashCode(size) * 17 + Arrays.hashCode(root);
  }

  @Override
  public String toString() {
    return "Checkpoint[" + origin + ", " + size + ", " + Base64.getEncoder().encodeToString(root) + "]";
  }
}
