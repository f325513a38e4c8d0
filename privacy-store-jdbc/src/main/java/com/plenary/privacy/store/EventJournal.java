package com.plenary.privacy.store;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector's journal. A group of collected events is made durable by appending it to a file —
 * one write, and {@code fdatasync} when {@code sync} is on — instead of by a database commit; one
 * applier thread then moves journaled groups into {@code usage_event} in large transactions, each of
 * which records the sequence number of the last group it holds ({@code collector_journal.applied_seq}),
 * so a restart replays exactly the groups the table does not have yet, none twice.
 *
 * <p>Why: the embedded H2 store pays a fixed cost per commit (its copy-on-write pages are written out
 * at each one), so many small commits cost far more than a few large ones; an append is cheap. The
 * records hold the rows as they go to the table: details sealed, browsers and partner identifiers
 * only as the ids the table holds, so the journal carries no plaintext personal data.
 *
 * <p>Files: {@code <first sequence number>.journal} segments of records {@code [length][CRC32C][seq,
 * rows]}, and a {@code lock} file that one process holds while it uses the directory. A record cut
 * short or failing its checksum at the end of a segment was never acknowledged (the write had not
 * returned) and is dropped on replay. Applied segments are deleted once the database has been told
 * to sync its own file, so a journaled event is never only in a file that is gone.
 */
final class EventJournal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);
  static final String SUFFIX = ".journal";
  private static final long SEGMENT_BYTES = 32L << 20;
  private static final int APPLY_MAX_ROWS = 4_000;
  /**
   * The applier waits up to this long for {@link #APPLY_ENOUGH_ROWS} rows before a transaction (unless
   * a reader is waiting for it): nobody waits for the table, and H2's cost per commit is large
   * against its cost per row, so fewer, larger transactions leave more of the machine to the requests.
   */
  private static final Duration APPLY_LINGER = Duration.ofMillis(25);
  private static final int APPLY_ENOUGH_ROWS = 1_000;
  private static final int MAX_RECORD_BYTES = 64 << 20;
  private static final byte NULL = 0;
  private static final byte TEXT = 1;
  private static final byte TIME = 2;
  private static final byte BYTES = 3;

  /** Stores rows (with their audit groups) in one transaction that also records {@code lastSeq} as applied. */
  @FunctionalInterface
  interface Applier {
    void apply(List<UsageEvents.Prepared> rows, long lastSeq);
  }

  record Entry(long seq, List<UsageEvents.Prepared> rows) {}

  private record Segment(Path path, long lastSeq) {}

  private final Path dir;
  private final boolean sync;
  private final long maxLag;
  private final long lingerNanos;
  private final Applier applier;
  private final Runnable syncDatabase;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 << 10);
  private final DataOutputStream data = new DataOutputStream(buffer);
  private final CRC32C crc = new CRC32C();
  private final Deque<Segment> full = new ArrayDeque<>();
  private final Deque<Entry> pending = new ArrayDeque<>();
  private final Thread worker;
  // guarded by this (appends)
  private FileChannel out;
  private Path outPath;
  private long outSize;
  private long nextSeq;
  // guarded by pending
  private long appended;
  private long applied;
  private long lagRows;
  private long appliedRows;
  private long transactions;
  private boolean closing;
  private boolean closed;
  private int hurry; // readers waiting in awaitApplied: the applier does not linger for them
  private volatile long failures;
  private volatile boolean draining;

  private EventJournal(Path dir, boolean sync, long maxLag, Duration linger, Applier applier, Runnable syncDatabase, FileChannel lockChannel, FileLock lock,
      long nextSeq) {
    this.dir = dir;
    this.sync = sync;
    this.maxLag = maxLag;
    this.lingerNanos = linger.toNanos();
    this.applier = applier;
    this.syncDatabase = syncDatabase;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.nextSeq = nextSeq;
    this.appended = nextSeq - 1;
    this.applied = nextSeq - 1;
    this.worker = new Thread(this::applyLoop, "plenary-journal-applier");
    this.worker.setDaemon(true);
  }

  /**
   * Takes the directory (creating it), replays what {@code appliedSeq} says the table lacks, deletes
   * the replayed segments and returns a journal ready for appends; empty when another process (or
   * another part of this one) holds the directory.
   */
  static Optional<EventJournal> open(Path dir, boolean sync, long maxLag, long appliedSeq, Applier applier, Runnable syncDatabase) {
    return open(dir, sync, maxLag, APPLY_LINGER, () -> new Start(appliedSeq, applier), syncDatabase);
  }

  /** As above, with how long the applier waits for more rows before a transaction that no reader waits for. */
  static Optional<EventJournal> open(Path dir, boolean sync, long maxLag, Duration linger, long appliedSeq, Applier applier,
      Runnable syncDatabase) {
    return open(dir, sync, maxLag, linger, () -> new Start(appliedSeq, applier), syncDatabase);
  }

  /** Where the table stands for this journal, and how to move groups into it. */
  record Start(long appliedSeq, Applier applier) {}

  /**
   * As above, with {@code start} asked only once the directory is held: what the table has applied
   * is read after any earlier holder has let go, so nothing it applied is replayed again.
   */
  static Optional<EventJournal> open(Path dir, boolean sync, long maxLag, Supplier<Start> start, Runnable syncDatabase) {
    return open(dir, sync, maxLag, APPLY_LINGER, start, syncDatabase);
  }

  private static Optional<EventJournal> open(Path dir, boolean sync, long maxLag, Duration linger, Supplier<Start> start,
      Runnable syncDatabase) {
    try {
      OwnerOnly.directory(dir);
      FileChannel lockChannel = FileChannel.open(dir.resolve("lock"), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), OwnerOnly.fileAttributes());
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException heldHere) {
        lock = null;
      }
      if (lock == null) {
        lockChannel.close();
        return Optional.empty();
      }
      try {
        Start at = start.get();
        long next = replay(dir, at.appliedSeq(), at.applier(), syncDatabase);
        EventJournal j = new EventJournal(dir, sync, maxLag, linger, at.applier(), syncDatabase, lockChannel, lock, next);
        j.worker.start();
        return Optional.of(j);
      } catch (RuntimeException e) {
        lock.release();
        lockChannel.close();
        throw e;
      }
    } catch (IOException e) {
      throw new StoreException("cannot use the collector's journal in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Replays the segments into the table and deletes them; returns the next sequence number to use. */
  private static long replay(Path dir, long appliedSeq, Applier applier, Runnable syncDatabase) throws IOException {
    List<Path> segments = segments(dir);
    long last = appliedSeq;
    int replayed = 0;
    for (Path segment : segments) {
      List<Entry> entries = read(segment, segment.equals(segments.get(segments.size() - 1)));
      List<UsageEvents.Prepared> rows = new ArrayList<>();
      long upTo = -1;
      for (Entry e : entries) {
        last = Math.max(last, e.seq());
        if (e.seq() <= appliedSeq) {
          continue;
        }
        rows.addAll(e.rows());
        upTo = e.seq();
        if (rows.size() >= APPLY_MAX_ROWS) {
          applier.apply(rows, upTo);
          replayed += rows.size();
          rows = new ArrayList<>();
        }
      }
      if (!rows.isEmpty()) {
        applier.apply(rows, upTo);
        replayed += rows.size();
      }
    }
    if (!segments.isEmpty()) {
      syncDatabase.run();
      for (Path segment : segments) {
        Files.delete(segment);
      }
      LOG.info("collector journal: {} events replayed into the store from {} segment(s)", replayed, segments.size());
    }
    return last + 1;
  }

  static List<Path> segments(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
    }
  }

  /**
   * The records of a segment, up to the first one cut short or failing its checksum. A record cut
   * short at the end of the newest segment is a write that never returned (never acknowledged); a
   * failed checksum, or a cut anywhere else, is damage to the disk's contents and is logged as an
   * error: the records after it cannot be trusted.
   */
  static List<Entry> read(Path segment, boolean newest) throws IOException {
    List<Entry> out = new ArrayList<>();
    long size = Files.size(segment);
    long offset = 0;
    boolean damaged = false;
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(segment), 1 << 16);
        DataInputStream in = new DataInputStream(raw)) {
      while (offset < size) {
        int length;
        int sum;
        byte[] payload;
        try {
          length = in.readInt();
          sum = in.readInt();
          if (length <= 0 || length > MAX_RECORD_BYTES) {
            damaged = true;
            break;
          }
          if (offset + 8 + length > size) {
            break;
          }
          payload = in.readNBytes(length);
        } catch (EOFException cut) {
          break;
        }
        CRC32C c = new CRC32C();
        c.update(payload);
        if ((int) c.getValue() != sum) {
          damaged = true;
          break;
        }
        out.add(decode(payload));
        offset += 8 + length;
      }
    }
    if (offset < size) {
      if (newest && !damaged) {
        LOG.warn("collector journal: the last {} bytes of {} are an unfinished write (never acknowledged); dropped", size - offset, segment.getFileName());
      } else {
        LOG.error("collector journal: {} is damaged at byte {}; the {} records before it are replayed", segment.getFileName(), offset, out.size());
      }
    }
    return out;
  }

  /**
   * Appends a group and returns once it is durable (written, and synced when {@code sync} is on).
   * Waits while the applier is more than {@code maxLag} rows behind, and fails after ten seconds of it.
   */
  void append(List<UsageEvents.Prepared> rows) {
    if (rows.isEmpty()) {
      return;
    }
    awaitRoom();
    synchronized (this) {
      long seq = nextSeq;
      try {
        byte[] record = encode(seq, rows);
        if (out == null || outSize >= SEGMENT_BYTES) {
          rotate(seq);
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        while (b.hasRemaining()) {
          out.write(b);
        }
        if (sync) {
          out.force(false);
        }
        outSize += record.length;
      } catch (IOException e) {
        abandonSegment(seq);
        throw new StoreException("cannot write the collector's journal: " + e.getMessage(), e);
      }
      nextSeq++;
      synchronized (pending) {
        pending.addLast(new Entry(seq, rows));
        appended = seq;
        lagRows += rows.size();
        pending.notifyAll();
      }
    }
  }

  private void awaitRoom() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    synchronized (pending) {
      while (lagRows >= maxLag && !closing) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new StoreException("the collector's journal is " + lagRows + " events ahead of the store; the store is not keeping up");
        }
        waitOn(pending, left);
      }
      if (closing) {
        throw new StoreException("the collector's journal is closing");
      }
    }
  }

  private void rotate(long firstSeq) throws IOException {
    if (out != null) {
      if (sync) {
        out.force(true);
      }
      out.close();
      synchronized (full) {
        full.addLast(new Segment(outPath, firstSeq - 1));
      }
    }
    outPath = dir.resolve(String.format("%020d", firstSeq) + SUFFIX);
    out = FileChannel.open(outPath, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OwnerOnly.fileAttributes());
    outSize = 0;
    if (sync) {
      syncDirectory();
    }
  }

  /**
   * After a failed write the segment may end in part of a record, and records written after it could
   * not be read back: the segment is closed as it is (its earlier records stay good) and the next
   * group starts a new one.
   */
  private void abandonSegment(long failedSeq) {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException ignored) {
      // closing a channel that failed to write; its good records are on disk already
    }
    if (out != null) {
      synchronized (full) {
        full.addLast(new Segment(outPath, failedSeq - 1));
      }
    }
    out = null;
    nextSeq = failedSeq + 1; // the failed number is never used, so a new segment's name cannot clash
  }

  private void syncDirectory() {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException notOnThisSystem) {
      // some file systems cannot sync a directory; the segment's own sync still holds its records
    }
  }

  /** Returns once every group appended before the call is in the table; fails after {@code timeout}. */
  void awaitApplied(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (pending) {
      long target = appended;
      hurry++;
      pending.notifyAll();
      try {
        while (applied < target) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || !worker.isAlive()) {
            throw new StoreException("the collector's journal has " + lagRows + " events not yet in the store; try again shortly");
          }
          waitOn(pending, left);
        }
      } finally {
        hurry--;
      }
    }
  }

  /** Rows journaled and not yet in the table. */
  long lag() {
    synchronized (pending) {
      return lagRows;
    }
  }

  /** Rows moved into the table since this journal opened (replayed ones not counted). */
  long appliedRows() {
    synchronized (pending) {
      return appliedRows;
    }
  }

  /** Transactions that moved rows into the table since this journal opened: rows over these is their mean size. */
  long transactions() {
    synchronized (pending) {
      return transactions;
    }
  }

  /** How many times applying a group to the table has failed (each is retried). */
  long failures() {
    return failures;
  }

  private void applyLoop() {
    long backoff = 50;
    while (true) {
      List<Entry> batch = new ArrayList<>();
      synchronized (pending) {
        while (pending.isEmpty() && !closing) {
          waitOn(pending, TimeUnit.SECONDS.toNanos(1));
        }
        if (pending.isEmpty()) {
          return;
        }
        long lingerUntil = System.nanoTime() + lingerNanos;
        while (lagRows < Math.min(APPLY_ENOUGH_ROWS, maxLag) && hurry == 0 && !closing) {
          long left = lingerUntil - System.nanoTime();
          if (left <= 0) {
            break;
          }
          waitOn(pending, left);
        }
        int n = 0;
        for (Entry e : pending) {
          if (n > 0 && n + e.rows().size() > APPLY_MAX_ROWS) {
            break;
          }
          batch.add(e);
          n += e.rows().size();
        }
      }
      List<UsageEvents.Prepared> rows = new ArrayList<>();
      batch.forEach(e -> rows.addAll(e.rows()));
      long upTo = batch.get(batch.size() - 1).seq();
      try {
        applier.apply(rows, upTo);
        backoff = 50;
      } catch (RuntimeException e) {
        failures++;
        if (draining || exiting()) {
          // at a process's exit H2 may have closed its file already: the next start replays these
          LOG.info("collector journal: stopping; {} events stay in the journal for the next start ({})", rows.size(), e.getMessage());
        } else {
          LOG.error("collector journal: {} events could not be moved into the store (kept in the journal; retrying in {} ms): {}",
              rows.size(), backoff, e.getMessage());
        }
        synchronized (pending) {
          if (closing) {
            return; // they stay in the journal and are replayed at the next start
          }
        }
        sleep(backoff);
        backoff = Math.min(5_000, backoff * 2);
        continue;
      }
      synchronized (pending) {
        for (int i = 0; i < batch.size(); i++) {
          pending.removeFirst();
        }
        applied = upTo;
        lagRows -= rows.size();
        appliedRows += rows.size();
        transactions++;
        pending.notifyAll();
      }
      dropApplied(upTo);
    }
  }

  /** Deletes the full segments whose every record is in the table, after the database has synced its file. */
  private void dropApplied(long upTo) {
    dropApplied(upTo, false);
  }

  /**
   * {@code stopping}: at a process's exit H2 may already have closed its database (its own exit hook
   * runs beside ours, and AUTO_SERVER rules out turning it off); the applied segments then stay for
   * the next start, which skips their records, so that is no error.
   */
  private void dropApplied(long upTo, boolean stopping) {
    List<Segment> done = new ArrayList<>();
    synchronized (full) {
      while (!full.isEmpty() && full.peekFirst().lastSeq() <= upTo) {
        done.add(full.removeFirst());
      }
    }
    if (done.isEmpty()) {
      return;
    }
    try {
      syncDatabase.run();
      for (Segment s : done) {
        Files.deleteIfExists(s.path());
      }
    } catch (RuntimeException | IOException e) {
      if (stopping) {
        LOG.info("collector journal: {} applied segment(s) kept for the next start, which skips them (the database had closed)", done.size());
      } else {
        LOG.error("collector journal: applied segments kept (the database could not be synced or a file removed): {}", e.getMessage());
      }
      synchronized (full) {
        for (int i = done.size() - 1; i >= 0; i--) {
          full.addFirst(done.get(i));
        }
      }
    }
  }

  /**
   * Stops taking groups, moves what is journaled into the table (waiting up to {@code timeout}),
   * deletes the applied segments and releases the directory. What could not be moved stays in the
   * journal for the next start.
   */
  void close(Duration timeout) {
    synchronized (pending) {
      if (closed) {
        return;
      }
      closed = true;
    }
    draining = true;
    try {
      awaitApplied(timeout);
    } catch (StoreException e) {
      LOG.info("collector journal: closing with {} events not yet in the store; they are replayed at the next start", lag());
    }
    synchronized (pending) {
      closing = true;
      pending.notifyAll();
    }
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      try {
        boolean allApplied = lag() == 0;
        if (out != null) {
          out.close();
          synchronized (full) {
            full.addLast(new Segment(outPath, nextSeq - 1));
          }
          out = null;
        }
        if (allApplied) {
          dropApplied(nextSeq - 1, true);
        }
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  // ---- records ----

  private byte[] encode(long seq, List<UsageEvents.Prepared> rows) throws IOException {
    buffer.reset();
    data.writeInt(0);
    data.writeInt(0);
    data.writeLong(seq);
    data.writeInt(rows.size());
    for (UsageEvents.Prepared r : rows) {
      data.writeUTF(r.group);
      UsageEvents.Row row = r.row;
      data.writeShort(UsageEvents.Row.FIELDS);
      text(row.id());
      text(row.requestId());
      data.writeByte(TIME);
      data.writeLong(row.receivedAt().getEpochSecond());
      data.writeInt(row.receivedAt().getNano());
      text(row.source());
      text(row.sourceName());
      text(row.purpose());
      text(row.kind());
      text(row.keyOwner());
      text(row.browserId());
      text(row.subjectId());
      text(row.partnerRecordId());
      data.writeByte(BYTES);
      data.writeInt(row.sealed().length);
      data.write(row.sealed());
      for (int d = 0; d < UsageEvents.EVENT_DIMENSIONS.size(); d++) {
        byte[] token = row.dimension(d);
        if (token == null) {
          data.writeByte(NULL);
        } else {
          data.writeByte(BYTES);
          data.writeInt(token.length);
          data.write(token);
        }
      }
    }
    data.flush();
    byte[] record = buffer.toByteArray();
    int length = record.length - 8;
    crc.reset();
    crc.update(record, 8, length);
    ByteBuffer.wrap(record).putInt(length).putInt((int) crc.getValue());
    return record;
  }

  /** A text of a row, tagged as a text or as absent: the same record format the journal has always had. */
  private void text(String v) throws IOException {
    if (v == null) {
      data.writeByte(NULL);
      return;
    }
    byte[] b = v.getBytes(StandardCharsets.UTF_8);
    data.writeByte(TEXT);
    data.writeInt(b.length);
    data.write(b);
  }

  private static Entry decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    long seq = in.readLong();
    int n = in.readInt();
    List<UsageEvents.Prepared> rows = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String group = in.readUTF();
      Object[] values = new Object[in.readShort()];
      // a record of a journal written before the dimension tokens has 12 values: the row is stored without them
      if (values.length != UsageEvents.Row.FIELDS && values.length != UsageEvents.Row.FIELDS_BEFORE_TOKENS) {
        throw new IOException("a journaled event has " + values.length + " values, not " + UsageEvents.Row.FIELDS);
      }
      for (int f = 0; f < values.length; f++) {
        byte tag = in.readByte();
        values[f] = switch (tag) {
          case NULL -> null;
          case BYTES -> in.readNBytes(in.readInt());
          case TIME -> Instant.ofEpochSecond(in.readLong(), in.readInt());
          case TEXT -> new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
          default -> throw new IOException("unknown value tag " + tag);
        };
      }
      rows.add(new UsageEvents.Prepared(new UsageEvents.Row((String) values[0], (String) values[1], (Instant) values[2], (String) values[3],
          (String) values[4], (String) values[5], (String) values[6], (String) values[7], (String) values[8], (String) values[9], (String) values[10],
          (byte[]) values[11], values.length == UsageEvents.Row.FIELDS
              ? new byte[][] {(byte[]) values[12], (byte[]) values[13], (byte[]) values[14], (byte[]) values[15]} : null), group));
    }
    return new Entry(seq, rows);
  }

  private static void waitOn(Object monitor, long nanos) {
    try {
      TimeUnit.NANOSECONDS.timedWait(monitor, Math.max(1, nanos));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted while waiting for the collector's journal", e);
    }
  }

  /** Whether the JVM is exiting (hooks can no longer be added then): H2 closes its file in its own exit hook. */
  private static boolean exiting() {
    Thread probe = new Thread(() -> { });
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException shuttingDown) {
      return true;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
