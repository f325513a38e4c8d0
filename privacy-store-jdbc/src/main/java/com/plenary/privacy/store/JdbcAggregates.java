package com.plenary.privacy.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.AggregateRecords;
import com.plenary.privacy.domain.PersonRecords;
import com.plenary.privacy.domain.aggregates.Dimension;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.store.crypto.Keys.DimensionKey;
import java.nio.ByteBuffer;
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.SqlStatement;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * Aggregate statistics over one transaction's handle (C27), grouped in the database: each event keeps
 * its coarse dimension values as tokens of the platform's dimension key (V52, deterministic AES-SIV)
 * and each person their country and birth date (V53), so a count is one {@code GROUP BY} over tokens;
 * only the distinct tokens of the answer are opened (a birth date made an age band on the period's
 * last day). Events stored before the tokens, and people registered before them, get theirs the first
 * time an aggregate reads their period: their details and fields are opened once, then never again.
 * Releases and budgets in their tables (V29).
 */
final class JdbcAggregates implements AggregateRecords {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<Map<String, Object>>> CELLS = new TypeReference<>() {};
  private static final int FETCH = 2_000;
  /** Owners' keys a fill keeps at most (a chunk's are read again after the set is cleared). */
  private static final int KEYS_KEPT = 200_000;
  /** The most values of one dimension a recount names in its statement; more, and it reads the whole period. */
  private static final int NAMED_AT_MOST = 1_000;

  private final Handle h;
  private final UsageEvents usage;
  private final PersonRecords people;

  JdbcAggregates(Handle h, UsageEvents usage, PersonRecords people) {
    this.h = h;
    this.usage = usage;
    this.people = people;
  }

  // ---- tokens ----

  /** The column of {@code person_dimension} a registration field fills, or null for a field no aggregate reads. */
  static String personColumn(String field) {
    return switch (field) {
      case "country" -> "country";
      case "birth_date" -> "birth_date";
      default -> null;
    };
  }

  /** Sets a person's token of {@code column} to that of the field's {@code value}, making their row when there is none. */
  static void putPersonToken(Handle h, DimensionKey key, String subject, String column, String value) {
    byte[] token = key.token(column, personPlain(column, value));
    if (h.createUpdate("UPDATE person_dimension SET " + column + " = :t WHERE subject_id = :id").bind("t", token).bind("id", subject).execute() == 0) {
      h.createUpdate("INSERT INTO person_dimension (subject_id, " + column + ") VALUES (:id, :t)").bind("id", subject).bind("t", token).execute();
    }
  }

  /** What a person's token holds: the country as an aggregate names it, the birth date as given (banded when read, for the day asked). */
  private static String personPlain(String column, String value) {
    return column.equals("country") ? Dimension.COUNTRY.ofPerson(value, null) : value == null ? "" : value.strip();
  }

  /** The SQL of a dimension's token (or of the day) in the grouped rows; a person's absent token is the empty one ({@code :none}). */
  private static String column(Dimension d) {
    return switch (d) {
      case COUNTRY -> "COALESCE(p.country, :none)";
      case AGE_BAND -> "COALESCE(p.birth_date, :none)";
      case LANGUAGE -> "e.dim_language";
      case DEVICE_TYPE -> "e.dim_device_type";
      case BROWSER -> "e.dim_browser";
      case PAGE -> "e.dim_page";
      case DAY -> "CAST(e.received_at AT TIME ZONE 'UTC' AS DATE)";
    };
  }

  /** The name of a dimension's token as associated data: for the person's dimensions, the field the token holds. */
  private static String tokenName(Dimension d) {
    return d.ofPerson() ? d.field() : d.id();
  }

  /**
   * The events of {@code [from, until)} as rows {@code d0, d1, …} (the tokens of {@code dims}) and {@code u}
   * (the unit): time-ordered ids by a key range with the exact condition on received_at, and those stored
   * before ids were time-ordered through their list (V9).
   */
  private static String rows(List<Dimension> dims) {
    return rows(dims, false);
  }

  /** {@link #rows(List)}, with an event's absent token (its owner's key gone before it got one) as the empty one when {@code joined}, as a join needs. */
  private static String rows(List<Dimension> dims, boolean joined) {
    StringBuilder select = new StringBuilder("SELECT ");
    for (int i = 0; i < dims.size(); i++) {
      Dimension d = dims.get(i);
      select.append(joined && !d.ofPerson() && d != Dimension.DAY ? "COALESCE(" + column(d) + ", :none)" : column(d)).append(" AS d").append(i).append(", ");
    }
    select.append("COALESCE(e.subject_id, 'b:' || e.browser_id, 'p:' || e.partner_record_id) AS u "
        + "FROM usage_event e LEFT JOIN person_dimension p ON p.subject_id = e.subject_id ");
    return select + "WHERE e.id >= :low AND e.id < :high AND e.received_at >= :from AND e.received_at < :until UNION ALL "
        + select + "WHERE e.id IN (SELECT id FROM usage_event_legacy_id WHERE received_at >= :from AND received_at < :until)";
  }

  private static <T extends SqlStatement<T>> T period(T statement, Instant from, Instant until) {
    // Jdbi's own parser mistakes the quotes of some of these statements; SqlLists' passes over quoted text plainly
    return statement.configure(SqlStatements.class, c -> c.setSqlParser(SqlLists.PARSER)).bind("none", new byte[0])
        .bind("low", UsageEvents.idsBefore(from.minusMillis(1))).bind("high", UsageEvents.idsBefore(until.minusMillis(1)))
        .bind("from", from.atOffset(ZoneOffset.UTC)).bind("until", until.atOffset(ZoneOffset.UTC));
  }

  /**
   * Gives every event of the period its tokens and every person theirs, where the rows predate them: each
   * such event opened once with its owner's key (found through a partial index on PostgreSQL), each such
   * person's country and birth date once. An event whose owner's key is gone (erased meanwhile) is left: it
   * goes with them.
   */
  private void fill(Instant from, Instant until) {
    DimensionKey key = usage.dimensionKey();
    String events = "SELECT id, received_at, key_owner, sealed FROM usage_event WHERE dim_language IS NULL AND ";
    Map<String, Keys.DataKey> keys = new HashMap<>();
    List<Object[]> chunk = new ArrayList<>(FETCH);
    for (String where : List.of("id >= :low AND id < :high AND received_at >= :from AND received_at < :until",
        "id IN (SELECT id FROM usage_event_legacy_id WHERE received_at >= :from AND received_at < :until)")) {
      period(h.createQuery(events + where), from, until).setFetchSize(FETCH)
          .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3), rs.getBytes(4)})
          .forEach(r -> {
            chunk.add(r);
            if (chunk.size() >= FETCH) {
              fillEvents(chunk, keys);
            }
          });
      fillEvents(chunk, keys);
    }
    // people registered before V53 have no row: given theirs once; since every person registered later has one from the start,
    // a look that finds none missing is the last
    if (!usage.peopleTokened()) {
      List<String> missing = h.createQuery("SELECT s.id FROM subject s WHERE NOT EXISTS (SELECT 1 FROM person_dimension p WHERE p.subject_id = s.id)")
          .mapTo(String.class).list();
      for (int i = 0; i < missing.size(); i += FETCH) {
        List<String> some = missing.subList(i, Math.min(missing.size(), i + FETCH));
        Map<String, String> countries = people.openAll(some, "country");
        Map<String, String> births = people.openAll(some, "birth_date");
        for (String s : some) {
          putPersonToken(h, key, s, "country", countries.get(s));
          putPersonToken(h, key, s, "birth_date", births.get(s));
        }
      }
      if (missing.isEmpty()) {
        usage.peopleTokened(true);
      }
    }
  }

  private void fillEvents(List<Object[]> chunk, Map<String, Keys.DataKey> keys) {
    if (chunk.isEmpty()) {
      return;
    }
    if (keys.size() > KEYS_KEPT) {
      keys.clear();
    }
    usage.keysFor(chunk.stream().map(r -> (String) r[2]).toList(), keys);
    var update = h.prepareBatch("UPDATE usage_event SET dim_language = :d0, dim_device_type = :d1, dim_browser = :d2, dim_page = :d3 WHERE id = :id");
    int n = 0;
    for (Object[] r : chunk) {
      Map<String, Object> details = UsageEvents.open(keys.get((String) r[2]), (String) r[0], (byte[]) r[3]);
      if (details == null) {
        continue;
      }
      byte[][] tokens = usage.dimensionTokens(details, (Instant) r[1]);
      update.bind("d0", tokens[0]).bind("d1", tokens[1]).bind("d2", tokens[2]).bind("d3", tokens[3]).bind("id", (String) r[0]).add();
      n++;
    }
    if (n > 0) {
      update.execute();
    }
    chunk.clear();
  }

  /** Opens tokens to values, each distinct token once: a birth date as its age band on {@code day}, an absent or empty token as unknown. */
  private final class Opener {
    private final DimensionKey key = usage.dimensionKey();
    private final LocalDate day;
    private final Map<Dimension, Map<ByteBuffer, String>> opened = new EnumMap<>(Dimension.class);

    Opener(LocalDate day) {
      this.day = day;
    }

    String value(Dimension d, ResultSet rs, int column) throws SQLException {
      if (d == Dimension.DAY) {
        return rs.getObject(column, LocalDate.class).toString();
      }
      byte[] token = rs.getBytes(column);
      if (token == null || token.length == 0) {
        return Dimension.UNKNOWN;
      }
      return opened.computeIfAbsent(d, x -> new HashMap<>()).computeIfAbsent(ByteBuffer.wrap(token), t -> {
        String plain = key.open(tokenName(d), token);
        return d == Dimension.AGE_BAND ? d.ofPerson(plain, day) : plain;
      });
    }

    List<String> values(List<Dimension> dims, ResultSet rs, int first) throws SQLException {
      List<String> out = new ArrayList<>(dims.size());
      for (int i = 0; i < dims.size(); i++) {
        out.add(value(dims.get(i), rs, first + i));
      }
      return List.copyOf(out);
    }

    /** The tokens a value of {@code d} may have in the grouped rows (unknown: the empty one too); empty for the age band and the day. */
    List<byte[]> tokens(Dimension d, String value) {
      if (d == Dimension.AGE_BAND || d == Dimension.DAY) {
        return List.of();
      }
      byte[] t = key.token(tokenName(d), value);
      return value.equals(Dimension.UNKNOWN) ? List.of(t, new byte[0]) : List.of(t);
    }
  }

  private static LocalDate lastDay(Instant until) {
    return LocalDate.ofInstant(until.minusMillis(1), ZoneOffset.UTC);
  }

  @Override
  public void scan(List<Dimension> dimensions, Instant from, Instant until, Sink sink) {
    fill(from, until);
    boolean postgres = SqlLists.postgres(h);
    Opener opener = new Opener(lastDay(until));
    String d = names(dimensions.size());
    period(h.createQuery("SELECT " + d + ", u, COUNT(*) FROM (" + rows(dimensions) + ") t GROUP BY " + d + ", u"), from, until).setFetchSize(FETCH)
        .map((rs, ctx) -> {
          sink.accept(rs.getString(dimensions.size() + 1), opener.values(dimensions, rs, 1), rs.getLong(dimensions.size() + 2));
          return 0;
        }).forEach(x -> { });
  }

  @Override
  public Grouped group(List<Dimension> finest, List<Dimension> query, Instant from, Instant until) {
    fill(from, until);
    boolean postgres = SqlLists.postgres(h);
    Opener opener = new Opener(lastDay(until));
    // the query's dimensions first, then the rest of the finest: on PostgreSQL the query's grouping set is a prefix of the finest's,
    // so one sort serves both
    List<Dimension> order = new ArrayList<>(query);
    finest.stream().filter(x -> !query.contains(x)).forEach(order::add);
    int[] finestAt = finest.stream().mapToInt(order::indexOf).toArray();
    String all = names(order.size());
    String prefix = names(query.size());
    Map<List<String>, Tally> finestCells = new HashMap<>();
    Map<List<String>, Tally> queryCells = new HashMap<>();
    String rows = rows(order);
    if (postgres) {
      // GROUPING of a finest dimension the query lacks: 1 on the query's rows
      String statement = "SELECT " + all + ", GROUPING(d" + query.size() + "), COUNT(DISTINCT u), COUNT(*) FROM (" + rows + ") t GROUP BY GROUPING SETS (("
          + all + "), (" + prefix + "))";
      period(h.createQuery(statement), from, until).setFetchSize(FETCH).map((rs, ctx) -> {
        boolean ofQuery = rs.getInt(order.size() + 1) == 1;
        Tally t = new Tally(rs.getLong(order.size() + 2), rs.getLong(order.size() + 3));
        if (ofQuery) {
          queryCells.merge(opener.values(query, rs, 1), t, Tally::plus);
        } else {
          List<String> values = opener.values(order, rs, 1);
          List<String> cell = new ArrayList<>(finest.size());
          for (int i : finestAt) {
            cell.add(values.get(i));
          }
          finestCells.merge(List.copyOf(cell), t, Tally::plus);
        }
        return 0;
      }).forEach(x -> { });
    } else {
      period(h.createQuery("SELECT " + all + ", COUNT(DISTINCT u), COUNT(*) FROM (" + rows + ") t GROUP BY " + all), from, until).map((rs, ctx) -> {
        List<String> values = opener.values(order, rs, 1);
        List<String> cell = new ArrayList<>(finest.size());
        for (int i : finestAt) {
          cell.add(values.get(i));
        }
        finestCells.merge(List.copyOf(cell), new Tally(rs.getLong(order.size() + 1), rs.getLong(order.size() + 2)), Tally::plus);
        return 0;
      }).forEach(x -> { });
      period(h.createQuery("SELECT " + prefix + ", COUNT(DISTINCT u), COUNT(*) FROM (" + rows(query) + ") t GROUP BY " + prefix), from, until)
          .map((rs, ctx) -> {
            queryCells.merge(opener.values(query, rs, 1), new Tally(rs.getLong(query.size() + 1), rs.getLong(query.size() + 2)), Tally::plus);
            return 0;
          }).forEach(x -> { });
    }
    // cells of distinct tokens that open to one value (birth dates of one age band, unknown and no person) hold distinct units:
    // a person has one token of each, and events of no person have no person's token, so their counts add up exactly
    return new Grouped(finestCells, queryCells);
  }

  /**
   * In three steps inside the transaction: the distinct finest groups of the cells asked are numbered into
   * {@code aggregate_recount} (V58) by the database; each is read and opened once here and {@code counted}
   * decides; then the database counts each cell's distinct units over the rows of the groups that count,
   * named by number. Only groups and cells cross the connection, never a unit. The scratch rows are
   * deleted before the transaction ends (and go with it if it fails).
   */
  @Override
  public Map<List<String>, Long> recount(List<Dimension> finest, List<Dimension> query, Instant from, Instant until, Set<List<String>> cells,
      Predicate<List<String>> counted) {
    if (cells.isEmpty()) {
      return Map.of();
    }
    fill(from, until);
    boolean postgres = SqlLists.postgres(h);
    Opener opener = new Opener(lastDay(until));
    int[] queryAt = query.stream().mapToInt(finest::indexOf).toArray();
    // only the rows of the cells asked, as far as their tokens name them: each dimension's values among them
    List<String> where = new ArrayList<>();
    for (int q = 0; q < query.size(); q++) {
      Dimension d = query.get(q);
      Set<String> values = new HashSet<>();
      for (List<String> c : cells) {
        values.add(c.get(q));
      }
      List<String> literals = new ArrayList<>();
      values.forEach(v -> opener.tokens(d, v).forEach(t -> literals.add(literal(t, postgres))));
      if (!literals.isEmpty() && values.size() <= NAMED_AT_MOST) {
        where.add("d" + queryAt[q] + " IN (" + String.join(", ", literals) + ")");
      }
    }
    String d = names(finest.size());
    String columns = String.join(", ", finest.stream().map(x -> "dim_" + x.id()).toList());
    String rows = "(" + rows(finest, true) + ") t ";
    String only = where.isEmpty() ? "" : "WHERE " + String.join(" AND ", where) + " ";
    String id = UUID.randomUUID().toString();
    // 1. the distinct finest groups of those rows (by token: a person's birth date, not their band), numbered and kept in the database
    period(h.createUpdate("INSERT INTO aggregate_recount (recount_id, n, " + columns + ") SELECT :recount, ROW_NUMBER() OVER (), " + d + " FROM " + rows + only
        + "GROUP BY " + d), from, until).bind("recount", id).execute();
    // 2. each group opened (each distinct token once): whether it counts, and for which of the cells asked
    List<List<String>> named = new ArrayList<>();
    Map<List<String>, Integer> index = new HashMap<>();
    List<Integer> groups = new ArrayList<>();
    List<Integer> cellOf = new ArrayList<>();
    h.createQuery("SELECT n, " + columns + " FROM aggregate_recount WHERE recount_id = :recount").bind("recount", id).setFetchSize(FETCH)
        .map((rs, ctx) -> {
          List<String> values = opener.values(finest, rs, 2);
          if (counted.test(values)) {
            List<String> cell = new ArrayList<>(queryAt.length);
            for (int i : queryAt) {
              cell.add(values.get(i));
            }
            if (cells.contains(cell)) {
              groups.add(rs.getInt(1));
              cellOf.add(index.computeIfAbsent(List.copyOf(cell), c -> {
                named.add(c);
                return named.size() - 1;
              }));
            }
          }
          return 0;
        }).forEach(x -> { });
    // 3. the distinct units of each cell over the groups that count, counted by the database: one row a cell
    Map<List<String>, Long> out = new HashMap<>();
    if (!groups.isEmpty()) {
      List<String> on = new ArrayList<>();
      for (int i = 0; i < finest.size(); i++) {
        on.add("x.dim_" + finest.get(i).id() + " = t.d" + i);
      }
      String list = postgres ? "CAST(:%s AS integer[])" : "CAST(:%s AS INTEGER ARRAY)";
      String statement = "SELECT g.c, COUNT(*) FROM (SELECT DISTINCT k.c, t.u FROM " + rows
          + "JOIN aggregate_recount x ON x.recount_id = :recount AND " + String.join(" AND ", on) + " "
          + "JOIN UNNEST(" + list.formatted("groups") + ", " + list.formatted("cells") + ") AS k (n, c) ON k.n = x.n " + only + ") g GROUP BY g.c";
      Array groupArray = array(postgres, groups);
      Array cellArray = array(postgres, cellOf);
      // PostgreSQL has no statistics of the scratch rows (written in this transaction) and would take them for a few, looping over
      // them for every event; a hash join is what the sizes call for, so nested loops are off for this statement only
      String nestloop = postgres ? h.createQuery("SELECT current_setting('enable_nestloop')").mapTo(String.class).one() : null;
      if (postgres) {
        h.execute("SET LOCAL enable_nestloop = off");
      }
      period(h.createQuery(statement), from, until).bind("recount", id).bind("groups", (Argument) (p, st, ctx) -> st.setArray(p, groupArray))
          .bind("cells", (Argument) (p, st, ctx) -> st.setArray(p, cellArray))
          .map((rs, ctx) -> out.put(named.get(rs.getInt(1)), rs.getLong(2))).forEach(x -> { });
      if (postgres) {
        h.execute("SET LOCAL enable_nestloop = " + (nestloop.equals("off") ? "off" : "on"));
      }
    }
    h.createUpdate("DELETE FROM aggregate_recount WHERE recount_id = :recount").bind("recount", id).execute();
    return out;
  }

  private Array array(boolean postgres, List<Integer> values) {
    try {
      return h.getConnection().createArrayOf(postgres ? "integer" : "INTEGER", values.toArray(new Integer[0]));
    } catch (SQLException e) {
      throw new StoreException("a recount's list could not be made", e);
    }
  }

  private static String names(int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add("d" + i);
    }
    return String.join(", ", out);
  }

  /** A token written into a statement: hex digits only, so nothing in it can change the statement. */
  private static String literal(byte[] token, boolean postgres) {
    String hex = HexFormat.of().formatHex(token);
    return postgres ? "decode('" + hex + "', 'hex')" : "X'" + hex + "'";
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
