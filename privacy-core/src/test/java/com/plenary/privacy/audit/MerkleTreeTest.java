package com.plenary.privacy.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tree against the published transparency-dev vectors, and against the RFC's own recursive definitions for every small size. */
class MerkleTreeTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final List<byte[]> LEAVES = new ArrayList<>();
  private static final Map<Long, byte[]> ROOTS = new HashMap<>();
  private static final Map<String, byte[]> NODES = new HashMap<>();
  private static final List<long[]> PROOF_SIZES = new ArrayList<>();
  private static final List<List<byte[]>> PROOFS = new ArrayList<>();
  private static final List<Boolean> IS_INCLUSION = new ArrayList<>();

  @BeforeAll
  static void readVectors() throws IOException {
    try (InputStream in = MerkleTreeTest.class.getResourceAsStream("/merkle/transparency-dev-vectors.txt")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(" ");
        switch (f[0]) {
          case "leaf" -> LEAVES.add(f[1].equals("-") ? new byte[0] : HEX.parseHex(f[1]));
          case "root" -> ROOTS.put(Long.parseLong(f[1]), HEX.parseHex(f[2]));
          case "node" -> NODES.put(f[1] + "/" + f[2], HEX.parseHex(f[3]));
          case "inclusion", "consistency" -> {
            PROOF_SIZES.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            List<byte[]> proof = new ArrayList<>();
            for (int i = 3; i < f.length; i++) {
              proof.add(HEX.parseHex(f[i]));
            }
            PROOFS.add(proof);
            IS_INCLUSION.add(f[0].equals("inclusion"));
          }
          default -> throw new IllegalStateException("unknown vector line: " + line);
        }
      }
    }
    assertThat(LEAVES).hasSize(8);
    assertThat(ROOTS).hasSize(9);
    assertThat(NODES).hasSize(15);
  }

  private static List<byte[]> leafHashes(int n) {
    return LEAVES.subList(0, n).stream().map(MerkleTree::leafHash).toList();
  }

  /** The published node hashes as a store would hold them. */
  private static MerkleTree.Nodes published() {
    return (level, index) -> NODES.get(level + "/" + index);
  }

  @Test
  void rootsOfEverySizeAreThePublishedOnes() {
    for (int n = 0; n <= 8; n++) {
      assertThat(HEX.formatHex(MerkleTree.root(leafHashes(n)))).as("root of %d", n).isEqualTo(HEX.formatHex(ROOTS.get((long) n)));
      assertThat(HEX.formatHex(MerkleTree.root(published(), n))).as("root of %d from stored nodes", n).isEqualTo(HEX.formatHex(ROOTS.get((long) n)));
    }
  }

  @Test
  void appendingCompletesExactlyThePublishedNodes() {
    Map<String, byte[]> completed = new HashMap<>();
    MerkleFrontier f = MerkleFrontier.empty();
    for (int i = 0; i < 8; i++) {
      f.append(MerkleTree.leafHash(LEAVES.get(i)), (level, index, hash) -> assertThat(completed.put(level + "/" + index, hash)).isNull());
      assertThat(f.root()).isEqualTo(ROOTS.get((long) i + 1));
      assertThat(MerkleFrontier.of(i + 1, published()).root()).isEqualTo(ROOTS.get((long) i + 1));
    }
    assertThat(completed.keySet()).isEqualTo(NODES.keySet());
    completed.forEach((k, v) -> assertThat(v).as(k).isEqualTo(NODES.get(k)));
  }

  @Test
  void proofsAreThePublishedOnesAndVerify() {
    for (int i = 0; i < PROOFS.size(); i++) {
      long a = PROOF_SIZES.get(i)[0];
      long b = PROOF_SIZES.get(i)[1];
      List<byte[]> want = PROOFS.get(i);
      if (IS_INCLUSION.get(i)) {
        assertThat(hex(MerkleTree.inclusionProof(published(), a, b))).as("inclusion %d in %d", a, b).isEqualTo(hex(want));
        byte[] leaf = MerkleTree.leafHash(LEAVES.get((int) a));
        assertThat(MerkleTree.verifyInclusion(a, b, leaf, want, ROOTS.get(b))).isTrue();
        for (List<byte[]> bad : corrupted(want)) {
          assertThat(MerkleTree.verifyInclusion(a, b, leaf, bad, ROOTS.get(b))).as("a corrupted proof of %d in %d", a, b).isFalse();
        }
        if (b > 1) {
          assertThat(MerkleTree.verifyInclusion(a ^ 1, b, leaf, want, ROOTS.get(b))).as("the proof for another index").isFalse();
        }
        assertThat(MerkleTree.verifyInclusion(a, b * 2, leaf, want, ROOTS.get(b))).isFalse();
        assertThat(MerkleTree.verifyInclusion(a, b, MerkleTree.leafHash("wrong".getBytes(StandardCharsets.UTF_8)), want, ROOTS.get(b))).isFalse();
      } else {
        assertThat(hex(MerkleTree.consistencyProof(published(), a, b))).as("consistency %d to %d", a, b).isEqualTo(hex(want));
        assertThat(MerkleTree.verifyConsistency(a, b, want, ROOTS.get(a), ROOTS.get(b))).isTrue();
        if (a != b) {
          for (List<byte[]> bad : corrupted(want)) {
            assertThat(MerkleTree.verifyConsistency(a, b, bad, ROOTS.get(a), ROOTS.get(b))).as("a corrupted proof of %d to %d", a, b).isFalse();
          }
          assertThat(MerkleTree.verifyConsistency(a, b, want, ROOTS.get(b), ROOTS.get(a))).as("swapped roots").isFalse();
          assertThat(MerkleTree.verifyConsistency(a, b, List.of(), ROOTS.get(a), ROOTS.get(b))).as("an empty proof").isFalse();
          assertThat(MerkleTree.verifyConsistency(a - 1, b, want, ROOTS.get(a), ROOTS.get(b))).isFalse();
          assertThat(MerkleTree.verifyConsistency(a + 1, b, want, ROOTS.get(a), ROOTS.get(b))).isFalse();
        }
      }
    }
  }

  /** Every single-bit flip, a removed and an added hash, garbage before and after. */
  private static List<List<byte[]>> corrupted(List<byte[]> proof) {
    List<List<byte[]>> out = new ArrayList<>();
    for (int i = 0; i < proof.size(); i++) {
      List<byte[]> p = new ArrayList<>(proof);
      byte[] flipped = proof.get(i).clone();
      flipped[0] ^= 8;
      p.set(i, flipped);
      out.add(p);
    }
    if (!proof.isEmpty()) {
      out.add(proof.subList(0, proof.size() - 1));
    }
    List<byte[]> longer = new ArrayList<>(proof);
    longer.add(new byte[32]);
    out.add(longer);
    List<byte[]> preceded = new ArrayList<>();
    preceded.add(new byte[32]);
    preceded.addAll(proof);
    out.add(preceded);
    return out;
  }

  // ---- against the RFC's definitions, for every small size ----

  /** MTH(D[n]) as RFC 9162 §2.1.1 defines it. */
  private static byte[] mth(List<byte[]> d) {
    if (d.isEmpty()) {
      return MerkleTree.emptyRoot();
    }
    if (d.size() == 1) {
      return MerkleTree.leafHash(d.get(0));
    }
    int k = Integer.highestOneBit(d.size() - 1);
    return MerkleTree.nodeHash(mth(d.subList(0, k)), mth(d.subList(k, d.size())));
  }

  /** PATH(m, D[n]), §2.1.3.1. */
  private static List<byte[]> pathOf(int m, List<byte[]> d) {
    List<byte[]> out = new ArrayList<>();
    if (d.size() <= 1) {
      return out;
    }
    int k = Integer.highestOneBit(d.size() - 1);
    if (m < k) {
      out.addAll(pathOf(m, d.subList(0, k)));
      out.add(mth(d.subList(k, d.size())));
    } else {
      out.addAll(pathOf(m - k, d.subList(k, d.size())));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  /** SUBPROOF(m, D[n], b), §2.1.4.1. */
  private static List<byte[]> subproofOf(int m, List<byte[]> d, boolean b) {
    List<byte[]> out = new ArrayList<>();
    if (m == d.size()) {
      if (!b) {
        out.add(mth(d));
      }
      return out;
    }
    int k = Integer.highestOneBit(d.size() - 1);
    if (m <= k) {
      out.addAll(subproofOf(m, d.subList(0, k), b));
      out.add(mth(d.subList(k, d.size())));
    } else {
      out.addAll(subproofOf(m - k, d.subList(k, d.size()), false));
      out.add(mth(d.subList(0, k)));
    }
    return out;
  }

  @Test
  void everyProofUpToSeventyEntriesIsTheRfcsAndVerifies() {
    List<byte[]> entries = new ArrayList<>();
    Map<String, byte[]> stored = new HashMap<>();
    MerkleFrontier f = MerkleFrontier.empty();
    MerkleTree.Nodes nodes = (level, index) -> stored.get(level + "/" + index);
    for (int n = 1; n <= 70; n++) {
      byte[] e = ("entry " + n).getBytes(StandardCharsets.UTF_8);
      entries.add(e);
      f.append(MerkleTree.leafHash(e), (level, index, hash) -> stored.put(level + "/" + index, hash));
      byte[] root = mth(entries);
      assertThat(f.root()).isEqualTo(root);
      assertThat(MerkleTree.root(nodes, n)).isEqualTo(root);
      for (int m = 0; m < n; m++) {
        List<byte[]> proof = MerkleTree.inclusionProof(nodes, m, n);
        assertThat(hex(proof)).isEqualTo(hex(pathOf(m, entries)));
        assertThat(MerkleTree.verifyInclusion(m, n, MerkleTree.leafHash(entries.get(m)), proof, root)).isTrue();
        assertThat(MerkleTree.verifyInclusion(m, n, MerkleTree.leafHash(entries.get((m + 1) % n)), proof, root)).isEqualTo(n == 1);
      }
      for (int m = 1; m <= n; m++) {
        List<byte[]> proof = MerkleTree.consistencyProof(nodes, m, n);
        assertThat(hex(proof)).isEqualTo(hex(m == n ? List.of() : subproofOf(m, entries, true)));
        byte[] old = mth(entries.subList(0, m));
        assertThat(MerkleTree.verifyConsistency(m, n, proof, old, root)).as("%d to %d", m, n).isTrue();
        if (m < n) {
          byte[] forked = old.clone();
          forked[31] ^= 1;
          assertThat(MerkleTree.verifyConsistency(m, n, proof, forked, root)).as("a forked %d to %d", m, n).isFalse();
        }
      }
    }
  }

  @Test
  void anInclusionProofAtTenMillionEntriesReadsAFewDozenStoredNodes() {
    AtomicInteger reads = new AtomicInteger();
    MerkleTree.Nodes synthetic = (level, index) -> {
      reads.incrementAndGet();
      return MerkleTree.leafHash((level + ":" + index).getBytes(StandardCharsets.UTF_8));
    };
    long size = 10_000_000L;
    List<byte[]> proof = MerkleTree.inclusionProof(synthetic, 9_876_543L, size);
    assertThat(proof).hasSizeLessThanOrEqualTo(24);
    assertThat(reads.get()).isLessThanOrEqualTo(2 * 24);
    reads.set(0);
    MerkleTree.consistencyProof(synthetic, 7_654_321L, size);
    assertThat(reads.get()).isLessThanOrEqualTo(3 * 24);
  }

  @Test
  void refusesSizesOutsideTheTree() {
    assertThatThrownBy(() -> MerkleTree.inclusionProof(published(), 8, 8)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 8");
    assertThatThrownBy(() -> MerkleTree.consistencyProof(published(), 5, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThat(MerkleTree.verifyInclusion(0, 0, ROOTS.get(1L), List.of(), ROOTS.get(1L))).isFalse();
    assertThat(MerkleTree.verifyInclusion(0, 1, ROOTS.get(1L), List.of(), ROOTS.get(1L))).isTrue();
  }

  private static List<String> hex(List<byte[]> hashes) {
    return hashes.stream().map(HEX::formatHex).toList();
  }
}
