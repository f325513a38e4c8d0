package com.plenary.privacy.domain.sharing;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Ground;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.domain.LegalRequestRecords.Request;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.Labelled;
import com.plenary.privacy.policy.Policy;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Legal requests (C26): a member of the legal team records a request — the sub-ground (a)–(d) as the
 * policy words it, the requesting authority, its reference, the justification, the scope (people and
 * categories) and the deadline; a second member of the legal team, never its creator, approves it
 * (or anyone of the team rejects it); it may be narrowed, never widened; and once approved its data
 * — only what is in scope — is released once, each person decided by the enforcer on the request as
 * stored. Every step is in the audit trail. The transparency report counts requests by sub-ground and
 * authority and names no one. Thread-safe.
 */
public final class LegalRequests {
  /** The most people one legal request may name. */
  public static final int MAX_PEOPLE = 10_000;
  /** The rule a refusal of an approval by the request's own creator names. */
  public static final String SECOND_APPROVAL = "second-approval";
  /** The rule a release outside the request's scope names. */
  public static final String OUTSIDE_SCOPE = "legal-scope";
  private static final List<String> C26 = List.of("C23", "C26");

  /** What the legal team records. */
  public record NewRequest(String ground, String authority, String reference, String justification, List<String> subjectIds, List<String> categories,
      LocalDate deadline) {}

  /** A request as staff see it: its state and the size of its scope (the people in it by id only through {@link #subjects}). */
  public record View(Request request, String groundText) {}

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Policy policy;

  public LegalRequests(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.policy = enforcer.policy();
  }

  /** Records a new request, pending approval. */
  public View create(Access by, NewRequest n) {
    String groundText = groundText(n.ground());
    text("authority", n.authority(), 200);
    text("reference", n.reference(), 200);
    text("justification", n.justification(), 2_000);
    List<String> categories = categories(n.categories());
    if (n.subjectIds() == null || n.subjectIds().isEmpty() || n.subjectIds().size() > MAX_PEOPLE) {
      throw new InvalidInputException("subject_ids", "a legal request names 1 to " + MAX_PEOPLE + " people by id");
    }
    Instant now = enforcer.clock().instant();
    if (n.deadline() == null || n.deadline().isBefore(LocalDate.ofInstant(now, ZoneOffset.UTC))) {
      throw new InvalidInputException("deadline", "the deadline is a day no earlier than today (YYYY-MM-DD)");
    }
    List<String> people = List.copyOf(new LinkedHashSet<>(n.subjectIds()));
    return storage.inTransaction(w -> {
      Set<String> known = visibility.visibleAmong(w, by, people);
      if (known.size() != people.size()) {
        throw new NotFound((people.size() - known.size()) + " of the people named are not registered; nothing was recorded");
      }
      Request r = new Request("lr-" + UUID.randomUUID(), n.ground(), n.authority().strip(), n.reference().strip(), n.justification().strip(), categories,
          n.deadline(), "pending", by.id(), now, null, null, null, null, null, null, null, people.size());
      w.legalRequests().add(r, people);
      w.audit(step(by, "legal-create", r).build());
      return new View(r, groundText);
    });
  }

  /** Every request, newest first. */
  public List<View> list() {
    return storage.inTransaction(w -> w.legalRequests().all().stream().map(r -> new View(r, groundText(r.ground()))).toList());
  }

  public View get(String id) {
    Request r = storage.inTransaction(w -> find(w, id));
    return new View(r, groundText(r.ground()));
  }

  /**
   * Approves a pending request. Its creator may not: that is refused and audited as a denial (rule
   * {@value #SECOND_APPROVAL}, C26), whatever roles they hold.
   */
  public View approve(Access by, String id) {
    Refused refused = storage.inTransaction(w -> {
      Request r = lock(w, id);
      if (r.createdBy().equals(by.id())) {
        return storage.inOwnTransaction(own -> enforcer.refuse(own, by, "legal-approve", Vocabulary.PROTECT, null, SECOND_APPROVAL, C26,
            "a legal request is approved by a second member of the legal team, never by the one who created it"));
      }
      return null;
    });
    if (refused != null) {
      throw refused;
    }
    return storage.inTransaction(w -> {
      Request r = lock(w, id);
      if (!r.status().equals("pending")) {
        throw new Conflict("the legal request is " + r.status() + "; only a pending one can be approved");
      }
      if (r.createdBy().equals(by.id())) {
        throw new Conflict("the legal request cannot be approved by its creator");
      }
      Request approved = new Request(r.id(), r.ground(), r.authority(), r.reference(), r.justification(), r.categories(), r.deadline(), "approved",
          r.createdBy(), r.createdAt(), by.id(), enforcer.clock().instant(), null, null, null, null, null, r.people());
      w.legalRequests().update(approved);
      w.audit(step(by, "legal-approve", approved).build());
      return new View(approved, groundText(r.ground()));
    });
  }

  /** Rejects a request that is pending or approved and not yet released, with the reason. */
  public View reject(Access by, String id, String reason) {
    text("reason", reason, 2_000);
    return storage.inTransaction(w -> {
      Request r = lock(w, id);
      if (!r.status().equals("pending") && !r.status().equals("approved")) {
        throw new Conflict("the legal request is " + r.status() + "; only a pending or approved one can be rejected");
      }
      Request rejected = new Request(r.id(), r.ground(), r.authority(), r.reference(), r.justification(), r.categories(), r.deadline(), "rejected",
          r.createdBy(), r.createdAt(), r.approvedBy(), r.approvedAt(), by.id(), reason.strip(), enforcer.clock().instant(), null, null, r.people());
      w.legalRequests().update(rejected);
      w.audit(step(by, "legal-reject", rejected).build());
      return new View(rejected, groundText(r.ground()));
    });
  }

  /** Narrows a request that is not yet released to fewer people or categories (null: keep); never widens it. */
  public View narrow(Access by, String id, List<String> subjectIds, List<String> categories) {
    if (subjectIds == null && categories == null) {
      return get(id); // nothing named: the scope stays as it is
    }
    return storage.inTransaction(w -> {
      Request r = lock(w, id);
      if (!r.status().equals("pending") && !r.status().equals("approved")) {
        throw new Conflict("the legal request is " + r.status() + "; only a pending or approved one can be narrowed");
      }
      List<String> scope = w.legalRequests().subjects(id);
      List<String> keep = subjectIds == null ? scope : List.copyOf(new LinkedHashSet<>(subjectIds));
      List<String> cats = categories == null ? r.categories() : categories(categories);
      checkWithin(r, scope, keep, cats, "narrowed");
      if (keep.isEmpty()) {
        throw new InvalidInputException("subject_ids", "a narrowed request keeps at least one person; reject it instead");
      }
      w.legalRequests().keepSubjects(id, keep);
      Request narrowed = new Request(r.id(), r.ground(), r.authority(), r.reference(), r.justification(), cats, r.deadline(), r.status(), r.createdBy(),
          r.createdAt(), r.approvedBy(), r.approvedAt(), null, null, null, null, null, keep.size());
      w.legalRequests().update(narrowed);
      w.audit(step(by, "legal-narrow", narrowed).build());
      return new View(narrowed, groundText(r.ground()));
    });
  }

  /**
   * Releases an approved request's data, once: each person in scope (or the part of the scope named,
   * which must lie within it) is decided by the enforcer on the request as stored, and only the fields
   * of the categories permitted are handed to {@code sink}. A release outside the scope is refused
   * and audited (rule {@value #OUTSIDE_SCOPE}); a second release is a conflict. Nothing is released
   * when the enforcer permits no one.
   */
  public Disclosures.Made release(Access by, String id, List<String> subjectIds, List<String> categories, Consumer<Disclosures.Item> sink) {
    Refused refused = storage.inTransaction(w -> {
      Request r = lock(w, id);
      List<String> scope = w.legalRequests().subjects(id);
      List<String> people = subjectIds == null ? scope : subjectIds;
      List<String> cats = categories == null ? r.categories() : categories;
      if (!scope.containsAll(people) || !cats.stream().allMatch(c -> c != null && Disclosures.under(c, r.categories()))) {
        return storage.inOwnTransaction(own -> enforcer.refuse(own, by, "legal-release", Vocabulary.PROTECT, null, OUTSIDE_SCOPE, C26,
            "a release holds only the people and categories in the legal request's scope; nothing was released"));
      }
      return null;
    });
    if (refused != null) {
      throw refused;
    }
    return storage.inTransaction(w -> {
      Request r = lock(w, id);
      if (r.status().equals("released")) {
        throw new Conflict("the legal request was released already, on " + r.releasedAt() + "; a request is released once");
      }
      if (!r.status().equals("approved")) {
        throw new Conflict("the legal request is " + r.status() + "; only an approved one is released");
      }
      List<String> scope = w.legalRequests().subjects(id);
      List<String> people = subjectIds == null ? scope : List.copyOf(new LinkedHashSet<>(subjectIds));
      List<String> cats = categories == null ? r.categories() : categories(categories);
      if (people.isEmpty()) {
        throw new InvalidInputException("subject_ids", "no one in the request's scope is left to release");
      }
      Use use = new Use(Action.DISCLOSE, Vocabulary.PROTECT, null, null, cats, "disclose");
      Map<String, Decision> decisions = enforcer.decideDisclosure(w, by, use, people, Ground.LEGAL_REQUEST, id);
      Instant now = enforcer.clock().instant();
      Disclosures.Made made = Disclosures.release(w, by, null, Vocabulary.PROTECT, Ground.LEGAL_REQUEST, cats, id, decisions, now, sink);
      if (!made.nothingReleased()) {
        Request released = new Request(r.id(), r.ground(), r.authority(), r.reference(), r.justification(), r.categories(), r.deadline(), "released",
            r.createdBy(), r.createdAt(), r.approvedBy(), r.approvedAt(), null, null, null, by.id(), now, r.people());
        w.legalRequests().update(released);
        w.audit(step(by, "legal-release", released).build());
      }
      return made;
    });
  }

  /** The transparency report: requests created in [from, to), counted by sub-ground and authority; no one is named. */
  public List<LegalRequestRecords.Count> report(Instant from, Instant to) {
    if (!from.isBefore(to)) {
      throw new InvalidInputException("to", "the report's end comes after its start");
    }
    return storage.inTransaction(w -> w.legalRequests().report(from, to));
  }

  /** The people in a request's scope, by pseudonymous id (for the legal team). */
  public List<String> subjects(String id) {
    return storage.inTransaction(w -> {
      find(w, id);
      return w.legalRequests().subjects(id);
    });
  }

  /** The sub-ground's words as the policy has them. */
  public String groundText(String ground) {
    return policy.legalGrounds().stream().filter(g -> g.id().equals(ground)).map(Labelled::text).findFirst()
        .orElseThrow(() -> new InvalidInputException("ground", "the sub-ground is one of " + String.join(", ",
            policy.legalGrounds().stream().map(g -> g.id() + " (" + g.text() + ")").toList())));
  }

  private void checkWithin(Request r, List<String> scope, List<String> people, List<String> cats, String how) {
    if (!scope.containsAll(people)) {
      throw new InvalidInputException("subject_ids", "a request is " + how + " only to people already in its scope");
    }
    if (!cats.stream().allMatch(c -> Disclosures.under(c, r.categories()))) {
      throw new InvalidInputException("categories", "a request is " + how + " only to categories already in its scope");
    }
  }

  private List<String> categories(List<String> categories) {
    if (categories == null || categories.isEmpty() || categories.size() > 50) {
      throw new InvalidInputException("categories", "name 1 to 50 data categories");
    }
    enforcer.checkNames(Vocabulary.PROTECT, categories, null);
    return List.copyOf(new LinkedHashSet<>(categories));
  }

  private static Request find(Work w, String id) {
    return w.legalRequests().find(id).orElseThrow(() -> new NotFound("no legal request has the id '" + id + "'"));
  }

  private static Request lock(Work w, String id) {
    return w.legalRequests().lock(id).orElseThrow(() -> new NotFound("no legal request has the id '" + id + "'"));
  }

  private static AuditRecord.Builder step(Access by, String action, Request r) {
    List<String> rules = new ArrayList<>(List.of("legal-request:" + r.id(), "ground:" + r.ground(), "status:" + r.status()));
    return AuditRecord.recorded(by, action).purpose(Vocabulary.PROTECT).categories(r.categories()).rules(rules).clauses(C26);
  }

  private static void text(String field, String value, int max) {
    if (value == null || value.isBlank()) {
      throw new InvalidInputException(field, field + " is required");
    }
    if (value.length() > max) {
      throw new InvalidInputException(field, field + " is at most " + max + " characters");
    }
  }
}
