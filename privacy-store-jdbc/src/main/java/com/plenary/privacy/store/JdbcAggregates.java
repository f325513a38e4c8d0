package com.plenary.privacy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.AggregateRecords;
import com.plenary.privacy.domain.PersonRecords;
import com.plenary.privacy.domain.aggregates.Dimension;
import com.plenary.privacy.store.crypto.Keys;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Aggregate statistics over one transaction's handle (C27): events read a period at a time, each opened
 * with its owner's key only to take the dimensions asked; a person's dimensions opened from their
 * registration once a person; releases and budgets in their tables (V29).
 */
final class JdbcAggregates implements AggregateRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<Map<String, Object>>> CELLS = new TypeReference<>() {};
  private static final int FETCH = 2_000;
  /** Owners' keys a scan keeps at most (a chunk's are read again after the set is cleared). */
  private static final int KEYS_KEPT = 200_000;

  private final Handle h;
  private final UsageEvents usage;
  private final PersonRecords people;

  JdbcAggregates(Handle h, UsageEvents usage, PersonRecords people) {
    this.h = h;
    this.usage = usage;
    this.people = people;
  }

  @Override
  public void scan(List<Dimension> dimensions, Instant from, Instant until, Sink sink) {
    boolean eventDims = dimensions.stream().anyMatch(d -> !d.ofPerson());
    LocalDate day = LocalDate.ofInstant(until.minusMillis(1), ZoneOffset.UTC);
    Scan scan = new Scan(dimensions, eventDims, day, sink);
    String columns = "SELECT id, received_at, key_owner, browser_id, subject_id, partner_record_id" + (eventDims ? ", sealed" : "") + " FROM usage_event ";
    // time-ordered ids: the primary key bounds the period; the exact condition on received_at follows
    String range = "WHERE id >= :low AND id < :high AND received_at >= :from AND received_at < :until ORDER BY id";
    String legacy = "WHERE id IN (SELECT id FROM usage_event_legacy_id WHERE received_at >= :from AND received_at < :until)";
    for (String where : List.of(range, legacy)) {
      h.createQuery(columns + where).setFetchSize(FETCH)
          .bind("low", UsageEvents.idsBefore(from.minusMillis(1))).bind("high", UsageEvents.idsBefore(until.minusMillis(1)))
          .bind("from", from.atOffset(ZoneOffset.UTC)).bind("until", until.atOffset(ZoneOffset.UTC))
          .map((rs, ctx) -> {
            scan.add(rs);
            return 0;
          }).forEach(x -> { });
      scan.flush();
    }
  }

  /** One event as read, before it is opened. */
  private record Read(String id, String unit, String subject, Instant at, String owner, byte[] sealed) {}

  /**
   * A scan's events, taken a chunk at a time: the owners' data keys of a chunk are read from the key
   * store in one look-up, and the person dimensions of its new people opened in one look-up a
   * dimension, rather than one round trip an owner or a person.
   */
  private final class Scan {
    private final List<Dimension> dimensions;
    private final boolean eventDims;
    private final LocalDate day;
    private final Sink sink;
    private final Map<String, Keys.DataKey> keys = new HashMap<>();
    private final Map<String, List<String>> personValues = new HashMap<>();
    private final List<Read> chunk = new ArrayList<>(FETCH);

    Scan(List<Dimension> dimensions, boolean eventDims, LocalDate day, Sink sink) {
      this.dimensions = dimensions;
      this.eventDims = eventDims;
      this.day = day;
      this.sink = sink;
    }

    void add(ResultSet rs) throws SQLException {
      String subject = rs.getString("subject_id");
      String unit = subject != null ? subject : rs.getString("browser_id") != null ? "b:" + rs.getString("browser_id") : "p:" + rs.getString("partner_record_id");
      chunk.add(new Read(rs.getString("id"), unit, subject, rs.getObject("received_at", OffsetDateTime.class).toInstant(), rs.getString("key_owner"),
          eventDims ? rs.getBytes("sealed") : null));
      if (chunk.size() >= FETCH) {
        flush();
      }
    }

    void flush() {
      if (chunk.isEmpty()) {
        return;
      }
      if (eventDims) {
        if (keys.size() > KEYS_KEPT) {
          keys.clear();
        }
        usage.keysFor(chunk.stream().map(Read::owner).toList(), keys);
      }
      openPeople(chunk.stream().map(Read::subject).filter(sj -> sj != null && !personValues.containsKey(sj)).distinct().toList());
      for (Read r : chunk) {
        Map<String, Object> details = eventDims ? UsageEvents.open(keys.get(r.owner()), r.id(), r.sealed()) : Map.of();
        if (details == null) {
          continue; // its owner was erased while the scan ran: the event is being deleted with them
        }
        List<String> person = r.subject() == null ? null : personValues.get(r.subject());
        List<String> values = new ArrayList<>(dimensions.size());
        for (int i = 0; i < dimensions.size(); i++) {
          Dimension d = dimensions.get(i);
          if (d.ofPerson()) {
            values.add(person == null ? Dimension.UNKNOWN : person.get(i));
          } else {
            values.add(d.ofEvent(details, r.at()));
          }
        }
        sink.accept(r.unit(), List.copyOf(values));
      }
      chunk.clear();
    }

    /** The person dimensions of {@code subjects}: only the registration fields the dimensions ask read, one look-up a field. */
    private void openPeople(List<String> subjects) {
      if (subjects.isEmpty()) {
        return;
      }
      List<Map<String, String>> fields = new ArrayList<>(dimensions.size());
      for (Dimension d : dimensions) {
        fields.add(d.ofPerson() ? people.openAll(subjects, d.field()) : Map.of());
      }
      for (String subject : subjects) {
        List<String> out = new ArrayList<>(dimensions.size());
        for (int i = 0; i < dimensions.size(); i++) {
          Dimension d = dimensions.get(i);
          out.add(d.ofPerson() ? d.ofPerson(fields.get(i).get(subject), day) : null);
        }
        personValues.put(subject, out);
      }
    }
  }

  @Override
  public List<Map<List<String>, Long>> overlapping(String unit, List<String> dimensions, LocalDate from, LocalDate to) {
    return h.createQuery("SELECT cells FROM aggregate_release WHERE unit = :unit AND dimensions = :dims AND period_from <= :to AND period_to >= :from")
        .bind("unit", unit).bind("dims", String.join(",", dimensions)).bind("from", from).bind("to", to)
        .mapTo(String.class).list().stream().map(JdbcAggregates::cells).toList();
  }

  @Override
  public void record(Release r) {
    h.createUpdate("INSERT INTO aggregate_release (id, released_at, released_by, recipient, unit, dimensions, period_from, period_to, epsilon, cells) "
            + "VALUES (:id, :at, :by, :recipient, :unit, :dims, :from, :to, :epsilon, :cells)")
        .bind("id", r.id()).bind("at", r.at().atOffset(ZoneOffset.UTC)).bind("by", r.by()).bind("recipient", r.recipient()).bind("unit", r.unit())
        .bind("dims", String.join(",", r.dimensions())).bind("from", r.from()).bind("to", r.to()).bind("epsilon", r.epsilon())
        .bind("cells", json(r.cells())).execute();
  }

  @Override
  public BigDecimal lockBudget(String holder, String period) {
    // two first queries of one holder in a month may both find no row: PostgreSQL lets the second wait for the first's row
    // (ON CONFLICT) instead of failing on the primary key; H2 takes the insert under its table lock
    boolean postgres = SqlLists.postgres(h);
    h.createUpdate(postgres
            ? "INSERT INTO aggregate_budget (holder, period, spent) VALUES (:holder, :period, 0) ON CONFLICT (holder, period) DO NOTHING"
            : "INSERT INTO aggregate_budget (holder, period, spent) SELECT :holder, :period, 0 FROM (VALUES (1)) AS one (x) "
                + "WHERE NOT EXISTS (SELECT 1 FROM aggregate_budget WHERE holder = :holder AND period = :period)")
        .bind("holder", holder).bind("period", period).execute();
    return h.createQuery("SELECT spent FROM aggregate_budget WHERE holder = :holder AND period = :period FOR UPDATE").bind("holder", holder).bind("period", period)
        .mapTo(BigDecimal.class).one();
  }

  @Override
  public void spend(String holder, String period, BigDecimal spent) {
    h.createUpdate("UPDATE aggregate_budget SET spent = :spent WHERE holder = :holder AND period = :period").bind("spent", spent).bind("holder", holder)
        .bind("period", period).execute();
  }

  private static String json(Map<List<String>, Long> cells) {
    List<Map<String, Object>> out = new ArrayList<>();
    cells.forEach((values, n) -> {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("values", values);
      c.put("count", n);
      out.add(c);
    });
    try {
      return JSON.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      throw new StoreException("a release could not be written", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<List<String>, Long> cells(String json) {
    try {
      Map<List<String>, Long> out = new HashMap<>();
      for (Map<String, Object> c : JSON.readValue(json, CELLS)) {
        out.put(List.copyOf((List<String>) c.get("values")), ((Number) c.get("count")).longValue());
      }
      return out;
    } catch (JsonProcessingException e) {
      throw new StoreException("a release could not be read", e);
    }
  }
}
