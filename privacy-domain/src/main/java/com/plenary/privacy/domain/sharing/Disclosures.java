package com.plenary.privacy.domain.sharing;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.DisclosureRecords;
import com.plenary.privacy.domain.DisclosureRecords.Released;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Ground;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.Action;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The disclosure gateway (C23–C28): the one way personal data leaves the company. A disclosure names a
 * recipient, the people (ids, or one of the caller's saved audiences), categories, a purpose and the
 * ground it claims. The enforcer decides each person on the facts of that ground alone
 * ({@link Enforcer#decideDisclosure}) and audits every decision; only the fields of the categories
 * permitted for a person are opened and handed over, a disclosure record names which fields of whom
 * went where (each person's export shows it, C34), and a later correction of such a field is owed to
 * the recipient as a notice (C35). When no one is permitted, nothing leaves and no record is made.
 * Thread-safe.
 */
public final class Disclosures {
  /** The most people one disclosure may name (ids or an audience's members). */
  public static final int MAX_PEOPLE = 100_000;
  /** The most categories one disclosure may name. */
  public static final int MAX_CATEGORIES = 50;
  private static final Pattern AUDIENCE = Pattern.compile("[a-z0-9][a-z0-9.-]{0,63}");

  /** What a caller asks to disclose: {@code subjectIds} or {@code audience}, not both. */
  public record Request(String recipient, List<String> subjectIds, String audience, List<String> categories, String purpose, String ground) {}

  /** One person's part of the data package: only the fields permitted, by name. */
  public record Item(String subject, Map<String, String> fields) {}

  /**
   * What was decided: the disclosure's id (null when no one was permitted), how many people's data
   * were released, how many were withheld by each rule, and the decision of a withheld person (the
   * first one) so that a refusal names its rules and clauses.
   */
  public record Made(String id, String recipient, String purpose, String ground, List<String> categories, int released,
      Map<String, Integer> withheld, Decision refusal, Instant at) {
    public boolean nothingReleased() {
      return released == 0;
    }
  }

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;

  public Disclosures(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
  }

  /**
   * Decides and makes a disclosure, handing each released person's part to {@code sink} while the
   * transaction is open (so a package of any size can be streamed); the record commits only once the
   * whole package was handed over.
   *
   * @throws InvalidInputException for a malformed request, an unknown ground, recipient, purpose or category, too many people
   * @throws NotFound when the audience does not exist, or some of the people named are not the caller's to see (nothing is disclosed)
   */
  public Made disclose(Access by, Request r, Consumer<Item> sink) {
    Ground ground = ground(r.ground());
    if (r.recipient() == null || r.recipient().isBlank()) {
      throw new InvalidInputException("recipient", "name the recipient; see GET /api/v1/recipients");
    }
    if (r.categories() == null || r.categories().isEmpty() || r.categories().size() > MAX_CATEGORIES) {
      throw new InvalidInputException("categories", "name 1 to " + MAX_CATEGORIES + " data categories");
    }
    enforcer.checkNames(r.purpose(), r.categories(), null);
    boolean byIds = r.subjectIds() != null && !r.subjectIds().isEmpty();
    if (byIds == (r.audience() != null)) {
      throw new InvalidInputException("subject_ids", "name the people either by subject_ids or by audience, one of the two");
    }
    if (byIds && r.subjectIds().size() > MAX_PEOPLE) {
      throw new InvalidInputException("subject_ids", "one disclosure names at most " + MAX_PEOPLE + " people; " + r.subjectIds().size()
          + " were named — split the disclosure");
    }
    if (!byIds && !AUDIENCE.matcher(r.audience()).matches()) {
      throw new InvalidInputException("audience", "an audience's name is 1 to 64 lower-case letters, digits, dots and dashes");
    }
    return storage.inTransaction(w -> {
      List<String> named = byIds ? List.copyOf(new LinkedHashSet<>(r.subjectIds()))
          : w.audiences().members(by.id(), r.audience()).orElseThrow(() -> new NotFound("you have no audience named '" + r.audience() + "'"));
      if (named.size() > MAX_PEOPLE) {
        throw new InvalidInputException("audience", "one disclosure names at most " + MAX_PEOPLE + " people");
      }
      Set<String> visible = visibility.visibleAmong(w, by, named);
      if (visible.size() != named.size()) {
        int missing = named.size() - visible.size();
        Map<String, String> refused = new LinkedHashMap<>();
        named.stream().filter(s -> !visible.contains(s)).limit(1_000).forEach(s -> refused.put(s, Enforcer.NOT_VISIBLE));
        storage.inOwnTransaction(own -> {
          enforcer.refuseEach(own, by, "disclose", r.purpose(), refused, Map.of(), List.of("C14", "C23"));
          return null;
        });
        throw new NotFound(missing + " of the " + named.size() + " people named are not visible to you; nothing was disclosed");
      }
      Use use = new Use(Action.DISCLOSE, r.purpose(), null, r.recipient(), r.categories(), "disclose");
      Map<String, Decision> decisions = enforcer.decideDisclosure(w, by, use, named, ground, null);
      return release(w, by, r.recipient(), r.purpose(), ground, r.categories(), null, decisions, enforcer.clock().instant(), sink);
    });
  }

  /**
   * Opens and hands over each permitted person's fields of the permitted categories, and records the
   * disclosure; shared by the gateway and the release of a legal request. Nothing when no one is permitted.
   */
  static Made release(Work w, Access by, String recipient, String purpose, Ground ground, List<String> categories, String legalRequestId,
      Map<String, Decision> decisions, Instant now, Consumer<Item> sink) {
    Map<String, Integer> withheld = new TreeMap<>();
    Decision refusal = null;
    List<String> permitted = new ArrayList<>();
    for (var e : decisions.entrySet()) {
      Decision d = e.getValue();
      if (d.permits() || !d.permitted().isEmpty()) {
        permitted.add(e.getKey());
      } else {
        refusal = refusal == null ? d : refusal;
        for (String rule : d.rules()) {
          withheld.merge(rule, 1, Integer::sum);
        }
      }
    }
    if (permitted.isEmpty()) {
      return new Made(null, recipient, purpose, ground.id(), categories, 0, withheld, refusal, now);
    }
    String id = "ds-" + UUID.randomUUID();
    // which fields of whom go is recorded first (names only); the values are opened one person at a
    // time as the package is handed over, inside the same transaction
    Map<String, List<String>> fieldsOf = new LinkedHashMap<>();
    for (String subject : permitted) {
      Decision d = decisions.get(subject);
      List<String> cats = d.permits() ? categories : d.permitted();
      List<String> fields = new ArrayList<>();
      new TreeMap<>(w.people().fieldCategories(subject)).forEach((field, category) -> {
        if (under(category, cats)) {
          fields.add(field);
        }
      });
      fieldsOf.put(subject, fields);
    }
    List<Released> released = new ArrayList<>(permitted.size());
    fieldsOf.forEach((subject, fields) -> released.add(new Released(subject, fields)));
    w.disclosures().add(new DisclosureRecords.Disclosure(id, recipient, purpose, ground.id(), categories, legalRequestId, by.id(), now, released.size()),
        released);
    fieldsOf.forEach((subject, fields) -> {
      Map<String, String> values = new TreeMap<>();
      for (String f : fields) {
        values.put(f, w.people().open(subject, f));
      }
      sink.accept(new Item(subject, values));
    });
    return new Made(id, recipient, purpose, ground.id(), categories, released.size(), withheld, refusal, now);
  }

  /** Whether a field of {@code category} lies under one of {@code categories} (the same, or a child of one). */
  static boolean under(String category, List<String> categories) {
    for (String c : categories) {
      if (category.equals(c) || category.startsWith(c + ".")) {
        return true;
      }
    }
    return false;
  }

  /** The ground named, as the gateway takes it: consent, processor, terms of service; the others have routes of their own. */
  private static Ground ground(String name) {
    Ground g = name == null ? null : Ground.of(name);
    if (g == null) {
      throw new InvalidInputException("ground", "the ground is one of " + String.join(", ", Ground.ids()));
    }
    if (g == Ground.AGGREGATE) {
      throw new InvalidInputException("ground", "aggregated, non-personal statistics are not a disclosure of people's records: ask POST /api/v1/aggregates (C27)");
    }
    if (g == Ground.LEGAL_REQUEST) {
      throw new InvalidInputException("ground", "a legal disclosure is released only through its approved legal request: "
          + "POST /api/v1/legal-requests/{id}/release (C26)");
    }
    return g;
  }
}
