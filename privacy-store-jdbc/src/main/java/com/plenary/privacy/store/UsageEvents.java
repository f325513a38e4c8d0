package com.plenary.privacy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.RawValue;
import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.EventRecords;
import com.plenary.privacy.domain.aggregates.Dimension;
import com.plenary.privacy.store.crypto.Keys.DataKey;
import com.plenary.privacy.store.crypto.Keys.DimensionKey;
import com.plenary.privacy.store.crypto.Keys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.PGCopyOutputStream;

/**
 * Usage events (C3–C7) and partner records (C4, C5). Each event's details are sealed with the key of
 * its owner — the browser, the person, or the partner record — so they go with their owner's key.
 * Browsers are known by a keyed hash of their cookie id, partner records by a keyed hash of the
 * partner's identifier: neither plain value is stored. Appends take whole batches in one transaction
 * with one audit entry per batch (the collector's group commit). Thread-safe.
 */
public final class UsageEvents {
  /**
   * One event to store: who sent it ({@code source}: browser, service or partner, and its name), for
   * what purpose, of what kind, about whom (the browser's cookie, the person, or the partner's
   * identifier), and its details, already minimised (the IP). Made with {@link #builder}.
   */
  public record Event(
      String requestId, String source, String sourceName, String purpose, String kind,
      String browserCookie, String subjectId, String partnerIdentifier, Map<String, Object> details) {

    public static Builder builder(String requestId) {
      return new Builder(requestId);
    }

    /** Builds an {@link Event}; the source, purpose, kind and details are required, the owners optional. */
    public static final class Builder {
      private final String requestId;
      private String source;
      private String sourceName;
      private String purpose;
      private String kind;
      private String browserCookie;
      private String subjectId;
      private String partnerIdentifier;
      private Map<String, Object> details;

      private Builder(String requestId) {
        this.requestId = requestId;
      }

      /** The kind of sender ({@code browser}, {@code service}, {@code partner}) and its name. */
      public Builder source(String kind, String name) {
        this.source = kind;
        this.sourceName = name;
        return this;
      }

      public Builder purpose(String purpose) {
        this.purpose = purpose;
        return this;
      }

      public Builder kind(String kind) {
        this.kind = kind;
        return this;
      }

      /** The browser's id cookie, when a browser is the event's owner. */
      public Builder browser(String cookie) {
        this.browserCookie = cookie;
        return this;
      }

      public Builder subject(String subjectId) {
        this.subjectId = subjectId;
        return this;
      }

      /** The partner's identifier of the visitor (such as the email it knows), when a partner sent it. */
      public Builder partnerIdentifier(String identifier) {
        this.partnerIdentifier = identifier;
        return this;
      }

      public Builder details(Map<String, Object> details) {
        this.details = details;
        return this;
      }

      public Event build() {
        if (source == null || purpose == null || kind == null || details == null) {
          throw new IllegalStateException("an event needs its source, purpose, kind and details");
        }
        return new Event(requestId, source, sourceName, purpose, kind, browserCookie, subjectId, partnerIdentifier, details);
      }
    }
  }

  /**
   * An event as it is stored: its row of {@code usage_event}, the details sealed with the key of its
   * owner ({@code keyOwner}: the partner record, the person or the browser), and its coarse dimension
   * values as tokens of the dimension key ({@code dimensions}: one a dimension of {@link #EVENT_DIMENSIONS},
   * in that order; null for an event made before tokens were, which an aggregate fills when it reads it).
   */
  record Row(String id, String requestId, Instant receivedAt, String source, String sourceName, String purpose, String kind, String keyOwner,
      String browserId, String subjectId, String partnerRecordId, byte[] sealed, byte[][] dimensions) {
    /** The values in the order of {@link #COLUMNS} (the time and the ciphertext are at 2 and 11, the tokens from 12). */
    static final int FIELDS = 16;
    /** The values of a row made before the dimension tokens (journal records and stream events of that format). */
    static final int FIELDS_BEFORE_TOKENS = 12;

    /** The token of event dimension {@code i}, or null. */
    byte[] dimension(int i) {
      return dimensions == null ? null : dimensions[i];
    }
  }

  /** The event dimensions whose tokens a row holds, in the order of their columns ({@code dim_language}, ...). */
  static final List<Dimension> EVENT_DIMENSIONS = List.of(Dimension.LANGUAGE, Dimension.DEVICE_TYPE, Dimension.BROWSER, Dimension.PAGE);
  /** The key store's name of the platform's dimension key. */
  static final String DIMENSION_KEY_ID = "platform-dimensions";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KEY_CACHE = 10_000;
  /** How long an unwrapped key or a browser id is kept in memory: what another node erased is forgotten here within it. */
  static final Duration CACHED_FOR = Duration.ofSeconds(5);

  /** A value kept in memory since {@code at} (System.nanoTime). */
  private record Cached<T>(T value, long at) {
    static <T> Cached<T> now(T value) {
      return new Cached<>(value, System.nanoTime());
    }

    /** The value while it is fresh, else null. */
    T fresh() {
      return System.nanoTime() - at < CACHED_FOR.toNanos() ? value : null;
    }
  }
  /** Journaled events not yet in the table beyond which the collector waits (and, after ten seconds, answers 503). */
  private static final long MAX_JOURNAL_LAG = 200_000;

  private final Jdbi jdbi;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final AuditLog audit;
  private final Clock clock;
  /**
   * Unwrapped owner keys, briefly ({@link #CACHED_FOR}) and in memory only; never written anywhere. Brief
   * because another node may erase the owner: its key then outlives the key-store row here by at most that.
   */
  private final Map<String, Cached<DataKey>> keyCache = new ConcurrentHashMap<>();
  /** Browser ids by cookie, as briefly: another node may erase the browser with its person. */
  private final Map<String, Cached<String>> browserByCookie = new ConcurrentHashMap<>();
  private volatile EventJournal journal;
  private volatile DimensionKey dimensionKey;
  private volatile boolean peopleTokened;

  UsageEvents(Jdbi jdbi, Keys keys, SubjectKeys keyStore, AuditLog audit, Clock clock) {
    this.jdbi = jdbi;
    this.keys = keys;
    this.keyStore = keyStore;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * An event made ready to store: its owner resolved and its details sealed. Preparing is the CPU
   * work of collection and can run on many threads; storing prepared rows is the short part that
   * the collector's single writer does per group.
   */
  public static final class Prepared {
    /** Format 1: without the dimension tokens (read still, the tokens then filled when an aggregate reads the row); 2: with them. */
    private static final byte FORMAT = 2;
    private static final byte FORMAT_BEFORE_TOKENS = 1;
    final Row row;
    final String group;

    Prepared(Row row, String group) {
      this.row = row;
      this.group = group;
    }

    /** The event's id: the key by which storing it twice stores it once ({@link #ingest}). */
    public String id() {
      return row.id();
    }

    /**
     * What keeps one visitor's events in order on an event stream: the person when known, else the
     * browser, else the partner record. A pseudonymous id, never a value.
     */
    public String streamKey() {
      return row.subjectId() != null ? row.subjectId() : row.browserId() != null ? row.browserId() : row.partnerRecordId();
    }

    /**
     * The event as bytes for an event stream: exactly the row the table takes, so the details are
     * sealed with their owner's key (AEAD, associated data {@code event:<id>}) and the browser and
     * partner record appear only as the ids the table holds. Nothing in it is plaintext personal data.
     */
    public byte[] encode() {
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + row.sealed().length);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeUTF(group);
        for (String t : new String[] {row.id(), row.requestId(), row.source(), row.sourceName(), row.purpose(), row.kind(), row.keyOwner(),
            row.browserId(), row.subjectId(), row.partnerRecordId()}) {
          if (t == null) {
            out.writeBoolean(false);
          } else {
            out.writeBoolean(true);
            out.writeUTF(t);
          }
        }
        out.writeLong(row.receivedAt().getEpochSecond());
        out.writeInt(row.receivedAt().getNano());
        out.writeInt(row.sealed().length);
        out.write(row.sealed());
        for (int i = 0; i < EVENT_DIMENSIONS.size(); i++) {
          byte[] token = row.dimension(i);
          out.writeInt(token == null ? -1 : token.length);
          if (token != null) {
            out.write(token);
          }
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * An event {@link #encode}d by any node.
     *
     * @throws InvalidInputException when the bytes are not an encoded event
     */
    public static Prepared decode(byte[] bytes) {
      try {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_BEFORE_TOKENS) {
          throw new InvalidInputException("event", "an encoded event of format " + format + ", not " + FORMAT);
        }
        String group = in.readUTF();
        String[] t = new String[10];
        for (int i = 0; i < t.length; i++) {
          t[i] = in.readBoolean() ? in.readUTF() : null;
        }
        Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
        int length = in.readInt();
        if (length < 0 || length > bytes.length) {
          throw new InvalidInputException("event", "an encoded event with a sealed part of " + length + " bytes");
        }
        byte[] sealed = in.readNBytes(length);
        if (sealed.length != length || t[0] == null) {
          throw new InvalidInputException("event", "an encoded event cut short");
        }
        byte[][] dimensions = null;
        if (format == FORMAT) {
          dimensions = new byte[EVENT_DIMENSIONS.size()][];
          for (int i = 0; i < dimensions.length; i++) {
            int n = in.readInt();
            if (n < -1 || n > bytes.length) {
              throw new InvalidInputException("event", "an encoded event with a dimension token of " + n + " bytes");
            }
            dimensions[i] = n < 0 ? null : in.readNBytes(n);
            if (dimensions[i] != null && dimensions[i].length != n) {
              throw new InvalidInputException("event", "an encoded event cut short");
            }
          }
        }
        return new Prepared(new Row(t[0], t[1], at, t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], sealed, dimensions), group);
      } catch (IOException e) {
        throw new InvalidInputException("event", "an encoded event cut short");
      }
    }
  }

  /** An event's owners: the browser, the person or the partner record its details are sealed for. */
  private record Owners(String browser, String subject, String record, String key) {}

  /** Resolves owners (creating browsers and partner records on first sight) and seals each event's details. */
  public List<Prepared> prepare(List<Event> batch) {
    Instant now = clock.instant();
    List<Owners> owners = owners(batch, now);
    List<Prepared> out = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      out.add(new Prepared(row(batch.get(i), owners.get(i), now), group(batch.get(i))));
    }
    return out;
  }

  /**
   * Stores prepared events; when this returns, all are durable. With the journal on (see
   * {@link #startJournal}) they are appended to it and reach the table within milliseconds; without
   * it they are written in one transaction with one audit entry per source.
   */
  public int store(List<Prepared> rows) {
    EventJournal j = journal;
    if (j != null) {
      j.append(rows);
      return rows.size();
    }
    return inOneTransaction(rows.size(), add -> rows.forEach(p -> add.accept(p.row, p.group)));
  }

  /**
   * Stores events that come from an event stream, where one event may arrive more than once (a
   * consumer that stopped after its rows committed and before its position did, a rebalance that
   * hands a partition over while the old owner still writes): in one transaction, those whose ids are
   * not yet in the table, with one audit entry per source and purpose for them. Two writers of the
   * same ids at once: the second's unique violation rolls it back and it tries again, finding them
   * stored. An event whose owner — person, browser or partner record — no longer exists (erased while
   * the event waited in the stream) is dropped: nothing of an erased person is written after the
   * erasure, and its key is gone anyway. Returns how many events were written. When this returns,
   * they are durable.
   */
  public int ingest(List<Prepared> rows) {
    Map<String, Prepared> byId = new LinkedHashMap<>();
    for (Prepared p : rows) {
      byId.putIfAbsent(p.id(), p);
    }
    if (byId.isEmpty()) {
      return 0;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        return jdbi.inTransaction(h -> {
          List<String> ids = new ArrayList<>(byId.keySet());
          Set<String> stored = new HashSet<>();
          for (int i = 0; i < ids.size(); i += 1000) {
            stored.addAll(h.createQuery("SELECT id FROM usage_event WHERE id IN (<ids>)").bindList("ids", ids.subList(i, Math.min(ids.size(), i + 1000)))
                .mapTo(String.class).list());
          }
          Set<String> gone = goneOwners(h, byId.values());
          List<Prepared> fresh = byId.values().stream()
              .filter(p -> !stored.contains(p.id()) && !gone.contains(p.row.subjectId()) && !gone.contains(p.row.browserId())
                  && !gone.contains(p.row.partnerRecordId()))
              .toList();
          if (fresh.isEmpty()) {
            return 0;
          }
          Map<String, Integer> groups = new TreeMap<>();
          write(h, sink -> fresh.forEach(p -> {
            sink.add(withTokens(p.row));
            groups.merge(p.group, 1, Integer::sum);
          }));
          audit(h, groups);
          return fresh.size();
        });
      } catch (RuntimeException e) {
        if (attempt >= 3 || !uniqueViolation(e)) {
          throw e;
        }
      }
    }
  }

  /** The persons, browsers and partner records the events name that are not (or no longer) in the store. */
  private static Set<String> goneOwners(Handle h, Collection<Prepared> events) {
    Set<String> gone = new HashSet<>();
    Map<String, Function<Prepared, String>> owners = new LinkedHashMap<>();
    owners.put("subject", p -> p.row.subjectId());
    owners.put("browser", p -> p.row.browserId());
    owners.put("partner_record", p -> p.row.partnerRecordId());
    for (var owner : owners.entrySet()) {
      List<String> named = events.stream().map(owner.getValue()).filter(o -> o != null).distinct().toList();
      Set<String> found = new HashSet<>();
      for (int i = 0; i < named.size(); i += 1000) {
        found.addAll(h.createQuery("SELECT id FROM " + owner.getKey() + " WHERE id IN (<ids>)").bindList("ids", named.subList(i, Math.min(named.size(), i + 1000)))
            .mapTo(String.class).list());
      }
      named.stream().filter(o -> !found.contains(o)).forEach(gone::add);
    }
    return gone;
  }

  private static boolean uniqueViolation(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  // ---- the collector's journal ----

  /**
   * Makes {@link #store} durable through the collector's journal in {@code dir} (see
   * {@link EventJournal}): what an earlier process left there is replayed first. Fails when another
   * process uses the directory.
   */
  public void startJournal(Path dir, boolean sync) {
    if (journal != null) {
      throw new IllegalStateException("the journal is already started");
    }
    journal = openJournal(dir, sync).orElseThrow(() -> new StoreException("the collector's journal in " + dir
        + " is in use by another process (is a server already running on this data directory?)"));
  }

  /**
   * Replays what a stopped process left in the journal in {@code dir} into the table. Returns false
   * (and does nothing) when another running process holds the directory: it replays its own journal.
   */
  public boolean recoverJournal(Path dir) {
    if (journal != null || !Files.isDirectory(dir)) {
      return true; // this process's own journal replayed when it started, or there is none
    }
    Optional<EventJournal> j = openJournal(dir, true);
    j.ifPresent(EventJournal::close);
    return j.isPresent();
  }

  /** Moves what is journaled into the table (waiting up to {@code timeout}) and stops journaling. */
  public void stopJournal(Duration timeout) {
    EventJournal j = journal;
    if (j != null) {
      j.close(timeout);
      journal = null;
    }
  }

  /** Events journaled and not yet in the table; 0 without a journal. */
  public long journalLag() {
    return ofJournal(EventJournal::lag);
  }

  /** Events this process moved from its journal into the table; 0 without a journal. */
  public long journalAppliedEvents() {
    return ofJournal(EventJournal::appliedRows);
  }

  /** The transactions that moved them; 0 without a journal. */
  public long journalTransactions() {
    return ofJournal(EventJournal::transactions);
  }

  /** How many times moving journaled events into the table failed (each is retried). */
  public long journalFailures() {
    return ofJournal(EventJournal::failures);
  }

  private long ofJournal(ToLongFunction<EventJournal> figure) {
    EventJournal j = journal;
    return j == null ? 0 : figure.applyAsLong(j);
  }

  /**
   * Waits until every event acknowledged so far is in the table: reads, erasure, retention and
   * sign-in's attachment call this first, so the journal is never visible as missing data.
   */
  public void settle() {
    EventJournal j = journal;
    if (j != null) {
      j.awaitApplied(Duration.ofSeconds(30));
    }
  }

  private Optional<EventJournal> openJournal(Path dir, boolean sync) {
    return EventJournal.open(dir, sync, MAX_JOURNAL_LAG, () -> {
      // read with the directory held, so what an earlier holder applied is not replayed again
      String id = journalId(dir);
      long appliedSeq = jdbi.inTransaction(h -> {
        Optional<Long> at = h.createQuery("SELECT applied_seq FROM collector_journal WHERE journal_id = :j").bind("j", id).mapTo(Long.class).findOne();
        if (at.isEmpty()) {
          h.createUpdate("INSERT INTO collector_journal (journal_id, applied_seq) VALUES (:j, 0)").bind("j", id).execute();
        }
        return at.orElse(0L);
      });
      return new EventJournal.Start(appliedSeq, (rows, lastSeq) -> applyJournaled(id, rows, lastSeq));
    }, this::syncDatabase);
  }

  /** The journal directory's own id (its row in {@code collector_journal}), made on first use. */
  static String journalId(Path dir) {
    try {
      OwnerOnly.directory(dir);
      Path file = dir.resolve("id");
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      String id = "j-" + UUID.randomUUID();
      Path tmp = dir.resolve("id.tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, OwnerOnly.fileAttributes());
      Files.writeString(tmp, id, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return id;
    } catch (IOException e) {
      throw new StoreException("cannot use the collector's journal in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** One transaction: the rows, their audit entries, and the journal's applied position, so none is applied twice. */
  void applyJournaled(String journalId, List<Prepared> rows, long lastSeq) {
    inOneTransaction(rows.size(), add -> rows.forEach(p -> add.accept(withTokens(p.row), p.group)), h -> {
      int moved = h.createUpdate("UPDATE collector_journal SET applied_seq = :s WHERE journal_id = :j AND applied_seq < :s")
          .bind("s", lastSeq).bind("j", journalId).execute();
      if (moved != 1) {
        throw new StoreException("the collector's journal " + journalId + " is out of step with the store (already applied past " + lastSeq + ")");
      }
    });
  }


  /** Before journal segments are deleted: H2 writes its file without syncing, so it is told to sync it. */
  private void syncDatabase() {
    jdbi.useHandle(h -> {
      try {
        if ("H2".equals(h.getConnection().getMetaData().getDatabaseProductName())) {
          h.execute("CHECKPOINT SYNC");
        }
      } catch (SQLException e) {
        throw new StoreException("cannot sync the database before dropping applied journal segments: " + e.getMessage(), e);
      }
    });
  }

  /**
   * Prepares and stores a batch in one transaction; when this returns, every event of it is durable.
   * Owners are resolved first (a batch with an event that has none stores nothing); then each event
   * is sealed and written straight into the open COPY stream, so that PostgreSQL takes in the first
   * rows while the later ones are being sealed.
   */
  public int append(List<Event> batch) {
    Instant now = clock.instant();
    List<Owners> owners = owners(batch, now);
    return inOneTransaction(batch.size(), add -> {
      for (int i = 0; i < batch.size(); i++) {
        add.accept(row(batch.get(i), owners.get(i), now), group(batch.get(i)));
      }
    });
  }

  /**
   * Writes the rows that {@code rows} hands over (each with its audit group) in one transaction, then
   * one audit entry per group; the rows go to the database as they are handed over.
   */
  private int inOneTransaction(int count, Consumer<BiConsumer<Row, String>> rows) {
    return inOneTransaction(count, rows, h -> { });
  }

  /** As above, with {@code also} done in the same transaction (the journal's applied position). */
  private int inOneTransaction(int count, Consumer<BiConsumer<Row, String>> rows,
      Consumer<Handle> also) {
    if (count == 0) {
      return 0;
    }
    return jdbi.inTransaction(h -> {
      Map<String, Integer> groups = new TreeMap<>();
      write(h, sink -> rows.accept((row, group) -> {
        sink.add(row);
        groups.merge(group, 1, Integer::sum);
      }));
      audit(h, groups);
      also.accept(h);
      return count;
    });
  }

  private List<Owners> owners(List<Event> batch, Instant now) {
    List<Owners> out = new ArrayList<>(batch.size());
    for (Event e : batch) {
      String browser = e.browserCookie() == null ? null : browser(e.browserCookie(), now);
      String subject = e.subjectId();
      String record = e.partnerIdentifier() == null ? null : partnerRecord(e.sourceName(), e.partnerIdentifier(), now);
      String key = record != null ? record : subject != null ? subject : browser;
      if (key == null) {
        throw new InvalidInputException("events", "an event needs a browser, a person or a partner identifier");
      }
      out.add(new Owners(browser, subject, record, key));
    }
    return out;
  }

  private Row row(Event e, Owners o, Instant now) {
    String id = "e-" + Ids.timeOrdered(now.toEpochMilli());
    return new Row(id, e.requestId(), now, e.source(), e.sourceName(), e.purpose(), e.kind(), o.key(),
        o.browser(), o.subject(), o.record(), key(o.key()).seal("event:" + id, json(e.details())), dimensionTokens(e.details(), now));
  }

  /**
   * {@code row} with its dimension tokens: as it is when it has them; else (a journal record or stream event
   * of a node from before the tokens) with them made from its details, opened with its owner's key. Left
   * without when that key is gone: the owner was erased and the row goes with them.
   */
  private Row withTokens(Row row) {
    if (row.dimensions() != null) {
      return row;
    }
    Map<String, DataKey> owner = new HashMap<>();
    keysFor(List.of(row.keyOwner()), owner);
    Map<String, Object> details = open(owner.get(row.keyOwner()), row.id(), row.sealed());
    return details == null ? row : new Row(row.id(), row.requestId(), row.receivedAt(), row.source(), row.sourceName(), row.purpose(), row.kind(),
        row.keyOwner(), row.browserId(), row.subjectId(), row.partnerRecordId(), row.sealed(), dimensionTokens(details, row.receivedAt()));
  }

  /** The tokens of an event's coarse dimension values, in the order of {@link #EVENT_DIMENSIONS}. */
  byte[][] dimensionTokens(Map<String, Object> details, Instant receivedAt) {
    DimensionKey key = dimensionKey();
    byte[][] out = new byte[EVENT_DIMENSIONS.size()][];
    for (int i = 0; i < out.length; i++) {
      Dimension d = EVENT_DIMENSIONS.get(i);
      out[i] = key.token(d.id(), d.ofEvent(details, receivedAt));
    }
    return out;
  }

  /** Whether an aggregate found every person with their tokens (V53): true stays true, as people are registered with theirs. */
  boolean peopleTokened() {
    return peopleTokened;
  }

  void peopleTokened(boolean all) {
    peopleTokened = all;
  }

  /**
   * The platform's dimension key (C27), kept wrapped by the master key in the key store under
   * {@link #DIMENSION_KEY_ID}; made on first use. Two nodes making it at once: the second's insert fails
   * on the key store's primary key and it reads the first's.
   */
  DimensionKey dimensionKey() {
    DimensionKey k = dimensionKey;
    if (k != null) {
      return k;
    }
    synchronized (this) {
      if (dimensionKey == null) {
        Optional<SubjectKeys.Wrapped> stored = keyStore.get(DIMENSION_KEY_ID);
        if (stored.isEmpty()) {
          DimensionKey made = keys.newDimensionKey(DIMENSION_KEY_ID);
          try {
            keyStore.put(DIMENSION_KEY_ID, made.wrapped(), made.version());
            stored = Optional.of(new SubjectKeys.Wrapped(made.wrapped(), made.version()));
          } catch (RuntimeException e) {
            stored = keyStore.get(DIMENSION_KEY_ID);
            if (stored.isEmpty()) {
              throw e;
            }
          }
        }
        dimensionKey = keys.openDimensionKey(DIMENSION_KEY_ID, stored.get().wrapped(), stored.get().version());
      }
      return dimensionKey;
    }
  }

  /**
   * Deletes, within {@code h}'s transaction, every event received at or before {@code cutoff}:
   * time-ordered ids by a key range, and those stored before ids were time-ordered through the list
   * migration V9 made of them. Returns how many events were deleted.
   */
  static int deleteReceivedBy(Handle h, Instant cutoff) {
    OffsetDateTime at = cutoff.atOffset(ZoneOffset.UTC);
    int n = h.createUpdate("DELETE FROM usage_event WHERE id < :below AND received_at <= :cutoff")
        .bind("below", idsBefore(cutoff)).bind("cutoff", at).execute();
    n += h.createUpdate("DELETE FROM usage_event WHERE id IN (SELECT id FROM usage_event_legacy_id WHERE received_at <= :cutoff)")
        .bind("cutoff", at).execute();
    h.createUpdate("DELETE FROM usage_event_legacy_id WHERE received_at <= :cutoff").bind("cutoff", at).execute();
    return n;
  }

  /**
   * The smallest event id of a time after {@code t}'s millisecond: every time-ordered event id
   * received at or before {@code t} sorts below it (ids are "e-" + a version 7 UUID, whose first 48
   * bits, the first 12 hex digits, are the millisecond of {@code received_at}; lower-case hex sorts as
   * numbers do). Events received later in the same millisecond also sort below, so callers add the
   * exact condition on {@code received_at}.
   */
  static String idsBefore(Instant t) {
    String hex = String.format("%012x", (t.toEpochMilli() + 1) & 0xFFFF_FFFF_FFFFL);
    return "e-" + hex.substring(0, 8) + "-" + hex.substring(8);
  }

  private static String group(Event e) {
    return e.source() + ":" + e.sourceName() + ":" + e.purpose();
  }

  private void audit(Handle h, Map<String, Integer> groups) {
    for (var g : groups.entrySet()) {
      String[] parts = g.getKey().split(":", 3);
      // each event was decided by the enforcer when it arrived; this records what the batch stored
      audit.append(h, AuditRecord.recorded(parts[0], parts[1], "collect").purpose(parts[2]).categories(List.of("user.device", "user.behavior"))
          .rules(List.of("collected:" + g.getValue())).clauses(List.of("C3", "C7")).build());
    }
  }

  private static final String COLUMNS = "id, request_id, received_at, source, source_name, purpose, kind, key_owner, browser_id, subject_id, partner_record_id, sealed, "
      + "dim_language, dim_device_type, dim_browser, dim_page";

  /** Where a transaction's event rows go as they are made. */
  private interface Sink {
    void add(Row row);
  }

  @FunctionalInterface
  private interface Producer {
    void produce(Sink sink);
  }

  /**
   * Writes the rows the producer makes: on PostgreSQL into a binary COPY stream that is sent as it
   * fills (the fastest path it has, and PostgreSQL works while the rest is made), elsewhere as one
   * JDBC batch. A failure part-way cancels the COPY so the transaction rolls back whole.
   */
  private static void write(Handle h, Producer producer) {
    Connection c = h.getConnection();
    CopyIn copy = null;
    try {
      if (c.isWrapperFor(PGConnection.class)) {
        copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY usage_event (" + COLUMNS + ") FROM STDIN WITH (FORMAT binary)");
        BinaryCopy out = new BinaryCopy(new PGCopyOutputStream(copy, 1 << 16));
        producer.produce(out::row);
        out.finish();
        return;
      }
    } catch (SQLException | IOException | UncheckedIOException e) {
      cancel(copy);
      throw new StoreException("cannot store a batch of events: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      cancel(copy);
      throw e;
    }
    // plain JDBC: binding through Jdbi per value made more garbage than the rows themselves
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO usage_event (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      producer.produce(r -> {
        try {
          insert.setString(1, r.id());
          insert.setString(2, r.requestId());
          insert.setObject(3, r.receivedAt().atOffset(ZoneOffset.UTC));
          insert.setString(4, r.source());
          insert.setString(5, r.sourceName());
          insert.setString(6, r.purpose());
          insert.setString(7, r.kind());
          insert.setString(8, r.keyOwner());
          insert.setString(9, r.browserId());
          insert.setString(10, r.subjectId());
          insert.setString(11, r.partnerRecordId());
          insert.setBytes(12, r.sealed());
          for (int i = 0; i < EVENT_DIMENSIONS.size(); i++) {
            insert.setBytes(13 + i, r.dimension(i));
          }
          insert.addBatch();
        } catch (SQLException e) {
          throw new StoreException("cannot store a batch of events: " + e.getMessage(), e);
        }
      });
      insert.executeBatch();
    } catch (SQLException e) {
      throw new StoreException("cannot store a batch of events: " + e.getMessage(), e);
    }
  }

  private static void cancel(CopyIn copy) {
    try {
      if (copy != null && copy.isActive()) {
        copy.cancelCopy();
      }
    } catch (SQLException ignored) {
      // the transaction rolls back either way
    }
  }

  /**
   * Rows in PostgreSQL's binary COPY format: texts as UTF-8, times as microseconds since 2000-01-01
   * UTC, ciphertexts as raw bytes (no hex doubling, no quoting).
   */
  static final class BinaryCopy {
    private static final long PG_EPOCH_MICROS = Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000L;
    private final OutputStream target;
    private final DataOutputStream out;

    BinaryCopy(OutputStream target) throws IOException {
      this.target = target;
      this.out = new DataOutputStream(target);
      out.write(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0});
      out.writeInt(0); // flags
      out.writeInt(0); // header extension
    }

    void row(Row r) {
      try {
        out.writeShort(Row.FIELDS);
        text(r.id());
        text(r.requestId());
        out.writeInt(8);
        Instant t = r.receivedAt();
        out.writeLong(t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000 - PG_EPOCH_MICROS);
        text(r.source());
        text(r.sourceName());
        text(r.purpose());
        text(r.kind());
        text(r.keyOwner());
        text(r.browserId());
        text(r.subjectId());
        text(r.partnerRecordId());
        out.writeInt(r.sealed().length);
        out.write(r.sealed());
        for (int i = 0; i < EVENT_DIMENSIONS.size(); i++) {
          byte[] token = r.dimension(i);
          out.writeInt(token == null ? -1 : token.length);
          if (token != null) {
            out.write(token);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private void text(String v) throws IOException {
      AuditRows.text(out, v);
    }

    void finish() throws IOException {
      out.writeShort(-1);
      out.flush();
      target.close();
    }
  }

  /**
   * C6: on sign-in, the browser is tied to the person and its earlier events are attached. Later
   * events of the browser reach the person through the browser (or carry them directly, when sent
   * with a session). Returns how many events were attached now.
   */
  int attachBrowser(Handle h, String cookie, String subjectId) {
    String index = keys.browserIndex(cookie);
    Optional<String> browser = h.createQuery("SELECT id FROM browser WHERE cookie_index = :i").bind("i", index).mapTo(String.class).findOne();
    if (browser.isEmpty()) {
      return 0;
    }
    h.createUpdate("UPDATE browser SET subject_id = :s WHERE id = :b").bind("s", subjectId).bind("b", browser.get()).execute();
    return h.createUpdate("UPDATE usage_event SET subject_id = :s WHERE browser_id = :b AND subject_id IS NULL").bind("s", subjectId).bind("b", browser.get()).execute();
  }


  /**
   * C5: links a partner's record of someone to the person within {@code h}'s transaction, as a
   * processing step with its purpose; the enforcer has decided it there. The identifier (such as the
   * email the partner knows) is hashed with the blind-index key. A partner's record is one visitor: a
   * record linked to anyone already is a {@link Conflict}.
   */
  EventRecords.Link link(Handle h, String subjectId, String partner, String identifier, String purpose, String linkedBy, Instant now) {
    String record = partnerRecord(partner, identifier, now);
    String id = "ln-" + UUID.randomUUID();
    int existing = h.createQuery("SELECT COUNT(*) FROM partner_link WHERE partner_record_id = :r").bind("r", record).mapTo(Integer.class).one();
    if (existing > 0) {
      throw new Conflict("this partner record is already linked to a person; a partner's record stands for one visitor");
    }
    h.createUpdate("INSERT INTO partner_link (id, subject_id, partner_record_id, purpose, linked_by, created_at) VALUES (:id, :s, :r, :p, :by, :at)")
        .bind("id", id).bind("s", subjectId).bind("r", record).bind("p", purpose).bind("by", linkedBy).bind("at", now.atOffset(ZoneOffset.UTC)).execute();
    return new EventRecords.Link(id, partner, purpose, linkedBy, now);
  }

  static List<EventRecords.Link> links(Handle h, String subjectId) {
    return h.createQuery("SELECT l.id, r.partner, l.purpose, l.linked_by, l.created_at FROM partner_link l JOIN partner_record r ON r.id = l.partner_record_id "
            + "WHERE l.subject_id = :s ORDER BY l.created_at").bind("s", subjectId)
        .map((rs, ctx) -> new EventRecords.Link(rs.getString("id"), rs.getString("partner"), rs.getString("purpose"), rs.getString("linked_by"),
            rs.getObject("created_at", OffsetDateTime.class).toInstant())).list();
  }

  /**
   * The person's events and those of their browsers and linked partner records, oldest first,
   * opened one at a time as the caller iterates: an export of any size streams without holding the
   * events in memory. Iterate within {@code h}'s transaction; each iteration runs the query again.
   */
  Iterable<Map<String, Object>> eventsOf(Handle h, String subjectId) {
    // three indexed look-ups (not one OR, which would scan the table), disjoint so no de-duplication is needed:
    // the person's own events; their browsers' events not yet carrying them; their linked partner records' events
    return () -> {
      var rows = h.createQuery("SELECT * FROM (SELECT e.* FROM usage_event e WHERE e.subject_id = :s "
              + "UNION ALL SELECT e.* FROM usage_event e JOIN browser b ON b.id = e.browser_id WHERE b.subject_id = :s AND e.subject_id IS NULL "
              + "UNION ALL SELECT e.* FROM usage_event e JOIN partner_link l ON l.partner_record_id = e.partner_record_id "
              + "WHERE l.subject_id = :s AND e.subject_id IS NULL AND e.browser_id IS NULL) x "
              + "ORDER BY received_at, id")
          .bind("s", subjectId).setFetchSize(1000).map((rs, ctx) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            String id = rs.getString("id");
            m.put("id", id);
            m.put("received_at", rs.getObject("received_at", OffsetDateTime.class).toInstant());
            m.put("source", rs.getString("source"));
            m.put("from", rs.getString("source_name"));
            m.put("purpose", rs.getString("purpose"));
            m.put("kind", rs.getString("kind"));
            // the opened JSON goes out as it is: parsing small documents only to write them again would double the cost
            m.put("details", new RawValue(key(rs.getString("key_owner")).open("event:" + id, rs.getBytes("sealed"))));
            return m;
          }).iterator();
      return rows;
    };
  }

  /**
   * Deletes the person's events, browsers and linked partner records within {@code h}'s transaction;
   * answers the counts and the key owners whose keys must then be destroyed.
   */
  EventRecords.Erased eraseFor(Handle h, String subjectId) {
    List<String> keysToDestroy = new ArrayList<>();
    Map<String, Integer> counts = new TreeMap<>();
    List<String> browsers = h.createQuery("SELECT id FROM browser WHERE subject_id = :s").bind("s", subjectId).mapTo(String.class).list();
    List<String> records = h.createQuery("SELECT partner_record_id FROM partner_link WHERE subject_id = :s").bind("s", subjectId).mapTo(String.class).list();
    int events = h.createUpdate("DELETE FROM usage_event WHERE subject_id = :s").bind("s", subjectId).execute();
    for (String b : browsers) {
      events += h.createUpdate("DELETE FROM usage_event WHERE browser_id = :b").bind("b", b).execute();
      h.createUpdate("DELETE FROM browser WHERE id = :b").bind("b", b).execute();
    }
    for (String r : records) {
      events += h.createUpdate("DELETE FROM usage_event WHERE partner_record_id = :r").bind("r", r).execute();
      h.createUpdate("DELETE FROM partner_record WHERE id = :r").bind("r", r).execute();
    }
    for (String owner : concat(browsers, records)) {
      keyCache.remove(owner);
      keysToDestroy.add(owner);
    }
    browserByCookie.values().removeIf(c -> browsers.contains(c.value()));
    if (events > 0) {
      counts.put("usage_events", events);
    }
    if (!browsers.isEmpty()) {
      counts.put("browsers", browsers.size());
    }
    if (!records.isEmpty()) {
      counts.put("partner_records", records.size());
    }
    return new EventRecords.Erased(counts, keysToDestroy);
  }

  /**
   * How many of the given request ids have a stored event; for checking that nothing acknowledged
   * was lost. Request ids are not indexed (every event would pay for it), so this scans the table.
   */
  public int countByRequestIds(Collection<String> requestIds) {
    settle();
    int total = 0;
    List<String> ids = new ArrayList<>(requestIds);
    for (int i = 0; i < ids.size(); i += 500) {
      List<String> chunk = ids.subList(i, Math.min(ids.size(), i + 500));
      total += jdbi.withHandle(h -> h.createQuery("SELECT COUNT(DISTINCT request_id) FROM usage_event WHERE request_id IN (<ids>)")
          .bindList("ids", chunk).mapTo(Integer.class).one());
    }
    return total;
  }

  public long count() {
    settle();
    return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM usage_event").mapTo(Long.class).one());
  }

  /** The newest events stored (by their time-ordered ids), opened; only inside a transaction whose use the enforcer has decided. */
  List<Map<String, Object>> newest(Handle h, int limit) {
    List<Map<String, Object>> out = new ArrayList<>();
    // the highest ids are the newest milliseconds (read through the key); within a millisecond ids
    // are random, so those few are put in order by their microsecond times
    h.createQuery("SELECT * FROM (SELECT id, received_at, source, source_name, purpose, kind, key_owner, browser_id, subject_id, sealed "
            + "FROM usage_event ORDER BY id DESC LIMIT :wide) newest ORDER BY received_at DESC, id DESC LIMIT :n")
        .bind("wide", limit + 1000).bind("n", limit).mapToMap().forEach(r -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("id", r.get("id"));
          m.put("source", r.get("source"));
          m.put("from", r.get("source_name"));
          m.put("purpose", r.get("purpose"));
          m.put("kind", r.get("kind"));
          m.put("browser", r.get("browser_id"));
          m.put("subject", r.get("subject_id"));
          m.put("details", parse(key((String) r.get("key_owner")).open("event:" + r.get("id"), (byte[]) r.get("sealed"))));
          out.add(m);
        });
    return out;
  }

  // ---- owners and keys ----

  private String browser(String cookie, Instant now) {
    Cached<String> c = browserByCookie.get(cookie);
    String cached = c == null ? null : c.fresh();
    if (cached != null) {
      return cached;
    }
    String index = keys.browserIndex(cookie);
    String id = firstOrCreate(
        () -> jdbi.withHandle(h -> h.createQuery("SELECT id FROM browser WHERE cookie_index = :i").bind("i", index).mapTo(String.class).findOne()),
        created -> jdbi.useHandle(h -> h.createUpdate("INSERT INTO browser (id, cookie_index, created_at) VALUES (:id, :i, :at)").bind("id", created)
            .bind("i", index).bind("at", now.atOffset(ZoneOffset.UTC)).execute()),
        "b-");
    if (browserByCookie.size() > KEY_CACHE) {
      browserByCookie.clear();
    }
    browserByCookie.put(cookie, Cached.now(id));
    return id;
  }

  /**
   * The owner found by {@code find}, or a new one (with its key) made by {@code create}. When two
   * threads or nodes make the same owner at once, the unique index lets one win and the other
   * takes the winner's row and drops its own key.
   */
  private String firstOrCreate(Supplier<Optional<String>> find, Consumer<String> create, String prefix) {
    Optional<String> found = find.get();
    if (found.isPresent()) {
      return found.get();
    }
    String created = prefix + UUID.randomUUID();
    newKey(created);
    try {
      create.accept(created);
      return created;
    } catch (UnableToExecuteStatementException e) {
      keyStore.delete(created);
      keyCache.remove(created);
      return find.get().orElseThrow(() -> e);
    }
  }

  private String partnerRecord(String partner, String identifier, Instant now) {
    String index = keys.linkIndex(partner, identifier.trim().toLowerCase(Locale.ROOT));
    return firstOrCreate(
        () -> jdbi.withHandle(h -> h.createQuery("SELECT id FROM partner_record WHERE partner = :p AND link_index = :i").bind("p", partner).bind("i", index)
            .mapTo(String.class).findOne()),
        created -> jdbi.useHandle(h -> h.createUpdate("INSERT INTO partner_record (id, partner, link_index, created_at) VALUES (:id, :p, :i, :at)")
            .bind("id", created).bind("p", partner).bind("i", index).bind("at", now.atOffset(ZoneOffset.UTC)).execute()),
        "pr-");
  }


  private void newKey(String owner) {
    DataKey key = keys.newDataKey(owner);
    keyStore.put(owner, key.wrapped(), key.version());
    keyCache.put(owner, Cached.now(key));
  }

  private DataKey key(String owner) {
    Cached<DataKey> c = keyCache.get(owner);
    DataKey k = c == null ? null : c.fresh();
    if (k != null) {
      return k;
    }
    SubjectKeys.Wrapped w = keyStore.get(owner).orElseThrow(() -> new StoreException("the key of an event owner is missing from the key store"));
    k = keys.open(owner, w.wrapped(), w.version());
    if (keyCache.size() > KEY_CACHE) {
      keyCache.clear();
    }
    keyCache.put(owner, Cached.now(k));
    return k;
  }

  /** One event's details, opened with its owner's key: for a use the enforcer has let read them (an aggregate's dimensions). */
  Map<String, Object> open(String keyOwner, String id, byte[] sealed) {
    return parse(key(keyOwner).open("event:" + id, sealed));
  }

  /**
   * The data keys of many owners for one scan, read from the key store in one look-up ({@code into}
   * keeps them for the scan; the shared cache is neither read nor filled, so a scan of many owners
   * does not push out the collector's). An owner whose key is gone (erased meanwhile) is left out.
   */
  void keysFor(Collection<String> owners, Map<String, DataKey> into) {
    List<String> missing = owners.stream().filter(o -> !into.containsKey(o)).distinct().toList();
    if (missing.isEmpty()) {
      return;
    }
    keyStore.getAll(missing).forEach((owner, w) -> into.put(owner, keys.open(owner, w.wrapped(), w.version())));
  }

  /** One event's details, opened with its owner's key from {@link #keysFor}; null when that key is gone. */
  static Map<String, Object> open(DataKey key, String id, byte[] sealed) {
    return key == null ? null : parse(key.open("event:" + id, sealed));
  }

  /** Forgets cached keys of the person (on erasure) so none outlives their key-store row. */
  void forget(String owner) {
    keyCache.remove(owner);
  }

  private static String json(Map<String, Object> details) {
    try {
      return JSON.writeValueAsString(details);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("details", "the event's details cannot be written");
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, Map.class);
    } catch (JsonProcessingException e) {
      return new HashMap<>();
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
