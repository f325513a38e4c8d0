package com.plenary.privacy.domain.aggregates;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which cells of a table are withheld (C27), on tables made by hand and at random; k is 10 as in the policy. */
class SuppressionTest {
  private static final int K = 10;

  private static Map<List<String>, Long> table(Object... cells) {
    Map<List<String>, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < cells.length; i += 2) {
      out.put(List.of(((String) cells[i]).split("\\|")), ((Number) cells[i + 1]).longValue());
    }
    return out;
  }

  @Test
  void C27_groupOfSizeKMinusOneIsSuppressedAndOfSizeKIsNot() {
    assertThat(Suppression.withheld(table("x", K, "y", K), K, List.of())).isEmpty();
    // x is withheld, and y with it (the next-smallest, so that the total less z and w is two groups); z, of k, is shown
    assertThat(Suppression.withheld(table("x", K - 1, "y", K, "z", K, "w", 50), K, List.of()))
        .containsOnlyKeys(List.of("x"), List.of("y")).containsEntry(List.of("x"), Suppression.Reason.PRIMARY);
  }

  @Test
  void C27_aRowWithOneSuppressedCellDoesNotRevealItThroughItsTotal() {
    // row a: 3 is withheld; a reader who knows the row's total (63) from a coarser query would get 3 back
    // from 63 - 10 - 50; so the row's next-smallest cell (10) is withheld too, and 63 - 50 = 13 is two groups
    Map<List<String>, Suppression.Reason> out = Suppression.withheld(table("a|x", 3, "a|y", 10, "a|z", 50), K, List.of());
    assertThat(out).containsEntry(List.of("a", "x"), Suppression.Reason.PRIMARY).containsEntry(List.of("a", "y"), Suppression.Reason.COMPLEMENTARY)
        .doesNotContainKey(List.of("a", "z"));
  }

  @Test
  void C27_twoSmallWithheldCellsOfARowAreJoinedByMoreUntilTheyHoldK() {
    // 1 + 2 withheld would tell a reader of the row total that three people are in two groups; so 12 goes too
    Map<List<String>, Suppression.Reason> out = Suppression.withheld(table("a|x", 1, "a|y", 2, "a|z", 12, "a|w", 40), K, List.of());
    assertThat(out).containsOnlyKeys(List.of("a", "x"), List.of("a", "y"), List.of("a", "z"));
  }

  @Test
  void C27_aCellThatDiffersFromAnEarlierReleaseByFewerThanKIsWithheld() {
    Map<List<String>, Long> earlier = table("p|BE", 10, "p|AT", 14);
    Map<List<String>, Suppression.Reason> out = Suppression.withheld(table("p|BE", 11, "p|AT", 14), K, List.of(earlier));
    assertThat(out).containsEntry(List.of("p", "BE"), Suppression.Reason.DIFFERENCING).containsEntry(List.of("p", "AT"), Suppression.Reason.COMPLEMENTARY);
    assertThat(Suppression.withheld(table("p|BE", 20, "p|AT", 14), K, List.of(earlier))).isEmpty();
  }

  @Test
  void C27_onRandomTablesEveryLineWithAWithheldCellHoldsTwoOrMoreOfThemAndKOrMoreInThem() {
    Random random = new Random(27);
    for (int round = 0; round < 500; round++) {
      Map<List<String>, Long> t = new HashMap<>();
      int rows = 1 + random.nextInt(5);
      int cols = 1 + random.nextInt(5);
      int layers = 1 + random.nextInt(3);
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          for (int l = 0; l < layers; l++) {
            if (random.nextInt(5) > 0) {
              t.put(List.of("r" + r, "c" + c, "l" + l), (long) (1 + random.nextInt(30)));
            }
          }
        }
      }
      Map<List<String>, Suppression.Reason> out = Suppression.withheld(t, K, List.of());
      t.forEach((cell, n) -> {
        if (n < K) {
          assertThat(out).containsKey(cell);
        }
      });
      for (int axis = 0; axis < 3; axis++) {
        Map<List<String>, List<List<String>>> lines = new HashMap<>();
        for (List<String> cell : t.keySet()) {
          List<String> rest = new ArrayList<>(cell);
          rest.remove(axis);
          lines.computeIfAbsent(rest, x -> new ArrayList<>()).add(cell);
        }
        for (List<List<String>> line : lines.values()) {
          List<List<String>> held = line.stream().filter(out::containsKey).toList();
          long sum = held.stream().mapToLong(t::get).sum();
          boolean whole = held.size() == line.size();
          assertThat(held.isEmpty() || whole || held.size() >= 2 && sum >= K).as("line " + line + " of " + t).isTrue();
        }
      }
    }
  }
}
