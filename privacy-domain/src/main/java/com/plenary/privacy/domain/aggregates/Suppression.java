package com.plenary.privacy.domain.aggregates;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistical disclosure control for a table of counts (C27). Pure: it decides which cells of a table
 * may be released, never touching data.
 *
 * <ol>
 *   <li><b>Primary suppression</b>: a cell of fewer than k is withheld.
 *   <li><b>Differencing</b>: a cell whose count differs from the same cell of an earlier release that
 *       covers an overlapping period by more than 0 and less than k is withheld — the difference of the
 *       two would count a group of fewer than k people (those of the days one period has and the other
 *       lacks, or those who arrived since).
 *   <li><b>Complementary suppression</b>: along every line of the table (the cells that share all
 *       values but one), when a cell is withheld, the smallest released cells of that line are
 *       withheld too until at least two are withheld and together they hold at least k. So a margin a
 *       reader knows from elsewhere (a coarser query, a published total) minus the released cells of
 *       the line gives at best the sum of several withheld cells, of k or more — never one small group.
 *       Repeated for every line a newly withheld cell lies on, until none changes.
 * </ol>
 *
 * <p>Withheld cells are not shown at all, so a reader cannot tell a withheld cell from an empty one;
 * totals are computed from the released cells only.
 */
public final class Suppression {
  /** Why a cell is withheld. */
  public enum Reason { PRIMARY, DIFFERENCING, COMPLEMENTARY }

  private Suppression() {}

  /**
   * The cells of {@code counts} to withhold, with the reason. {@code earlier}: the counts of the same
   * cells in earlier releases over overlapping periods (each map one release).
   */
  public static Map<List<String>, Reason> withheld(Map<List<String>, Long> counts, int k, List<Map<List<String>, Long>> earlier) {
    return withheld(counts, k, earlier, true);
  }

  /**
   * As {@link #withheld(Map, int, List)}; without {@code complementary}, only the primary and differencing
   * steps (for a table whose every cell is already a sum of cells released from a suppressed finer table).
   */
  public static Map<List<String>, Reason> withheld(Map<List<String>, Long> counts, int k, List<Map<List<String>, Long>> earlier, boolean complementary) {
    Map<List<String>, Reason> out = new LinkedHashMap<>();
    for (var c : counts.entrySet()) {
      if (c.getValue() < k) {
        out.put(c.getKey(), Reason.PRIMARY);
      }
    }
    for (Map<List<String>, Long> before : earlier) {
      for (var c : counts.entrySet()) {
        Long then = before.get(c.getKey());
        if (then != null && !out.containsKey(c.getKey())) {
          long d = Math.abs(c.getValue() - then);
          if (d > 0 && d < k) {
            out.put(c.getKey(), Reason.DIFFERENCING);
          }
        }
      }
    }
    if (!complementary) {
      return out;
    }
    // cells by index, lines as arrays of indexes, made once; a line is checked again only when a cell of it is newly withheld
    List<List<String>> cells = new ArrayList<>(counts.keySet());
    int size = cells.size();
    int width = size == 0 ? 0 : cells.get(0).size();
    long[] count = new long[size];
    boolean[] held = new boolean[size];
    for (int i = 0; i < size; i++) {
      count[i] = counts.get(cells.get(i));
      held[i] = out.containsKey(cells.get(i));
    }
    String[] names = new String[size]; // the tie-break of equal counts, made once a cell rather than at every comparison
    for (int i = 0; i < size; i++) {
      names[i] = cells.get(i).toString();
    }
    int[][] lineOf = new int[width][size];
    List<List<int[]>> lines = new ArrayList<>(width);
    for (int axis = 0; axis < width; axis++) {
      Map<List<String>, Integer> ids = new HashMap<>();
      List<List<Integer>> members = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        List<String> rest = new ArrayList<>(cells.get(i));
        rest.remove(axis);
        int line = ids.computeIfAbsent(rest, r -> {
          members.add(new ArrayList<>());
          return members.size() - 1;
        });
        members.get(line).add(i);
        lineOf[axis][i] = line;
      }
      // each line's cells from the smallest count up (ties by the cell's values, so the choice is stable)
      Comparator<Integer> smallest = Comparator.<Integer>comparingLong(i -> count[i]).thenComparing(i -> names[i]);
      List<int[]> sorted = new ArrayList<>(members.size());
      for (List<Integer> m : members) {
        m.sort(smallest);
        sorted.add(m.stream().mapToInt(Integer::intValue).toArray());
      }
      lines.add(sorted);
    }
    Deque<Integer> newlyWithheld = new ArrayDeque<>();
    for (int i = 0; i < size; i++) {
      if (held[i]) {
        newlyWithheld.add(i);
      }
    }
    while (!newlyWithheld.isEmpty()) {
      int cell = newlyWithheld.poll();
      for (int axis = 0; axis < width; axis++) {
        for (int withheld : complement(lines.get(axis).get(lineOf[axis][cell]), count, held, k)) {
          out.put(cells.get(withheld), Reason.COMPLEMENTARY);
          newlyWithheld.add(withheld);
        }
      }
    }
    return out;
  }

  /**
   * Withholds the smallest released cells of {@code line} (sorted from the smallest count up) until its
   * withheld cells are two or more and hold k or more; answers those it withheld.
   */
  private static List<Integer> complement(int[] line, long[] count, boolean[] held, int k) {
    long sum = 0;
    int n = 0;
    for (int i : line) {
      if (held[i]) {
        sum += count[i];
        n++;
      }
    }
    if (n == 0 || n >= 2 && sum >= k) {
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    for (int i : line) {
      if (n >= 2 && sum >= k) {
        break;
      }
      if (!held[i]) {
        held[i] = true;
        out.add(i);
        sum += count[i];
        n++;
      }
    }
    return out;
  }
}
