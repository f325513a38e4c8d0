package com.plenary.privacy.store;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.audit.Checkpoint;
import com.plenary.privacy.audit.NoteException;
import com.plenary.privacy.audit.NoteSigner;
import com.plenary.privacy.audit.NoteVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The audit log's signed checkpoints (C29), kept apart from the database: an Ed25519 key in the key
 * directory ({@code audit-checkpoint.key}: the C2SP signer key and verifier key, one a line, owner-only)
 * and an append-only file in the data directory ({@code audit-checkpoints.log}: every checkpoint signed,
 * as C2SP signed notes separated by a blank line).
 *
 * <p>The guarantee: whoever can rewrite the database but holds neither the key nor this file cannot
 * make the local check pass, and whoever holds the public key can check a running server from
 * outside against the last checkpoint they saw. The key's name is the log's origin, so the verifier
 * key an auditor is given names the log too. Thread-safe; several processes sharing the data
 * directory append under a file lock.
 */
public final class AuditCheckpoints {
  /** The key file's name in the key directory. */
  public static final String KEY_FILE = "audit-checkpoint.key";
  /** The checkpoint file's name in the data directory. */
  public static final String LOG_FILE = "audit-checkpoints.log";
  /** One monitor a checkpoint file for the logs of this JVM (see {@link #append}). */
  private static final Map<Path, Object> IN_THIS_JVM = new ConcurrentHashMap<>();

  private final NoteSigner signer;
  private final Path log;
  private long lastSize = -1;
  private String lastNote;
  private long lastLength = -1;

  private AuditCheckpoints(NoteSigner signer, Path log) {
    this.signer = signer;
    this.log = log;
  }

  /** The key in {@code keyDir} (made the first time) and the checkpoint file in {@code dataDir}. */
  public static AuditCheckpoints open(Path keyDir, Path dataDir) {
    NoteSigner signer = loadOrCreate(keyDir);
    Path log = dataDir.resolve(LOG_FILE);
    try {
      // owner-only like every file of the platform's in the data directory, however it was left
      if (Files.exists(log)) {
        OwnerOnly.tighten(log);
      } else {
        try {
          Files.createFile(log, OwnerOnly.fileAttributes());
        } catch (FileAlreadyExistsException madeMeanwhile) {
          OwnerOnly.tighten(log);
        }
      }
    } catch (IOException e) {
      throw new PlenaryException("cannot create the checkpoint file at " + log + ": " + e.getMessage(), e);
    }
    return new AuditCheckpoints(signer, log);
  }

  private static NoteSigner loadOrCreate(Path keyDir) {
    Path file = keyDir.resolve(KEY_FILE);
    try {
      if (!Files.isRegularFile(file)) {
        OwnerOnly.directory(keyDir);
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        NoteSigner made = NoteSigner.generate("plenary.audit/" + HexFormat.of().formatHex(id));
        Path tmp = Files.createTempFile(keyDir, KEY_FILE, ".tmp", OwnerOnly.fileAttributes());
        Files.writeString(tmp, made.signerKey() + "\n" + made.verifier().verifierKey() + "\n", StandardCharsets.US_ASCII);
        try {
          Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException other) {
          // another process made it first: its key signs
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
      if (lines.size() < 2) {
        throw new PlenaryException("the audit checkpoint key at " + file + " has not its two lines (signer key, verifier key)");
      }
      return NoteSigner.of(lines.get(0), lines.get(1));
    } catch (IOException | NoteException e) {
      throw new PlenaryException("cannot load or create the audit checkpoint key at " + file + ": " + e.getMessage(), e);
    }
  }

  /** The log's origin, which is also the key's name. */
  public String origin() {
    return signer.name();
  }

  /** The public half: what an auditor is given to check this log. */
  public NoteVerifier verifier() {
    return signer.verifier();
  }

  /**
   * Signs a checkpoint of the tree of {@code size} entries with root {@code root} and appends it, unless
   * one of that size or larger is already in the file. Called after the seal that made the tree committed.
   */
  public synchronized void record(long size, byte[] root) {
    append(size, () -> signer.sign(new Checkpoint(origin(), size, root).body()));
  }

  /**
   * Appends {@code note}, a checkpoint of the tree of {@code size} entries this key signed (by
   * {@link #sign}, for the database's sequence), unless one of that size or larger is already in the
   * file: the seal signs once for both stores.
   */
  public synchronized void record(long size, String note) {
    append(size, () -> note);
  }

  private void append(long size, Supplier<String> signed) {
    if (size <= lastSize && Files.exists(log)) {
      return;
    }
    // a file lock is held for the whole JVM, so two logs of one JVM on the same file (nodes in one test process) take turns here first:
    // the second lock of one JVM would fail (OverlappingFileLockException) instead of waiting
    synchronized (IN_THIS_JVM.computeIfAbsent(log.toAbsolutePath().normalize(), k -> new Object())) {
      appendLocked(size, signed);
    }
  }

  private void appendLocked(long size, Supplier<String> signed) {
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = ch.lock(); // released when the channel closes; another process appends in turn
      assert lock.isValid();
      if (ch.size() != lastLength) {
        readLast(ch);
      }
      if (size <= lastSize) {
        return;
      }
      String note = signed.get();
      byte[] record = (note + "\n").getBytes(StandardCharsets.UTF_8);
      ch.write(ByteBuffer.wrap(record), ch.size());
      ch.force(false);
      lastSize = size;
      lastNote = note;
      lastLength = ch.size();
    } catch (IOException e) {
      throw new PlenaryException("cannot append a checkpoint to " + log + ": " + e.getMessage(), e);
    }
  }

  private void readLast(FileChannel ch) throws IOException {
    List<String> notes = notes(ch);
    lastLength = ch.size();
    for (String note : notes) {
      try {
        Checkpoint c = Checkpoint.parse(verifier().open(note));
        if (c.size() > lastSize) {
          lastSize = c.size();
          lastNote = note;
        }
      } catch (NoteException notOurs) {
        // a record that does not verify is reported by the check of the log, not here
      }
    }
  }

  /** A checkpoint of the tree of {@code size} entries with root {@code root}, signed, as its note; nothing is written. */
  public String sign(long size, byte[] root) {
    return signer.sign(new Checkpoint(origin(), size, root).body());
  }

  /** Opens a signed note of this log: the checkpoint, or why it is not one this key signed. */
  public Signed open(int position, String note) {
    try {
      Checkpoint c = Checkpoint.parse(verifier().open(note));
      return c.origin().equals(origin()) ? new Signed(position, c, null) : new Signed(position, null, "it names another log (" + c.origin() + ")");
    } catch (NoteException e) {
      return new Signed(position, null, e.getMessage());
    }
  }

  /** Whether the newest checkpoint is of a smaller tree than {@code size} entries (or there is none). */
  public boolean behind(long size) {
    latest();
    synchronized (this) {
      return size > Math.max(lastSize, 0) || lastNote == null;
    }
  }

  /** The newest checkpoint signed, as its signed note; empty before the first seal. */
  public synchronized Optional<String> latest() {
    if (!Files.exists(log)) {
      return Optional.empty();
    }
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      if (ch.size() != lastLength) {
        readLast(ch);
      }
      return Optional.ofNullable(lastNote);
    } catch (IOException e) {
      throw new PlenaryException("cannot read the checkpoints at " + log + ": " + e.getMessage(), e);
    }
  }

  /** One record of the file: the checkpoint it signs, or why it is not one this key signed. */
  public record Signed(int position, Checkpoint checkpoint, String problem) {}

  /** Every record in the file, oldest first, each opened with this key. */
  public List<Signed> all() {
    return openAll(notes());
  }

  /** The signed notes in the file, oldest first, as they are written; none before the first seal. */
  public List<String> notes() {
    if (!Files.exists(log)) {
      return List.of();
    }
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
      return notes(ch);
    } catch (IOException e) {
      throw new PlenaryException("cannot read the checkpoints at " + log + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code notes} opened with this key, the first at position 1: their signatures checked on every
   * core at once (a check of the log meets a note per seal), a note met twice checked once.
   */
  public List<Signed> openAll(List<String> notes) {
    Map<String, Signed> byText = new ConcurrentHashMap<>();
    notes.parallelStream().distinct().forEach(note -> byText.put(note, open(0, note)));
    List<Signed> out = new ArrayList<>(notes.size());
    for (int i = 0; i < notes.size(); i++) {
      Signed s = byText.get(notes.get(i));
      out.add(new Signed(i + 1, s.checkpoint(), s.problem()));
    }
    return out;
  }

  /** The signed notes in the file: each is text lines, a blank line, signature lines, and a blank line after. */
  private static List<String> notes(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, ch.size()));
    ch.read(buf, 0);
    String all = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    StringBuilder note = new StringBuilder();
    boolean signatures = false;
    for (String line : all.split("\n", -1)) {
      if (line.isEmpty()) {
        if (signatures) {
          out.add(note.toString());
          note.setLength(0);
          signatures = false;
        } else if (note.length() > 0) {
          note.append('\n');
          signatures = true;
        }
        continue;
      }
      note.append(line).append('\n');
    }
    // a record cut short by a crash while it was written has no closing blank line: it is left out
    return out;
  }
}
