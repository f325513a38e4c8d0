package com.plenary.privacy.audit;

/**
 * The right edge of a growing {@link MerkleTree}: the hashes of the complete subtrees the tree of
 * {@code size} entries is made of (one per set bit of {@code size}). Appending a leaf hashes at most
 * log₂ n times and reports every subtree it completes, so a store keeps each node once and never
 * re-hashes the log; {@link #root} folds the edge in O(log n). Not thread-safe: one writer at a time
 * (the sealer, under the chain's lock).
 */
public final class MerkleFrontier {
  /** Where the nodes an append completes go: the leaf itself first, then each parent it completes. */
  @FunctionalInterface
  public interface Completed {
    void node(int level, long index, byte[] hash);
  }

  private final byte[][] edge = new byte[64][];
  private long size;

  private MerkleFrontier() {}

  /** The edge of the empty tree. */
  public static MerkleFrontier empty() {
    return new MerkleFrontier();
  }

  /** The edge of the tree of {@code size} entries, read from its stored complete subtrees. */
  public static MerkleFrontier of(long size, MerkleTree.Nodes nodes) {
    if (size < 0) {
      throw new IllegalArgumentException("size < 0");
    }
    MerkleFrontier f = new MerkleFrontier();
    for (int level = 0; level < 63; level++) {
      if ((size & (1L << level)) != 0) {
        long index = (size >>> level) - 1;
        byte[] h = nodes.node(level, index);
        if (h == null || h.length != MerkleTree.HASH_BYTES) {
          throw new IllegalStateException("the tree of " + size + " entries has no node at level " + level + ", index " + index);
        }
        f.edge[level] = h;
      }
    }
    f.size = size;
    return f;
  }

  /** Appends one leaf hash; {@code completed} hears of the leaf node and every subtree it completes. */
  public void append(byte[] leafHash, Completed completed) {
    if (leafHash == null || leafHash.length != MerkleTree.HASH_BYTES) {
      throw new IllegalArgumentException("a leaf hash is 32 bytes");
    }
    byte[] h = leafHash;
    int level = 0;
    long index = size;
    completed.node(0, index, h);
    while ((size & (1L << level)) != 0) {
      h = MerkleTree.nodeHash(edge[level], h);
      edge[level] = null;
      level++;
      index >>>= 1;
      completed.node(level, index, h);
    }
    edge[level] = h;
    size++;
  }

  /** How many leaves the tree holds. */
  public long size() {
    return size;
  }

  /** The tree's root hash (the empty tree's for no leaves). */
  public byte[] root() {
    byte[] r = null;
    for (int level = 0; level < 64; level++) {
      if (edge[level] != null) {
        r = r == null ? edge[level] : MerkleTree.nodeHash(edge[level], r);
      }
    }
    return r == null ? MerkleTree.emptyRoot() : r;
  }
}
