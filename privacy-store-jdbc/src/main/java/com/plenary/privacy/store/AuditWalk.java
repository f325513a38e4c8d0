package com.plenary.privacy.store;

import com.plenary.privacy.audit.MerkleFrontier;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One pass of {@link AuditLog#verify} over the sealed entries in sequence order, reading and hashing at
 * the same time: the calling thread reads the rows, checks every number and link (each entry names the
 * hash before it, a comparison of texts) and lays each entry's bytes into a chunk; the chain hash and
 * the leaf hash of every entry in a chunk (they depend only on the entry's own bytes and stored link)
 * are computed by other threads; the calling thread then takes the chunks back in order, holds each
 * stored hash to the one computed, appends the leaves to the Merkle tree and checks the root wherever a
 * checkpoint was signed. It finds exactly what a walk in one thread finds, and reports the first
 * failure in sequence order. Nothing is made per entry but the strings JDBC returns and the leaf hash.
 */
final class AuditWalk {
  private static final int CHUNK = 2_048;
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** How the walk ended: a failure (with its detail), or the count, the newest hash and the tree. */
  record Outcome(AuditLog.Verification failure, long count, String lastHash, MerkleFrontier tree) {}

  private final TreeMap<Long, List<byte[]>> bySize;
  private final MerkleFrontier tree = MerkleFrontier.empty();
  private final MerkleFrontier.Completed none = (level, index, hash) -> { };
  private long folded;

  private AuditWalk(TreeMap<Long, List<byte[]>> bySize) {
    this.bySize = bySize;
  }

  /** Walks {@code rs} (columns {@code seq, prev_hash, hash, at} then the content columns from actor_kind to request_id). */
  static Outcome walk(ResultSet rs, TreeMap<Long, List<byte[]>> bySize, String zero) throws SQLException {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService hashing = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "audit-verify-hashing");
      t.setDaemon(true);
      return t;
    });
    try {
      return new AuditWalk(bySize).run(rs, hashing, 2 * threads + 1, zero);
    } finally {
      hashing.shutdownNow();
    }
  }

  private Outcome run(ResultSet rs, ExecutorService hashing, int inFlight, String zero) throws SQLException {
    ArrayDeque<Future<Chunk>> queue = new ArrayDeque<>();
    String prev = zero;
    long expected = 1;
    AuditLog.Verification broken = null;
    Chunk chunk = new Chunk();
    while (rs.next()) {
      long seq = rs.getLong(1);
      String prevHash = AuditRows.orEmpty(rs.getString(2));
      String hash = AuditRows.orEmpty(rs.getString(3));
      if (seq != expected) {
        broken = new AuditLog.Verification(false, expected, expected, "entry " + expected + " is missing");
        break;
      }
      if (!prevHash.equals(prev)) {
        broken = new AuditLog.Verification(false, expected, seq, "entry " + seq + " does not link to the entry before it");
        break;
      }
      chunk.add(rs, seq, prevHash, hash);
      prev = hash;
      expected++;
      if (chunk.n == CHUNK) {
        Chunk full = chunk;
        queue.add(hashing.submit(() -> full.hash()));
        chunk = new Chunk();
        if (queue.size() >= inFlight) {
          AuditLog.Verification failure = fold(take(queue));
          if (failure != null) {
            return new Outcome(failure, 0, null, null);
          }
        }
      }
    }
    if (chunk.n > 0) {
      Chunk last = chunk;
      queue.add(hashing.submit(() -> last.hash()));
    }
    while (!queue.isEmpty()) {
      AuditLog.Verification failure = fold(take(queue)); // an earlier entry's failure comes first
      if (failure != null) {
        return new Outcome(failure, 0, null, null);
      }
    }
    return broken != null ? new Outcome(broken, 0, null, null) : new Outcome(null, folded, prev, tree);
  }

  private static Chunk take(ArrayDeque<Future<Chunk>> queue) throws SQLException {
    try {
      return queue.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted while verifying the audit log", e);
    } catch (ExecutionException e) {
      throw new SQLException("cannot hash the audit log: " + e.getCause(), e.getCause());
    }
  }

  /** Adds a hashed chunk's leaves to the tree, in order: the first entry whose stored hash is not the one computed, or a checkpoint the tree does not match, fails. */
  private AuditLog.Verification fold(Chunk c) {
    for (int i = 0; i < c.n; i++) {
      folded++;
      if (i == c.firstAltered) {
        return new AuditLog.Verification(false, folded, c.seq[i], "entry " + c.seq[i] + " was altered after it was written");
      }
      tree.append(Arrays.copyOfRange(c.leafHashes, i * 32, i * 32 + 32), none);
      List<byte[]> signedHere = bySize.get(folded);
      if (signedHere != null) { // the root only where a checkpoint was signed
        byte[] root = tree.root();
        for (byte[] r : signedHere) {
          if (!MessageDigest.isEqual(r, root)) {
            return new AuditLog.Verification(false, folded, folded, "the first " + folded + " entries are not those the checkpoint at size " + folded
                + " signed: history was rewritten");
          }
        }
      }
    }
    return null;
  }

  /**
   * Up to {@link #CHUNK} entries: each one's leaf bytes (the form {@link AuditLog#leaf} makes), then the
   * unit separator and its stored link, laid end to end in one buffer, with its stored hash.
   */
  private static final class Chunk {
    final long[] seq = new long[CHUNK];
    final int[] start = new int[CHUNK];
    final int[] leafEnd = new int[CHUNK];
    final int[] end = new int[CHUNK];
    final String[] hash = new String[CHUNK];
    byte[] bytes = new byte[CHUNK * 256];
    byte[] leafHashes;
    int n;
    int length;
    int firstAltered = -1;

    void add(ResultSet rs, long s, String prevHash, String storedHash) throws SQLException {
      seq[n] = s;
      hash[n] = storedHash;
      start[n] = length;
      number(s);
      sep();
      ascii(rs.getObject(4, OffsetDateTime.class).toInstant().toString());
      for (int c = 5; c <= 14; c++) {
        sep();
        String v = rs.getString(c);
        if (v != null) {
          text(v);
        }
      }
      leafEnd[n] = length;
      sep();
      text(prevHash);
      end[n] = length;
      n++;
    }

    /** Computes every entry's chain hash (held to the stored one) and leaf hash; on another thread. */
    Chunk hash() throws NoSuchAlgorithmException {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = new byte[32];
      leafHashes = new byte[n * 32];
      for (int i = 0; i < n; i++) {
        sha.update(bytes, start[i], end[i] - start[i]);
        byte[] chain = sha.digest();
        if (!hexEquals(chain, hash[i])) {
          firstAltered = i;
          break;
        }
        sha.update((byte) 0x00);
        sha.update(bytes, start[i], leafEnd[i] - start[i]);
        try {
          sha.digest(digest, 0, 32);
        } catch (DigestException e) {
          throw new IllegalStateException(e);
        }
        System.arraycopy(digest, 0, leafHashes, i * 32, 32);
      }
      return this;
    }

    private static boolean hexEquals(byte[] d, String hex) {
      if (hex.length() != 2 * d.length) {
        return false;
      }
      for (int i = 0; i < d.length; i++) {
        if (hex.charAt(2 * i) != HEX_DIGITS[(d[i] >> 4) & 0xf] || hex.charAt(2 * i + 1) != HEX_DIGITS[d[i] & 0xf]) {
          return false;
        }
      }
      return true;
    }

    private void room(int more) {
      if (length + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
      }
    }

    private void sep() {
      room(1);
      bytes[length++] = 0x1f;
    }

    private void number(long v) {
      ascii(Long.toString(v));
    }

    private void ascii(String s) {
      room(s.length());
      for (int i = 0; i < s.length(); i++) {
        bytes[length++] = (byte) s.charAt(i);
      }
    }

    /** UTF-8, as {@code String.getBytes} makes it: ASCII copied straight, the rest of a text with a non-ASCII character encoded whole. */
    private void text(String s) {
      int len = s.length();
      room(len);
      for (int i = 0; i < len; i++) {
        char ch = s.charAt(i);
        if (ch >= 0x80) {
          byte[] rest = s.substring(i).getBytes(StandardCharsets.UTF_8);
          room(rest.length);
          System.arraycopy(rest, 0, bytes, length, rest.length);
          length += rest.length;
          return;
        }
        bytes[length++] = (byte) ch;
      }
    }
  }
}
