package com.plenary.privacy.domain.aggregates;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
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
    // the lines of every axis, made once; a line is checked again only when a cell of it is newly withheld
    List<Map<List<String>, List<List<String>>>> lines = new ArrayList<>(width);
    for (int axis = 0; axis < width; axis++) {
      lines.add(lines(counts.keySet(), axis));
    }
    Deque<List<String>> newlyWithheld = new ArrayDeque<>(out.keySet());
    while (!newlyWithheld.isEmpty()) {
      List<String> cell = newlyWithheld.poll();
      for (int axis = 0; axis < width; axis++) {
        List<List<String>> line = lines.get(axis).get(rest(cell, axis));
        newlyWithheld.addAll(complement(line, counts, k, out));
      }
    }
    return out;
  }

  /** Withholds the smallest released cells of {@code line} until its withheld cells are two or more and hold k or more; answers those it withheld. */
  private static List<List<String>> complement(List<List<String>> line, Map<List<String>, Long> counts, int k, Map<List<String>, Reason> out) {
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
    if (n == 0 || n >= 2 && held >= k) {
      return List.of();
    }
    released.sort(Comparator.comparingLong((List<String> c) -> counts.get(c)).thenComparing(Object::toString));
    List<List<String>> withheld = new ArrayList<>();
    for (List<String> cell : released) {
      if (n >= 2 && held >= k) {
        break;
      }
      out.put(cell, Reason.COMPLEMENTARY);
      withheld.add(cell);
      held += counts.get(cell);
      n++;
    }
    return withheld;
  }

  /** The lines of the table along {@code axis}: cells grouped by every value but the one at {@code axis}. */
  private static Map<List<String>, List<List<String>>> lines(Set<List<String>> cells, int axis) {
    Map<List<String>, List<List<String>>> lines = new HashMap<>();
    for (List<String> cell : cells) {
      lines.computeIfAbsent(rest(cell, axis), r -> new ArrayList<>()).add(cell);
    }
    return lines;
  }

  private static List<String> rest(List<String> cell, int axis) {
    List<String> rest = new ArrayList<>(cell);
    rest.remove(axis);
    return rest;
  }
}
