package com.plenary.privacy.domain.reviews;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Oversight;
import com.plenary.privacy.domain.RequestRecords;
import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.policy.StaffRole;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Internal reviews (C30): a report made from live data — what each category is, who collects it, where
 * it is kept, who may open it, how long it is kept (the data inventory, with data centres); the denials
 * of the last 30 days; who holds which grants; the incidents of the last 90 days with their outcomes;
 * people's requests with their deadlines and whether each was met; disclosures by ground; the stores'
 * counts; the audit chain's check — and its sign-off by an auditor who is neither its maker nor the privacy
 * officer whose practices it checks. Every step is recorded in the audit trail.
 */
public final class Reviews {
  /** How far back a report looks at incidents and requests. */
  public static final Duration PERIOD = Duration.ofDays(90);
  /** The most grants, incidents and requests a report lists. */
  static final int MOST_ROWS = 1000;
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

  /** The most days the console's figures look back. */
  public static final int MOST_DAYS = 90;

  /**
   * The figures an overseer's console shows on its home (C29–C33): counts by day over the last
   * {@code days} days (1 to {@value #MOST_DAYS}), today included; no person and no value.
   */
  public Oversight.Dashboard dashboard(int days) {
    if (days < 1 || days > MOST_DAYS) {
      throw new InvalidInputException("days", "days must be a whole number from 1 to " + MOST_DAYS);
    }
    Instant now = enforcer.clock().instant();
    Instant since = now.atOffset(ZoneOffset.UTC).toLocalDate().minusDays(days - 1L).atStartOfDay().toInstant(ZoneOffset.UTC);
    return oversight.dashboard(since, now);
  }

  /** The records of processing activities (GDPR Art. 30), generated from the policy in force. */
  public RecordsOfProcessing recordsOfProcessing() {
    return new RecordsOfProcessing(enforcer.policy());
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
    out.put("inventory", inventory(p, stores));
    storage.useTransaction(w -> {
      out.put("grants", w.staff().grants(null, MOST_ROWS).stream().map(g -> grantRow(g, now)).toList());
      out.put("agreements_without_expiry", w.staff().agreementsWithoutExpiry(now, MOST_ROWS).stream().map(Reviews::undatedAgreementRow).toList());
      List<Incident> incidents = w.incidents().list(new IncidentRecords.Filter(null, null, null, now.minus(PERIOD), null, MOST_ROWS));
      out.put("incidents", incidents.stream().map(Reviews::incidentRow).toList());
      out.put("incident_outcomes", incidents.stream().collect(Collectors.groupingBy(i -> i.outcome() == null ? "open" : i.outcome(), TreeMap::new,
          Collectors.counting())));
      out.put("requests", requests(w.requestsSince(now.minus(PERIOD)), now));
      Map<String, Object> disclosures = new LinkedHashMap<>();
      disclosures.put("recorded", true);
      disclosures.put("note", "every disclosure of the period through the disclosure gateway, by the ground it was made on (C23-C26); no person named");
      disclosures.put("rows", w.disclosures().byGroundSince(now.minus(PERIOD)).stream()
          .map(g -> Map.<String, Object>of("ground", g.ground(), "disclosures", g.disclosures(), "people", g.people())).toList());
      out.put("disclosures_by_ground", disclosures);
    });
    out.put("period_days", PERIOD.toDays());
    return out;
  }

  /**
   * The data inventory (C12, C30): each category with the stores holding it, their data centres
   * (operator, region, site) and its retention.
   */
  private static List<Map<String, Object>> inventory(Policy p, List<Map<String, Object>> stores) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Category c : p.categories()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("category", c.id());
      m.put("text", c.text());
      List<Map<String, Object>> held = new ArrayList<>();
      for (Map<String, Object> s : stores) {
        if ("database".equals(s.get("store"))) {
          Map<String, Object> h = new LinkedHashMap<>();
          h.put("store", s.get("name") + " (" + s.get("kind") + ")");
          h.put("data_centre", s.get("data_centre"));
          h.put("operator", s.get("operator"));
          h.put("region", s.get("region"));
          h.put("site", s.get("site"));
          held.add(h);
        }
      }
      m.put("stores", held);
      m.put("retention", retention(p, c.id()));
      out.add(m);
    }
    return out;
  }

  private static String retention(Policy p, String category) {
    return p.retention().stream().filter(r -> Policy.isUnder(category, r.category()) || Policy.isUnder(r.category(), category))
        .map(r -> r.category().equals(category) || Policy.isUnder(category, r.category()) ? String.valueOf(r.period()) : r.category() + ": " + r.period())
        .distinct().reduce((a, b) -> a + "; " + b).orElse("until erased by the person, or the account closes");
  }

  private static Map<String, Object> grantRow(StaffRecords.Grant g, Instant now) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id());
    m.put("staff", g.staffId());
    m.put("role", g.role());
    m.put("categories", g.categories());
    m.put("purposes", g.purposes());
    m.put("people", g.subjects().isEmpty() ? "anyone" : g.subjects().size() + " named");
    m.put("status", g.status());
    m.put("from", g.from().toString());
    m.put("until", g.until().toString());
    m.put("granted_by", g.grantedBy());
    m.put("in_force", g.inForce(now));
    return m;
  }

  /** An agreement in force with no expiry on file: a finding (C33) until the real agreement is recorded with its expiry. */
  private static Map<String, Object> undatedAgreementRow(StaffRecords.Agreement a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("staff", a.staffId());
    m.put("document_version", a.documentVersion());
    m.put("signed_at", a.signedAt().toString());
    m.put("recorded_by", a.recordedBy());
    m.put("finding", "no expiry on file: record the agreement signed, with its document version and expiry");
    return m;
  }

  /** An incident as a report holds it: no note (a note may mention a person; the report is kept in plain text). */
  private static Map<String, Object> incidentRow(Incident i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("kind", i.kind());
    m.put("staff", i.staffId());
    m.put("opened_at", i.openedAt().toString());
    m.put("attempts", i.attempts());
    m.put("last_seen_at", i.lastSeenAt().toString());
    m.put("operation", i.operation());
    m.put("purpose", i.purpose());
    m.put("categories", i.categories());
    m.put("rules", i.rules());
    m.put("status", i.status());
    m.put("outcome", i.outcome());
    m.put("closed_by", i.closedBy());
    m.put("closed_at", i.closedAt() == null ? null : i.closedAt().toString());
    return m;
  }

  /** People's requests (access, correction, erasure) by kind: each with its deadline and whether it was met; no person named. */
  private static Map<String, Object> requests(List<RequestRecords.Request> all, Instant now) {
    List<Map<String, Object>> rows = new ArrayList<>();
    Map<String, Map<String, Long>> byKind = new TreeMap<>();
    for (RequestRecords.Request r : all) {
      String state = r.servedAt() != null ? !r.servedAt().isAfter(r.deadline()) ? "met" : "late" : now.isAfter(r.deadline()) ? "overdue" : "open";
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", r.kind());
      m.put("requested_at", r.requestedAt().toString());
      m.put("deadline", r.deadline().toString());
      m.put("served_at", r.servedAt() == null ? null : r.servedAt().toString());
      m.put("deadline_met", state);
      rows.add(m);
      byKind.computeIfAbsent(r.kind(), k -> new TreeMap<>()).merge(state, 1L, Long::sum);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("by_kind", byKind);
    out.put("each", rows);
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
