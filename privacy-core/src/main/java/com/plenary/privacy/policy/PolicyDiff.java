package com.plenary.privacy.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What changed between two versions of the policy (C36): purposes, categories, recipients, cookies,
 * services and rules added or removed, and which of the changes need people's fresh consent before
 * they apply (new purposes, new recipients, new non-essential cookies).
 */
public record PolicyDiff(int fromVersion, int toVersion, Map<String, Change> changes, List<String> needsFreshConsent) {
  public PolicyDiff {
    changes = Map.copyOf(changes);
    needsFreshConsent = List.copyOf(needsFreshConsent);
  }

  /** Ids added and removed in one section. */
  public record Change(List<String> added, List<String> removed) {
    public Change {
      added = List.copyOf(added);
      removed = List.copyOf(removed);
    }

    public boolean isEmpty() {
      return added.isEmpty() && removed.isEmpty();
    }
  }

  public static PolicyDiff between(Policy from, Policy to) {
    Map<String, Change> changes = new LinkedHashMap<>();
    changes.put("purposes", change(from.purposes(), to.purposes(), Purpose::id));
    changes.put("categories", change(from.categories(), to.categories(), Category::id));
    changes.put("recipients", change(from.recipients(), to.recipients(), Recipient::id));
    changes.put("cookies", change(from.cookies(), to.cookies(), Cookie::name));
    changes.put("services", change(from.services(), to.services(), Service::id));
    changes.put("fields", change(from.fields(), to.fields(), Field::name));
    changes.put("rules", change(from.rules(), to.rules(), Rule::id));
    changes.put("prohibitions", change(from.prohibitions(), to.prohibitions(), Prohibition::id));
    changes.put("data_centres", change(from.dataCentres(), to.dataCentres(), DataCentre::id));
    List<String> consent = new ArrayList<>();
    for (String p : changes.get("purposes").added()) {
      Purpose purpose = to.purpose(p);
      if (purpose != null && purpose.listed()) {
        consent.add("purpose " + p);
      }
    }
    changes.get("recipients").added().forEach(r -> consent.add("recipient " + r));
    for (String c : changes.get("cookies").added()) {
      to.cookies().stream().filter(k -> k.name().equals(c)).findFirst().ifPresent(cookie -> {
        boolean required = to.cookieClasses().stream().anyMatch(k -> k.id().equals(cookie.cookieClass()) && k.required());
        if (!required) {
          consent.add("cookie " + c);
        }
      });
    }
    return new PolicyDiff(from.version(), to.version(), changes, consent);
  }

  /**
   * The changes as lines to read, section by section in name order: {@code + purposes: personalise} for
   * what was added, {@code - purposes: develop} for what was removed.
   */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    new TreeMap<>(changes).forEach((section, change) -> {
      change.added().forEach(id -> out.add("+ " + section + ": " + id));
      change.removed().forEach(id -> out.add("- " + section + ": " + id));
    });
    return out;
  }

  public boolean isEmpty() {
    return changes.values().stream().allMatch(Change::isEmpty);
  }

  private static <T> Change change(List<T> a, List<T> b, Function<T, String> id) {
    Set<String> before = new TreeSet<>();
    a.forEach(x -> before.add(id.apply(x)));
    Set<String> after = new TreeSet<>();
    b.forEach(x -> after.add(id.apply(x)));
    List<String> added = after.stream().filter(x -> !before.contains(x)).toList();
    List<String> removed = before.stream().filter(x -> !after.contains(x)).toList();
    return new Change(added, removed);
  }
}
