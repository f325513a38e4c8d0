package com.plenary.privacy.domain.reviews;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Oversight;
import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.policy.StaffRole;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Internal reviews (C30): a report made from live data — what each category is, who collects it, where
 * it is kept, who may open it, how long it is kept; the denials of the last 30 days; the stores' counts;
 * the audit chain's check — and its sign-off by an auditor who is neither its maker nor the privacy
 * officer whose practices it checks. Every step is recorded in the audit trail.
 */
public final class Reviews {
  /** The longest sign-off note. */
  public static final int LONGEST_NOTE = 2000;

  private final Storage storage;
  private final Enforcer enforcer;
  private final Oversight oversight;

  public Reviews(Storage storage, Enforcer enforcer, Oversight oversight) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.oversight = oversight;
  }

  /** Makes a review report from live data, by a staff member. */
  public Review create(String by) {
    Review r = new Review("rv-" + UUID.randomUUID(), enforcer.clock().instant(), by, report(), null, null, null);
    storage.useTransaction(w -> {
      w.reviews().add(r);
      w.audit(AuditRecord.recorded("staff", by, "review").purpose("improve").rules(List.of("review-created")).clauses(List.of("C30")).build());
    });
    return r;
  }

  public Review find(String id) {
    return storage.inTransaction(w -> w.reviews().find(id)).orElseThrow(() -> new NotFound("no review has this id"));
  }

  /** Every review, newest first. */
  public List<Review> list() {
    return storage.inTransaction(w -> w.reviews().list());
  }

  /**
   * Signs a review off. Only an auditor who is not also a privacy officer may (the review is independent
   * of the officer whose practices it checks), and never the one who made it (four eyes); a refusal is
   * audited as a denial.
   */
  public Review signOff(String id, String by, Set<String> roles, String note, String requestId) {
    if (note != null && note.length() > LONGEST_NOTE) {
      throw new InvalidInputException("note", "the note may be at most " + LONGEST_NOTE + " characters");
    }
    if (!roles.contains("auditor") || roles.contains("privacy-officer")) {
      Access a = new Access(ActorKind.STAFF, by, requestId, null);
      throw storage.inOwnTransaction(own -> enforcer.refuse(own, a, "sign-off", "improve", null, "reviews-by-an-independent-auditor", List.of("C30"),
          "reviews are signed off by an auditor who is not also the privacy officer"));
    }
    return storage.inTransaction(w -> {
      Review r = w.reviews().find(id).orElseThrow(() -> new NotFound("no review has this id"));
      if (r.signedOffBy() != null) {
        throw new Conflict("this review is already signed off");
      }
      if (r.createdBy().equals(by)) {
        throw new Conflict("a review is signed off by someone other than the one who made it");
      }
      Instant now = enforcer.clock().instant();
      if (!w.reviews().signOff(id, by, now, note)) {
        throw new Conflict("this review is already signed off");
      }
      w.audit(AuditRecord.recorded("staff", by, "sign-off").purpose("improve").rules(List.of("review-signed-off")).clauses(List.of("C30"))
          .requestId(requestId).build());
      return new Review(r.id(), r.createdAt(), r.createdBy(), r.report(), by, now, note);
    });
  }

  /** The report: built from the policy, the data map, the audit trail and the stores' counts. */
  private Map<String, Object> report() {
    Policy p = enforcer.policy();
    Instant now = enforcer.clock().instant();
    List<Map<String, Object>> stores = oversight.dataMap();
    List<String> storeNames = stores.stream().filter(s -> !"key files".equals(s.get("store"))).map(s -> s.get("store") + " @ " + s.get("data_centre")).toList();
    List<Map<String, Object>> categories = new ArrayList<>();
    for (Category c : p.categories()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("category", c.id());
      m.put("text", c.text());
      List<String> collectors = collectors(p, c.id());
      m.put("collected_by", collectors);
      m.put("stored_in", storeNames);
      List<String> roles = new ArrayList<>();
      for (StaffRole r : p.staffRoles()) {
        if (r.categories().stream().anyMatch(d -> Policy.isUnder(c.id(), d))) {
          roles.add(r.id());
        }
      }
      Map<String, Object> access = new LinkedHashMap<>();
      access.put("services", collectors.stream().filter(x -> x.startsWith("service:")).toList());
      access.put("staff_roles_with_a_grant", roles);
      access.put("the_person", true);
      m.put("accessible_by", access);
      m.put("retention", p.retention().stream().filter(r -> Policy.isUnder(c.id(), r.category())).map(Retention::period).map(String::valueOf).findFirst().orElse(null));
      categories.add(m);
    }
    Oversight.ChainCheck chain = oversight.verifyChain();
    Map<String, Object> chainView = new LinkedHashMap<>();
    chainView.put("intact", chain.intact());
    chainView.put("entries", chain.entries());
    chainView.put("firstBrokenSeq", chain.firstBrokenSeq());
    chainView.put("detail", chain.detail());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("generated_at", now.toString());
    out.put("policy", p.name() + " v" + p.version());
    out.put("categories", categories);
    out.put("stores", stores);
    out.put("recent_denials_30_days", oversight.denialsSince(now.minus(Duration.ofDays(30))));
    out.put("counts", oversight.counts());
    out.put("audit_chain", chainView);
    return out;
  }

  private static List<String> collectors(Policy p, String category) {
    List<String> collectors = new ArrayList<>();
    for (Service s : p.services()) {
      if (s.categories().stream().anyMatch(d -> Policy.isUnder(category, d) || Policy.isUnder(d, category))) {
        collectors.add("service:" + s.id());
      }
    }
    if (p.collection().categories().stream().anyMatch(d -> Policy.isUnder(category, d) || Policy.isUnder(d, category))) {
      collectors.add("collector (snippet)");
    }
    if (Policy.isUnder(category, "user.partner") || Policy.isUnder(category, "user.device") || Policy.isUnder(category, "user.behavior")) {
      p.partners().forEach(x -> collectors.add("partner:" + x.id()));
    }
    return collectors;
  }
}
