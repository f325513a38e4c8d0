package com.plenary.privacy.domain;

import com.plenary.privacy.policy.ActorKind;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Whether a person is visible to a caller: a service sees only the people registered with it, a person
 * only themselves, staff anyone who exists. The answer for an unknown person and for one the caller may
 * not see is the same {@link NotFound}; the refused look-up is an attempted access and is audited as a
 * denial in a transaction of its own, since the caller's rolls back.
 */
public final class Visibility {
  /** The longest id a person can have; a longer one names no one and is never looked up. */
  public static final int MAX_ID = 40;

  private final Storage storage;
  private final Enforcer enforcer;

  public Visibility(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /** Throws {@link NotFound} (after auditing the refusal) unless {@code subjectId} is visible to {@code by}. */
  public void require(Work w, Access by, String subjectId, String action, String purpose) {
    if (!visible(w, by, subjectId)) {
      throw storage.inOwnTransaction(own -> enforcer.refuseInvisible(own, by, action, purpose, subjectId));
    }
  }

  /**
   * Which of {@code subjectIds} are visible to {@code by}, looked up for the group at once; the caller
   * audits the others as refused ({@link Enforcer#refuseEach}, rule {@link Enforcer#NOT_VISIBLE}).
   */
  public Set<String> visibleAmong(Work w, Access by, Collection<String> subjectIds) {
    List<String> plausible = subjectIds.stream().filter(id -> id != null && id.length() <= MAX_ID).toList();
    if (plausible.isEmpty()) {
      return Set.of();
    }
    if (by.kind() == ActorKind.SERVICE) {
      return w.people().registeredWith(plausible, by.id());
    }
    if (by.kind() == ActorKind.SUBJECT) {
      return plausible.contains(by.id()) && w.people().exists(by.id()) ? Set.of(by.id()) : Set.of();
    }
    return w.people().existing(plausible);
  }

  private static boolean visible(Work w, Access by, String subjectId) {
    if (subjectId == null || subjectId.length() > MAX_ID) {
      return false;
    }
    if (by.kind() == ActorKind.SERVICE) {
      return w.people().registeredWith(subjectId, by.id());
    }
    if (by.kind() == ActorKind.SUBJECT) {
      return subjectId.equals(by.id()) && w.people().exists(subjectId);
    }
    return w.people().exists(subjectId);
  }
}
