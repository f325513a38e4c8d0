package com.plenary.privacy.store;

import com.plenary.privacy.audit.MerkleTree;
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
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One pass of {@link AuditLog#verify} over the sealed entries in sequence order, reading and hashing at
 * the same time: the calling thread reads the rows, checks every number and link (each entry names the
 * hash before it, a comparison of bytes) and lays each entry's bytes into a chunk; the chain hash, the
 * leaf hash and the Merkle subtree of every chunk (2^11 entries, so a chunk is one complete subtree of
 * the log's tree) are computed by other threads, with the roots of the chunk's part of the tree at every
 * size a checkpoint was signed at; the calling thread then takes the chunks back in order, holds each
 * stored hash to the one computed, joins the chunk's subtree to the tree and checks the root wherever a
 * checkpoint was signed. It finds exactly what a walk in one thread finds, and reports the first
 * failure in sequence order.
 *
 * <p>Nothing is made per entry but what the driver returns: on PostgreSQL the texts are taken as the
 * bytes the server sent ({@code getBytes}, no decoding to a string and encoding back), on H2 (in the
 * same process, its strings already made) as strings copied into the chunk; the time is rewritten from
 * the database's text to {@link java.time.Instant#toString}'s form without parsing it into objects,
 * falling back to {@code OffsetDateTime} for any text not in UTC or not in the usual shape. Chunks and
 * digests are reused.
 */
final class AuditWalk {
  /** Entries a chunk: a power of two, so that every chunk but the last is one complete subtree. */
  static final int CHUNK_LEVEL = 11;
  static final int CHUNK = 1 << CHUNK_LEVEL;
  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final ThreadLocal<MessageDigest> SHA = ThreadLocal.withInitial(AuditWalk::sha256);

  /** How the walk ended: a failure (with its detail), or the count, the newest hash and the tree's root. */
  record Outcome(AuditLog.Verification failure, long count, String lastHash, byte[] root) {}

  private final NavigableMap<Long, List<byte[]>> bySize;
  private final boolean rawBytes;
  /** The complete subtrees of the tree folded so far, at the chunk's level and above (the levels below are empty between chunks). */
  private final byte[][] edge = new byte[64][];
  private final ArrayDeque<Chunk> spare = new ArrayDeque<>();
  private long folded;
  /** The last (partial) chunk's part of the tree: its entries' subtrees folded into one, or null. */
  private byte[] tail;

  private AuditWalk(NavigableMap<Long, List<byte[]>> bySize, boolean rawBytes) {
    this.bySize = bySize;
    this.rawBytes = rawBytes;
  }

  /**
   * Walks {@code rs} (columns {@code seq, prev_hash, hash, at} then the content columns from actor_kind to
   * request_id); {@code rawBytes} reads texts with {@code getBytes}, for a driver that hands over the
   * UTF-8 it received (PostgreSQL's).
   */
  static Outcome walk(ResultSet rs, TreeMap<Long, List<byte[]>> bySize, String zero, boolean rawBytes) throws SQLException {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService hashing = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "audit-verify-hashing");
      t.setDaemon(true);
      return t;
    });
    try {
      return new AuditWalk(bySize, rawBytes).run(rs, hashing, 2 * threads + 1, zero.getBytes(StandardCharsets.US_ASCII));
    } finally {
      hashing.shutdownNow();
    }
  }

  private Outcome run(ResultSet rs, ExecutorService hashing, int inFlight, byte[] zero) throws SQLException {
    ArrayDeque<Future<Chunk>> queue = new ArrayDeque<>();
    byte[] prev = zero;
    int prevFrom = 0;
    int prevTo = zero.length;
    long expected = 1;
    AuditLog.Verification broken = null;
    Chunk chunk = next(0);
    while (rs.next()) {
      long seq = rs.getLong(1);
      if (seq != expected) {
        broken = new AuditLog.Verification(false, expected, expected, "entry " + expected + " is missing");
        break;
      }
      int i = chunk.n;
      chunk.add(rs, seq, rawBytes);
      if (!Arrays.equals(chunk.bytes, chunk.leafEnd[i] + 1, chunk.end[i], prev, prevFrom, prevTo)) {
        chunk.n--; // the entry does not link: it is not hashed, the entries before it are
        broken = new AuditLog.Verification(false, expected, seq, "entry " + seq + " does not link to the entry before it");
        break;
      }
      prev = chunk.hashes;
      prevFrom = chunk.hashStart[i];
      prevTo = chunk.hashEnd[i];
      expected++;
      if (chunk.n == CHUNK) {
        prev = Arrays.copyOfRange(prev, prevFrom, prevTo); // the chunk is reused once folded
        prevFrom = 0;
        prevTo = prev.length;
        Chunk full = chunk;
        queue.add(hashing.submit(full::hash));
        chunk = next(expected - 1);
        if (queue.size() >= inFlight) {
          AuditLog.Verification failure = fold(take(queue));
          if (failure != null) {
            return new Outcome(failure, 0, null, null);
          }
        }
      }
    }
    String lastHash = new String(prev, prevFrom, prevTo - prevFrom, StandardCharsets.UTF_8);
    if (chunk.n > 0) {
      Chunk last = chunk;
      queue.add(hashing.submit(last::hash));
    }
    while (!queue.isEmpty()) {
      AuditLog.Verification failure = fold(take(queue)); // an earlier entry's failure comes first
      if (failure != null) {
        return new Outcome(failure, 0, null, null);
      }
    }
    return broken != null ? new Outcome(broken, 0, null, null) : new Outcome(null, folded, lastHash, root());
  }

  /** A chunk for the entries after the first {@code base}, with the sizes a checkpoint was signed at among them. */
  private Chunk next(long base) {
    Chunk c = spare.isEmpty() ? new Chunk() : spare.poll();
    c.reset(base, bySize.subMap(base, false, base + CHUNK, true).keySet());
    return c;
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

  /**
   * Joins a hashed chunk to the tree, in order: a checkpoint signed within the chunk is held to the
   * tree's root at its size (those before the first altered entry: the walk in one thread would have
   * reached them first), then the first entry whose stored hash is not the one computed fails.
   */
  private AuditLog.Verification fold(Chunk c) {
    for (int k = 0; k < c.signedCount; k++) {
      int m = c.signedAt[k];
      if (m > c.n || c.firstAltered >= 0 && m > c.firstAltered) { // beyond the log's end (found by the caller), or after the altered entry
        break;
      }
      long size = c.base + m;
      byte[] root = withEdge(Arrays.copyOfRange(c.signedRoots, k * 32, k * 32 + 32));
      for (byte[] r : bySize.get(size)) {
        if (!MessageDigest.isEqual(r, root)) {
          return new AuditLog.Verification(false, size, size, "the first " + size + " entries are not those the checkpoint at size " + size
              + " signed: history was rewritten");
        }
      }
    }
    if (c.firstAltered >= 0) {
      int i = c.firstAltered;
      return new AuditLog.Verification(false, c.base + i + 1, c.seq[i], "entry " + c.seq[i] + " was altered after it was written");
    }
    folded += c.n;
    if (c.n == CHUNK) {
      byte[] h = c.subtreeRoot();
      int level = CHUNK_LEVEL;
      while (edge[level] != null) {
        h = MerkleTree.nodeHash(edge[level], h);
        edge[level] = null;
        level++;
      }
      edge[level] = h;
    } else {
      tail = c.subtreeRoot(); // only the last chunk is partial
    }
    spare.add(c);
    return null;
  }

  /** The root of the tree whose right part is the subtree {@code low}, under the complete subtrees folded so far. */
  private byte[] withEdge(byte[] low) {
    byte[] r = low;
    for (int level = CHUNK_LEVEL; level < 64; level++) {
      if (edge[level] != null) {
        r = r == null ? edge[level] : MerkleTree.nodeHash(edge[level], r);
      }
    }
    return r;
  }

  private byte[] root() {
    byte[] r = withEdge(tail);
    return r == null ? MerkleTree.emptyRoot() : r;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  /**
   * Writes the database's text of a UTC time ({@code 2026-12-03 16:49:18.1234+00}, as both PostgreSQL
   * and H2 print a {@code TIMESTAMP WITH TIME ZONE} in UTC: fraction without trailing zeros) into
   * {@code out} at {@code at} as {@link java.time.Instant#toString} prints it ({@code
   * 2026-12-03T16:49:18.123400Z}: the fraction in groups of three digits, none when zero); answers the
   * end, or -1 when the text is not of that shape (another offset, a year past 9999, an era), for the
   * caller to fall back on parsing it.
   */
  static int isoInstant(byte[] in, int length, byte[] out, int at) {
    if (length < 22 || in[4] != '-' || in[7] != '-' || in[10] != ' ' || in[13] != ':' || in[16] != ':') {
      return -1;
    }
    int p = 19;
    int fracFrom = -1;
    int fracTo = -1;
    if (in[p] == '.') {
      fracFrom = ++p;
      while (p < length && in[p] >= '0' && in[p] <= '9') {
        p++;
      }
      fracTo = p;
      if (fracTo == fracFrom || fracTo - fracFrom > 9) {
        return -1;
      }
    }
    if (p + 3 != length || in[p] != '+' || in[p + 1] != '0' || in[p + 2] != '0') {
      return -1; // not UTC, or a longer offset
    }
    for (int i = 0; i < 19; i++) {
      if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (in[i] < '0' || in[i] > '9')) {
        return -1;
      }
    }
    System.arraycopy(in, 0, out, at, 19);
    out[at + 10] = 'T';
    int o = at + 19;
    if (fracFrom >= 0) {
      int last = fracTo;
      while (last > fracFrom && in[last - 1] == '0') {
        last--;
      }
      if (last > fracFrom) { // a zero fraction is not printed
        int copied = last - fracFrom;
        int width = copied <= 3 ? 3 : copied <= 6 ? 6 : 9;
        out[o++] = '.';
        System.arraycopy(in, fracFrom, out, o, copied);
        o += copied;
        for (int i = copied; i < width; i++) {
          out[o++] = '0';
        }
      }
    }
    out[o++] = 'Z';
    return o;
  }

  /**
   * Up to {@link #CHUNK} entries after the first {@code base}: each one's leaf bytes (the form
   * {@link AuditLog#leaf} makes), then the unit separator and its stored link, laid end to end in one
   * buffer, with its stored hash in another. Filled by the reading thread, hashed by one other thread,
   * folded by the reading thread again: never touched by two threads at once (the executor's hand-over
   * orders the writes before the reads).
   */
  private static final class Chunk {
    final long[] seq = new long[CHUNK];
    final int[] start = new int[CHUNK];
    final int[] leafEnd = new int[CHUNK];
    final int[] end = new int[CHUNK];
    final int[] hashStart = new int[CHUNK];
    final int[] hashEnd = new int[CHUNK];
    final int[] signedAt = new int[CHUNK];
    byte[] bytes = new byte[CHUNK * 256];
    byte[] hashes = new byte[CHUNK * 64];
    final byte[] time = new byte[64];
    /** The roots of the chunk's entries folded at each size in {@link #signedAt}, 32 bytes each. */
    byte[] signedRoots = new byte[0];
    /** The chunk's part of the tree as it grows: one complete subtree a level, at most {@link #CHUNK_LEVEL} + 1. */
    final byte[][] edge = new byte[CHUNK_LEVEL + 1][32];
    final boolean[] present = new boolean[CHUNK_LEVEL + 1];
    long base;
    int signedCount;
    int n;
    int length;
    int hashLength;
    int firstAltered;

    void reset(long base, Iterable<Long> signedSizes) {
      this.base = base;
      n = 0;
      length = 0;
      hashLength = 0;
      firstAltered = -1;
      signedCount = 0;
      for (long s : signedSizes) {
        signedAt[signedCount++] = (int) (s - base);
      }
      if (signedRoots.length < signedCount * 32) {
        signedRoots = new byte[signedCount * 32];
      }
      Arrays.fill(present, false);
    }

    void add(ResultSet rs, long s, boolean raw) throws SQLException {
      seq[n] = s;
      start[n] = length;
      number(s);
      sep();
      if (raw) {
        time(rs, rs.getBytes(4), -1);
        for (int c = 5; c <= 14; c++) {
          sep();
          bytes(rs.getBytes(c));
        }
        leafEnd[n] = length;
        sep();
        bytes(rs.getBytes(2));
        end[n] = length;
        hashStart[n] = hashLength;
        byte[] h = rs.getBytes(3);
        if (h != null) {
          hashRoom(h.length);
          System.arraycopy(h, 0, hashes, hashLength, h.length);
          hashLength += h.length;
        }
      } else {
        String t = rs.getString(4);
        int tl = t == null || t.length() > time.length ? -1 : t.length();
        for (int i = 0; i < tl; i++) {
          time[i] = (byte) t.charAt(i);
        }
        time(rs, tl < 0 ? null : time, tl);
        for (int c = 5; c <= 14; c++) {
          sep();
          text(rs.getString(c));
        }
        leafEnd[n] = length;
        sep();
        text(rs.getString(2));
        end[n] = length;
        hashStart[n] = hashLength;
        String h = rs.getString(3);
        if (h != null) {
          int before = length;
          text(h); // through the entry buffer for its UTF-8, then moved
          int len = length - before;
          hashRoom(len);
          System.arraycopy(bytes, before, hashes, hashLength, len);
          hashLength += len;
          length = before;
        }
      }
      hashEnd[n] = hashLength;
      n++;
    }

    /** The time column: its text {@code in} rewritten, or when not of the usual shape, parsed as {@link AuditLog#leaf} formats it. */
    private void time(ResultSet rs, byte[] in, int len) throws SQLException {
      room(40);
      int l = in == null ? -1 : len >= 0 ? len : in.length; // no text (or too long for the buffer): parsed
      int to = l < 0 ? -1 : isoInstant(in, l, bytes, length);
      if (to >= 0) {
        length = to;
      } else {
        ascii(rs.getObject(4, OffsetDateTime.class).toInstant().toString());
      }
    }

    /**
     * Computes every entry's chain hash (held to the stored one), its leaf hash and the chunk's subtree,
     * with its roots where a checkpoint was signed; on another thread. Stops at the first altered entry.
     */
    Chunk hash() throws DigestException {
      MessageDigest sha = SHA.get();
      byte[] digest = new byte[32];
      byte[] leaf = new byte[32];
      int k = 0;
      for (int i = 0; i < n; i++) {
        sha.update(bytes, start[i], end[i] - start[i]);
        sha.digest(digest, 0, 32);
        if (!hexEquals(digest, hashes, hashStart[i], hashEnd[i])) {
          firstAltered = i;
          return this;
        }
        sha.update((byte) 0x00);
        sha.update(bytes, start[i], leafEnd[i] - start[i]);
        sha.digest(leaf, 0, 32);
        append(sha, i, leaf);
        while (k < signedCount && signedAt[k] == i + 1) {
          fold(sha, signedRoots, k * 32);
          k++;
        }
      }
      return this;
    }

    /** Adds the leaf of the chunk's entry {@code i} to its part of the tree. */
    private void append(MessageDigest sha, int i, byte[] leaf) throws DigestException {
      byte[] h = leaf;
      int level = 0;
      while ((i & (1 << level)) != 0) {
        sha.update((byte) 0x01);
        sha.update(edge[level], 0, 32);
        sha.update(h, 0, 32);
        sha.digest(edge[level], 0, 32); // the node replaces its left child
        h = edge[level];
        present[level] = false;
        level++;
      }
      System.arraycopy(h, 0, edge[level], 0, 32);
      present[level] = true;
    }

    /** Folds the chunk's complete subtrees, smallest first, into one hash written to {@code out} at {@code at}. */
    private void fold(MessageDigest sha, byte[] out, int at) throws DigestException {
      boolean any = false;
      for (int level = 0; level <= CHUNK_LEVEL; level++) {
        if (present[level]) {
          if (!any) {
            System.arraycopy(edge[level], 0, out, at, 32);
            any = true;
          } else {
            sha.update((byte) 0x01);
            sha.update(edge[level], 0, 32);
            sha.update(out, at, 32);
            sha.digest(out, at, 32);
          }
        }
      }
    }

    /** The chunk's entries as one hash (its complete subtree when full); after {@link #hash}, on the folding thread. */
    byte[] subtreeRoot() {
      byte[] out = new byte[32];
      try {
        fold(SHA.get(), out, 0);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }

    private static boolean hexEquals(byte[] d, byte[] hex, int from, int to) {
      if (to - from != 2 * d.length) {
        return false;
      }
      for (int i = 0; i < d.length; i++) {
        if (hex[from + 2 * i] != HEX_DIGITS[(d[i] >> 4) & 0xf] || hex[from + 2 * i + 1] != HEX_DIGITS[d[i] & 0xf]) {
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

    private void hashRoom(int more) {
      if (hashLength + more > hashes.length) {
        hashes = Arrays.copyOf(hashes, Math.max(hashes.length * 2, hashLength + more));
      }
    }

    private void sep() {
      room(1);
      bytes[length++] = 0x1f;
    }

    /** A positive number's decimal digits, as {@code Long.toString} writes them. */
    private void number(long v) {
      if (v <= 0) {
        ascii(Long.toString(v));
        return;
      }
      int digits = 1;
      for (long x = v; x >= 10; x /= 10) {
        digits++;
      }
      room(digits);
      for (int i = length + digits - 1; i >= length; i--) {
        bytes[i] = (byte) ('0' + v % 10);
        v /= 10;
      }
      length += digits;
    }

    private void ascii(String s) {
      room(s.length());
      for (int i = 0; i < s.length(); i++) {
        bytes[length++] = (byte) s.charAt(i);
      }
    }

    private void bytes(byte[] b) {
      if (b != null) {
        room(b.length);
        System.arraycopy(b, 0, bytes, length, b.length);
        length += b.length;
      }
    }

    /** UTF-8, as {@code String.getBytes} makes it: ASCII copied straight, the rest of a text with a non-ASCII character encoded whole. */
    private void text(String s) {
      if (s == null) {
        return;
      }
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
