package com.plenary.privacy.audit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree of RFC 6962 / RFC 9162 §2.1 over a log of entries in sequence order: a leaf is
 * {@code SHA-256(0x00 || entry)}, an inner node {@code SHA-256(0x01 || left || right)}, and the tree
 * over {@code n} entries splits at the largest power of two below {@code n}.
 *
 * <p>The guarantee: a root hash commits to every entry and its position. An inclusion proof shows
 * one entry is in the tree of a given root; a consistency proof shows the tree of one size is a
 * prefix of the tree of a larger size, so a log that was rewritten, cut short or forked cannot
 * prove itself consistent with a root its verifier saw before.
 *
 * <p>Roots and proofs are computed from the hashes of complete subtrees ({@link Nodes}: the node at
 * {@code (level, index)} covers the entries {@code [index·2^level, (index+1)·2^level)}), so a
 * proof at any size reads O(log n) stored hashes and hashes O(log n) times. Pure functions, no
 * storage; thread-safe.
 */
public final class MerkleTree {
  /** SHA-256 output length. */
  public static final int HASH_BYTES = 32;

  private MerkleTree() {}

  /** The hashes of complete subtrees, as a store keeps them. */
  @FunctionalInterface
  public interface Nodes {
    /** The hash of the complete subtree at {@code level} (0 for leaves) and {@code index} within that level. */
    byte[] node(int level, long index);
  }

  /** {@code SHA-256(0x00 || entry)}. */
  public static byte[] leafHash(byte[] entry) {
    MessageDigest d = DIGEST.get();
    d.update((byte) 0x00);
    d.update(entry);
    return d.digest();
  }

  /** {@code SHA-256(0x01 || left || right)}. */
  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = DIGEST.get();
    d.update((byte) 0x01);
    d.update(left);
    d.update(right);
    return d.digest();
  }

  /** The root of the empty tree: {@code SHA-256()} of nothing. */
  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  /** The root of the tree over these leaf hashes, computed from the leaves up (for checks and tests). */
  public static byte[] root(List<byte[]> leafHashes) {
    MerkleFrontier f = MerkleFrontier.empty();
    for (byte[] leaf : leafHashes) {
      f.append(leaf, (level, index, hash) -> { });
    }
    return f.root();
  }

  /** The root of the tree of {@code size} entries, from stored complete subtrees. */
  public static byte[] root(Nodes nodes, long size) {
    if (size < 0) {
      throw new IllegalArgumentException("size < 0");
    }
    return size == 0 ? emptyRoot() : subtree(nodes, 0, size);
  }

  /**
   * The audit path of the entry at {@code index} (0-based) in the tree of {@code size} entries
   * (RFC 9162 §2.1.3.1), from the leaf up.
   */
  public static List<byte[]> inclusionProof(Nodes nodes, long index, long size) {
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("index " + index + " is not in a tree of " + size + " entries");
    }
    List<byte[]> out = new ArrayList<>();
    path(nodes, index, 0, size, out);
    return out;
  }

  private static void path(Nodes nodes, long m, long start, long n, List<byte[]> out) {
    if (n == 1) {
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m < k) {
      path(nodes, m, start, k, out);
      out.add(subtree(nodes, start + k, n - k));
    } else {
      path(nodes, m - k, start + k, n - k, out);
      out.add(subtree(nodes, start, k));
    }
  }

  /**
   * The proof that the tree of {@code from} entries is a prefix of the tree of {@code to} entries
   * (RFC 9162 §2.1.4.1); empty when {@code from} is 0 or equals {@code to}.
   */
  public static List<byte[]> consistencyProof(Nodes nodes, long from, long to) {
    if (from < 0 || from > to) {
      throw new IllegalArgumentException("no consistency proof from " + from + " to " + to + " entries");
    }
    List<byte[]> out = new ArrayList<>();
    if (from > 0 && from < to) {
      subproof(nodes, from, 0, to, true, out);
    }
    return out;
  }

  private static void subproof(Nodes nodes, long m, long start, long n, boolean whole, List<byte[]> out) {
    if (m == n) {
      if (!whole) {
        out.add(subtree(nodes, start, n));
      }
      return;
    }
    long k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      subproof(nodes, m, start, k, whole, out);
      out.add(subtree(nodes, start + k, n - k));
    } else {
      subproof(nodes, m - k, start + k, n - k, false, out);
      out.add(subtree(nodes, start, k));
    }
  }

  /**
   * The hash of the entries {@code [start, start + n)}, where {@code start} is a multiple of the
   * power of two the tree's recursion gives that range: complete subtrees are read, the ragged right
   * edge is hashed from the complete subtrees it is made of.
   */
  private static byte[] subtree(Nodes nodes, long start, long n) {
    if (Long.bitCount(n) == 1) {
      int level = Long.numberOfTrailingZeros(n);
      byte[] h = nodes.node(level, start >>> level);
      if (h == null || h.length != HASH_BYTES) {
        throw new IllegalStateException("the tree has no node at level " + level + ", index " + (start >>> level));
      }
      return h;
    }
    long k = largestPowerOfTwoBelow(n);
    return nodeHash(subtree(nodes, start, k), subtree(nodes, start + k, n - k));
  }

  /** The largest power of two strictly below {@code n} (n ≥ 2). */
  static long largestPowerOfTwoBelow(long n) {
    return Long.highestOneBit(n - 1);
  }

  /** Whether {@code proof} shows the leaf {@code leafHash} at {@code index} in the tree of {@code size} entries and root {@code root} (RFC 9162 §2.1.3.2). */
  public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
    if (index < 0 || index >= size || !isHash(leafHash) || !isHash(root)) {
      return false;
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0 || !isHash(p)) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(r, root);
  }

  /**
   * Whether {@code proof} shows the tree of {@code from} entries and root {@code fromRoot} to be a
   * prefix of the tree of {@code to} entries and root {@code toRoot} (RFC 9162 §2.1.4.2).
   */
  public static boolean verifyConsistency(long from, long to, List<byte[]> proof, byte[] fromRoot, byte[] toRoot) {
    if (from < 0 || from > to || !isHash(fromRoot) || !isHash(toRoot)) {
      return false;
    }
    if (from == to) {
      return proof.isEmpty() && MessageDigest.isEqual(fromRoot, toRoot);
    }
    if (from == 0) {
      return proof.isEmpty() && Arrays.equals(fromRoot, emptyRoot());
    }
    if (proof.isEmpty()) {
      return false;
    }
    List<byte[]> c = new ArrayList<>();
    if (Long.bitCount(from) == 1) {
      c.add(fromRoot);
    }
    c.addAll(proof);
    for (byte[] p : c) {
      if (!isHash(p)) {
        return false;
      }
    }
    long fn = from - 1;
    long sn = to - 1;
    while ((fn & 1) == 1) {
      fn >>>= 1;
      sn >>>= 1;
    }
    byte[] fr = c.get(0);
    byte[] sr = c.get(0);
    for (byte[] p : c.subList(1, c.size())) {
      if (sn == 0) {
        return false;
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(p, fr);
        sr = nodeHash(p, sr);
        while ((fn & 1) == 0 && fn != 0) {
          fn >>>= 1;
          sn >>>= 1;
        }
      } else {
        sr = nodeHash(sr, p);
      }
      fn >>>= 1;
      sn >>>= 1;
    }
    return sn == 0 && MessageDigest.isEqual(fr, fromRoot) && MessageDigest.isEqual(sr, toRoot);
  }

  private static boolean isHash(byte[] h) {
    return h != null && h.length == HASH_BYTES;
  }

  /** One digest a thread for the leaf and node hashes: looking one up costs more than hashing 65 bytes; {@code digest()} resets it. */
  private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(MerkleTree::sha256);

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
