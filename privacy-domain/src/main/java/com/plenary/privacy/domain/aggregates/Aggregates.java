package com.plenary.privacy.domain.aggregates;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AggregateRecords;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.Action;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Aggregate statistics (C27): how many distinct people (or events) there were in each group of up to
 * three dimensions over a period of whole days, with every group of fewer than the policy's k
 * withheld, complementary and differencing suppression on top ({@link Suppression}), and optionally
 * differentially private noise ({@link DiscreteLaplace}) paid for from a monthly ε budget per
 * recipient. The use runs inside the enforcer as an aggregate use: decided on the caller, purpose,
 * categories the dimensions read, recipient, and the smallest group released, and audited with the
 * budget charged and the release recorded, all in one transaction. The answer holds no identifier.
 * Thread-safe.
 */
public final class Aggregates {
  /** The most dimensions one query groups by. */
  public static final int MAX_DIMENSIONS = 3;
  /** The largest ε one query may spend, and the most decimal places it may have (so its fraction stays small and exact). */
  public static final BigDecimal MAX_EPSILON = BigDecimal.TEN;
  public static final int EPSILON_DECIMALS = 6;
  /** The audit trail's name for the operation; the rule of a refusal for a spent budget. */
  public static final String OPERATION = "aggregate";
  public static final String BUDGET_RULE = "privacy-budget";

  /** What to count: {@code people} (distinct) or {@code events}; by which dimensions; over which days (inclusive); for what; for whom; with what ε (null: exact counts). */
  public record Query(String count, List<String> dimensions, LocalDate from, LocalDate to, String purpose, String recipient, BigDecimal epsilon) {}

  /** One released group: the dimensions' values, in the order asked, and its count (noisy when ε was given). */
  public record Cell(List<String> values, long count) {}

  /** Noise added: the ε spent, the L1 sensitivity bound, and the ε the holder has left this month. */
  public record Noise(BigDecimal epsilon, long sensitivity, BigDecimal epsilonLeft, String mechanism) {}

  /**
   * The released table: its id (the record of the release), the query's shape, k, the released cells,
   * how many cells were withheld, the total of the released cells, and the noise if any.
   */
  public record Result(String id, String count, List<String> dimensions, LocalDate from, LocalDate to, String recipient, int k, List<Cell> cells,
      int withheld, long total, Noise noise) {}

  private final Storage storage;
  private final Enforcer enforcer;
  private final AggregateLimits limits;
  private final DiscreteLaplace noise;

  public Aggregates(Storage storage, Enforcer enforcer, AggregateLimits limits) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.limits = limits;
    this.noise = DiscreteLaplace.secure();
  }

  /**
   * Counts, suppresses, adds noise and releases, as the enforcer decides.
   *
   * @throws InvalidInputException for an unknown or repeated dimension, none or more than three, an unknown count, a period reversed or
   *     longer than the limit, an ε not above zero, above ten or with more than six decimals, an unknown purpose or recipient
   * @throws Refused when the ε budget of the recipient for this month would be exceeded (audited as a denial)
   */
  public Outcome<Result> count(Access by, Query q) {
    boolean events = unit(q.count());
    List<Dimension> dims = dimensions(q.dimensions());
    period(q.from(), q.to());
    BigDecimal epsilon = epsilon(q.epsilon());
    List<String> categories = dims.stream().map(Dimension::category).distinct().toList();
    Use use = new Use(Action.AGGREGATE, q.purpose() == null ? "" : q.purpose(), null, q.recipient(), categories, OPERATION);
    enforcer.checkNames(use.purpose(), categories, null);
    Instant now = enforcer.clock().instant();
    String holder = q.recipient() != null ? "recipient:" + q.recipient() : by.kind().name().toLowerCase(Locale.ROOT) + ":" + by.id();
    String month = YearMonth.from(now.atZone(ZoneOffset.UTC)).toString();
    int k = enforcer.policy().aggregateK();
    List<String> dimIds = dims.stream().map(Dimension::id).toList();
    String unit = events ? "events" : "people";
    storage.settleEvents();
    Object answer = storage.inTransaction(w -> {
      enforcer.checkRecipient(w, q.recipient());
      BigDecimal spent = BigDecimal.ZERO;
      if (epsilon != null) {
        spent = w.aggregates().lockBudget(holder, month);
        if (spent.add(epsilon).compareTo(limits.epsilonPerMonth()) > 0) {
          return enforcer.refuse(w, by, OPERATION, use.purpose(), null, BUDGET_RULE, List.of("C27"),
              "the privacy budget for " + month + " would be exceeded: spent " + spent.toPlainString() + " of " + limits.epsilonPerMonth().toPlainString()
                  + ", this query asks " + epsilon.toPlainString());
        }
      }
      Table[] table = new Table[1];
      Map<List<String>, Long> finestReleased = new HashMap<>();
      Decision d = enforcer.decideAggregate(w, by, use, () -> {
        table[0] = tabulate(w, dims, q, events, epsilon != null, k, unit, dimIds, finestReleased);
        return table[0].smallest();
      });
      if (!d.permits()) {
        return Outcome.<Result>denied(d);
      }
      Noise n = null;
      List<Cell> cells = table[0].released;
      if (epsilon != null) {
        long sensitivity = (long) limits.maxCellsPerPerson() * (events ? limits.maxEventsPerCell() : 1);
        long[] scale = DiscreteLaplace.scale(sensitivity, epsilon);
        List<Cell> noisy = new ArrayList<>(cells.size());
        for (Cell c : cells) {
          noisy.add(new Cell(c.values(), Math.max(0, c.count() + noise.sample(scale[0], scale[1]))));
        }
        cells = noisy;
        BigDecimal after = spent.add(epsilon);
        w.aggregates().spend(holder, month, after);
        n = new Noise(epsilon, sensitivity, limits.epsilonPerMonth().subtract(after).stripTrailingZeros(), "discrete-laplace");
      }
      String id = "agg-" + UUID.randomUUID();
      Map<List<String>, Long> trueCounts = new LinkedHashMap<>();
      table[0].released.forEach(c -> trueCounts.put(c.values(), c.count()));
      // the finest table's released cells, for the differencing of later queries of any dimensions over overlapping periods
      w.aggregates().record(new AggregateRecords.Release("agf-" + id.substring(4), now, by.kind().name().toLowerCase(Locale.ROOT) + ":" + by.id(), q.recipient(),
          unit, FINEST_IDS, q.from(), q.to(), epsilon, finestReleased));
      w.aggregates().record(new AggregateRecords.Release(id, now, by.kind().name().toLowerCase(Locale.ROOT) + ":" + by.id(), q.recipient(), unit,
          dimIds, q.from(), q.to(), epsilon, trueCounts));
      long total = cells.stream().mapToLong(Cell::count).sum();
      return new Outcome<>(d, new Result(id, unit, dimIds, q.from(), q.to(), q.recipient(), k, cells, table[0].withheld, total, n));
    });
    if (answer instanceof Refused r) {
      throw r;
    }
    @SuppressWarnings("unchecked")
    Outcome<Result> out = (Outcome<Result>) answer;
    return out;
  }

  /** A table made ready for release: the released cells (true counts) and how many were withheld. */
  private record Table(List<Cell> released, int withheld) {
    int smallest() {
      return released.stream().mapToLong(Cell::count).min().stream().mapToInt(m -> (int) Math.min(Integer.MAX_VALUE, m)).findFirst().orElse(Integer.MAX_VALUE);
    }
  }

  /** The finest table: every dimension, in this order; every query is answered from its released cells only. */
  static final List<Dimension> FINEST = List.of(Dimension.values());
  static final List<String> FINEST_IDS = FINEST.stream().map(Dimension::id).toList();
  private static final int DAY_AXIS = FINEST.indexOf(Dimension.DAY);

  /**
   * Counts by the query's dimensions from one consistent suppressed finest table (C27). First the table
   * by every dimension, day by day, is suppressed on its own (primary, differencing against the earlier
   * finest tables of overlapping periods, complementary along every line within the day); then the query's
   * cells are counted from the released cells of that table only, so whatever a recipient asks — coarser,
   * finer, other dimensions, other or overlapping periods — every figure is a sum (of people, distinct) of
   * the same released finest cells, and no difference of figures reaches into a withheld one. Last, the
   * query's own table is checked once more (primary, for bounded counts; differencing against earlier
   * tables of the same dimensions).
   *
   * <p>Exact counts are grouped in the store: the finest cells and the query's cells in one pass, and
   * only the query's cells that hold a withheld finest cell counted again without it (events: less the
   * withheld cells' events; people: a recount of the distinct people of its released finest cells).
   * Bounded counts need each person's share of each cell, in a stable order: they read the store's
   * groups of one person and one finest cell and count them here.
   */
  private Table tabulate(Work w, List<Dimension> dims, Query q, boolean events, boolean bounded, int k, String unit, List<String> dimIds,
      Map<List<String>, Long> finestReleased) {
    Instant from = q.from().atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant until = q.to().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    if (bounded) {
      return tabulateBounded(w, dims, q, events, k, unit, dimIds, finestReleased, from, until);
    }
    AggregateRecords.Grouped grouped = w.aggregates().group(FINEST, dims, from, until);
    Map<List<String>, Long> finestCounts = new HashMap<>();
    grouped.finest().forEach((values, t) -> finestCounts.put(values, events ? t.events() : t.units()));
    Set<List<String>> finestWithheld = suppressFinest(w, q, k, unit, finestCounts, finestReleased);
    int[] axes = dims.stream().mapToInt(FINEST::indexOf).toArray();
    // the query's cells that hold a withheld finest cell, with the events of those withheld cells
    Map<List<String>, Long> withheldEvents = new HashMap<>();
    for (List<String> values : finestWithheld) {
      withheldEvents.merge(project(values, axes), grouped.finest().get(values).events(), Long::sum);
    }
    // only the finest cells released count (not "all but the withheld"): an event that arrived since the grouping, in a cell the
    // suppression never saw, must not count either
    Map<List<String>, Long> recounted = events ? Map.of()
        : w.aggregates().recount(FINEST, dims, from, until, withheldEvents.keySet(), finestReleased::containsKey);
    Map<List<String>, Long> counts = new HashMap<>();
    grouped.query().forEach((key, t) -> {
      long n;
      if (!withheldEvents.containsKey(key)) {
        n = events ? t.events() : t.units();
      } else {
        n = events ? t.events() - withheldEvents.get(key) : recounted.getOrDefault(key, 0L);
      }
      if (n > 0) {
        counts.put(key, n);
      }
    });
    return release(w, q, k, unit, dimIds, counts, grouped.query().size());
  }

  /**
   * The finest table suppressed day by day (primary, differencing against the earlier finest tables of
   * overlapping periods, complementary within the day): the cells withheld; those released go to {@code finestReleased}.
   */
  private static Set<List<String>> suppressFinest(Work w, Query q, int k, String unit, Map<List<String>, Long> finestCounts,
      Map<List<String>, Long> finestReleased) {
    Map<String, Map<List<String>, Long>> byDay = new TreeMap<>();
    finestCounts.forEach((values, n) -> byDay.computeIfAbsent(values.get(DAY_AXIS), d -> new HashMap<>()).put(values, n));
    List<Map<List<String>, Long>> earlierFinest = w.aggregates().overlapping(unit, FINEST_IDS, q.from(), q.to());
    Set<List<String>> finestWithheld = new HashSet<>();
    for (Map<List<String>, Long> day : byDay.values()) {
      finestWithheld.addAll(Suppression.withheld(day, k, earlierFinest).keySet());
      day.forEach((values, n) -> {
        if (!finestWithheld.contains(values)) {
          finestReleased.put(values, n);
        }
      });
    }
    return finestWithheld;
  }

  private static List<String> project(List<String> values, int[] axes) {
    List<String> cell = new ArrayList<>(axes.length);
    for (int axis : axes) {
      cell.add(values.get(axis));
    }
    return List.copyOf(cell);
  }

  /**
   * The query's own table checked once more and made ready: {@code present} cells hold data. No complementary
   * step here: every cell is a sum of released finest cells already, which any finer query shows, so withholding
   * more would only make the figures of two queries disagree; primary (for bounded counts) and differencing
   * against earlier tables of the same dimensions stay.
   */
  private static Table release(Work w, Query q, int k, String unit, List<String> dimIds, Map<List<String>, Long> counts, int present) {
    List<Map<List<String>, Long>> earlier = w.aggregates().overlapping(unit, dimIds, q.from(), q.to());
    Map<List<String>, Suppression.Reason> withheld = Suppression.withheld(counts, k, earlier, false);
    List<Cell> released = new ArrayList<>();
    counts.forEach((values, n) -> {
      if (!withheld.containsKey(values)) {
        released.add(new Cell(values, n));
      }
    });
    released.sort(Comparator.comparing((Cell c) -> String.join("\u0000", c.values())));
    // withheld: the query's cells that hold data but are not shown, whether for the finest table or their own
    return new Table(List.copyOf(released), present - released.size());
  }

  /** Bounded counts (with ε): each person in their first few cells, each cell at most a few of their events, in a stable order. */
  private Table tabulateBounded(Work w, List<Dimension> dims, Query q, boolean events, int k, String unit, List<String> dimIds,
      Map<List<String>, Long> finestReleased, Instant from, Instant until) {
    // the finest table: for each cell, each unit (person) in it with their number of events there
    Map<List<String>, Map<String, Integer>> finest = new HashMap<>();
    w.aggregates().scan(FINEST, from, until, (person, values, n) -> finest.computeIfAbsent(values, v -> new HashMap<>())
        .merge(person, (int) Math.min(Integer.MAX_VALUE, n), (a, b) -> (int) Math.min(Integer.MAX_VALUE, (long) a + b)));
    Map<List<String>, Long> finestCounts = new HashMap<>();
    finest.forEach((values, members) -> finestCounts.put(values, events ? members.values().stream().mapToLong(Integer::longValue).sum() : members.size()));
    Set<List<String>> finestWithheld = suppressFinest(w, q, k, unit, finestCounts, finestReleased);
    // the query's cells, from the released finest cells only, in a stable order (so that bounding is too)
    int[] axes = dims.stream().mapToInt(FINEST::indexOf).toArray();
    Map<List<String>, String> sortKey = new HashMap<>(); // each cell's key made once, not at every comparison
    finest.keySet().forEach(v -> sortKey.put(v, String.join("\u0000", v)));
    List<List<String>> order = new ArrayList<>(finest.keySet());
    order.sort(Comparator.comparing(sortKey::get));
    Map<List<String>, Long> counts = new HashMap<>();
    Set<List<String>> present = new HashSet<>();
    // distinct people: each (person, cell) once; bounded: each person in their first few cells, each cell at most a few of their events
    Map<String, Set<List<String>>> cellsOf = new HashMap<>();
    for (List<String> values : order) {
      List<String> cell = new ArrayList<>(axes.length);
      for (int axis : axes) {
        cell.add(values.get(axis));
      }
      List<String> key = List.copyOf(cell);
      present.add(key);
      if (finestWithheld.contains(values)) {
        continue;
      }
      List<Map.Entry<String, Integer>> members = new ArrayList<>(finest.get(values).entrySet());
      members.sort(Map.Entry.comparingByKey());
      for (Map.Entry<String, Integer> m : members) {
        Set<List<String>> mine = cellsOf.computeIfAbsent(m.getKey(), p -> new HashSet<>());
        boolean seen = mine.contains(key);
        if (!seen) {
          if (mine.size() >= limits.maxCellsPerPerson()) {
            continue;
          }
          mine.add(key);
        }
        if (!events) {
          if (!seen) {
            counts.merge(key, 1L, Long::sum);
          }
        } else {
          counts.merge(key, (long) m.getValue(), Long::sum);
        }
      }
    }
    if (events) {
      // each person's events in a cell of the query count at most maxEventsPerCell
      Map<List<Object>, Long> perPersonCell = new HashMap<>();
      counts.clear();
      for (List<String> values : order) {
        if (finestWithheld.contains(values)) {
          continue;
        }
        List<String> cell = new ArrayList<>(axes.length);
        for (int axis : axes) {
          cell.add(values.get(axis));
        }
        List<String> key = List.copyOf(cell);
        for (Map.Entry<String, Integer> m : finest.get(values).entrySet()) {
          if (!cellsOf.getOrDefault(m.getKey(), Set.of()).contains(key)) {
            continue;
          }
          long before = perPersonCell.getOrDefault(List.of(m.getKey(), key), 0L);
          long take = Math.max(0, Math.min(m.getValue(), limits.maxEventsPerCell() - before));
          perPersonCell.put(List.of(m.getKey(), key), before + take);
          if (take > 0) {
            counts.merge(key, take, Long::sum);
          }
        }
      }
    }
    return release(w, q, k, unit, dimIds, counts, present.size());
  }

  private static boolean unit(String count) {
    if (count == null || count.equals("people")) {
      return false;
    }
    if (count.equals("events")) {
      return true;
    }
    throw new InvalidInputException("count", "count is people (distinct) or events");
  }

  private static List<Dimension> dimensions(List<String> ids) {
    if (ids == null || ids.isEmpty() || ids.size() > MAX_DIMENSIONS) {
      throw new InvalidInputException("dimensions", "an aggregate groups by one to " + MAX_DIMENSIONS + " dimensions");
    }
    Set<Dimension> out = new LinkedHashSet<>();
    for (String id : ids) {
      if (!out.add(Dimension.of(id))) {
        throw new InvalidInputException("dimensions", "a dimension is named twice");
      }
    }
    return List.copyOf(out);
  }

  private void period(LocalDate from, LocalDate to) {
    if (from == null || to == null) {
      throw new InvalidInputException(from == null ? "from" : "to", "the period is from and to, whole days such as 2026-12-01");
    }
    if (to.isBefore(from)) {
      throw new InvalidInputException("to", "the period ends before it starts");
    }
    if (ChronoUnit.DAYS.between(from, to) + 1 > limits.maxDays()) {
      throw new InvalidInputException("to", "the period is longer than " + limits.maxDays() + " days");
    }
  }

  private static BigDecimal epsilon(BigDecimal epsilon) {
    if (epsilon == null) {
      return null;
    }
    BigDecimal e = epsilon.stripTrailingZeros();
    if (e.signum() <= 0 || e.compareTo(MAX_EPSILON) > 0 || e.scale() > EPSILON_DECIMALS) {
      throw new InvalidInputException("epsilon", "epsilon is a decimal above 0 and at most " + MAX_EPSILON + ", with at most " + EPSILON_DECIMALS + " decimals");
    }
    return e.scale() < 0 ? e.setScale(0) : e;
  }
}
