package com.plenary.privacy.domain.aggregates;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *       Repeated until no line changes, since withholding a cell can open a line across it.
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
    int width = counts.keySet().stream().findFirst().map(List::size).orElse(0);
    boolean changed = !out.isEmpty();
    while (changed) {
      changed = false;
      for (int axis = 0; axis < width; axis++) {
        for (List<List<String>> line : lines(counts.keySet(), axis)) {
          changed |= complement(line, counts, k, out);
        }
      }
    }
    return out;
  }

  /** Withholds the smallest released cells of {@code line} until its withheld cells are two or more and hold k or more; whether it withheld any. */
  private static boolean complement(List<List<String>> line, Map<List<String>, Long> counts, int k, Map<List<String>, Reason> out) {
    long held = 0;
    int n = 0;
    List<List<String>> released = new ArrayList<>();
    for (List<String> cell : line) {
      if (out.containsKey(cell)) {
        held += counts.get(cell);
        n++;
      } else {
        released.add(cell);
      }
    }
    if (n == 0) {
      return false;
    }
    released.sort(Comparator.comparingLong((List<String> c) -> counts.get(c)).thenComparing(Object::toString));
    boolean changed = false;
    for (List<String> cell : released) {
      if (n >= 2 && held >= k) {
        break;
      }
      out.put(cell, Reason.COMPLEMENTARY);
      held += counts.get(cell);
      n++;
      changed = true;
    }
    return changed;
  }

  /** The lines of the table along {@code axis}: cells grouped by every value but the one at {@code axis}. */
  private static List<List<List<String>>> lines(Set<List<String>> cells, int axis) {
    Map<List<String>, List<List<String>>> lines = new HashMap<>();
    for (List<String> cell : cells) {
      List<String> rest = new ArrayList<>(cell);
      rest.remove(axis);
      lines.computeIfAbsent(rest, r -> new ArrayList<>()).add(cell);
    }
    return new ArrayList<>(lines.values());
  }
}
