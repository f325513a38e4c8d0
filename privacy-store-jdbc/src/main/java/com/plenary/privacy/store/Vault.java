package com.plenary.privacy.store;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Service;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.store.crypto.Keys.DataKey;
import com.plenary.privacy.store.crypto.Passwords;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The personal data vault and its one enforcement point. Every way in or out of personal data —
 * register, read for a purpose, correct, export, erase, retain content — asks the decision engine
 * and writes the audit entry in the same transaction as the data, so an access that cannot be
 * audited does not happen (fail closed). Values are sealed with the person's data key (C29) and
 * never leave this class in plain text except to the caller the decision permits.
 */
public final class Vault {
  public static final Duration REQUEST_DEADLINE = Duration.ofDays(30);
  public static final Duration SESSION_LIFETIME = Duration.ofHours(12);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** An answer that carries the decision; {@code value} is null when it denied. */
  public record Outcome<T>(Decision decision, T value) {
    public boolean permitted() {
      return value != null;
    }
  }

  public record Unavailable(String service, List<String> missing) {}

  public record Registered(String id, List<String> stored, List<String> declined, List<Unavailable> unavailable) {}

  /** Fields read for a purpose: those the decision permits, and the names of those withheld. */
  public record Fields(Map<String, String> values, List<String> withheld) {}

  public record Consent(String id, String purpose, String recipient, int policyVersion, String grantedBy, Instant grantedAt, Instant withdrawnAt,
      String channel, String shownSha256) {}

  /** The channels a consent comes through: each is the person's own. */
  public static final List<String> CONSENT_CHANNELS = List.of("privacy-center", "api", "registration");

  /**
   * A consent the person gives as they register, with the evidence of what they were shown: the
   * SHA-256 (64 hex digits) of the exact text of the consent request.
   */
  public record GivenAtRegistration(String purpose, String recipient, String shownSha256) {}

  private static final java.util.regex.Pattern SHA256_HEX = java.util.regex.Pattern.compile("[0-9a-f]{64}");

  public record Erased(String subject, Map<String, Integer> counts) {}

  public record Session(String subjectId, String csrf, Instant expiresAt) {}

  private final Jdbi jdbi;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final Enforcer enforcer;
  private final Policy policy;
  private final AuditLog audit;
  private final StaffMembers staff;
  private final Clock clock;
  private final UsageEvents usage;

  private final String region;

  Vault(Jdbi jdbi, Keys keys, SubjectKeys keyStore, Enforcer enforcer, AuditLog audit, Clock clock, String region) {
    this.region = region;
    this.usage = new UsageEvents(jdbi, keys, keyStore, audit, clock);
    this.staff = new StaffMembers(jdbi, clock, keys, keyStore, audit, enforcer);
    this.jdbi = jdbi;
    this.keys = keys;
    this.keyStore = keyStore;
    this.enforcer = enforcer;
    this.policy = enforcer.policy();
    this.audit = audit;
    this.clock = clock;
  }

  public AuditLog audit() {
    return audit;
  }

  /** Usage events and partner records, sealed with their owners' keys. */
  /** Staff members, their names sealed with keys of their own. */
  public StaffMembers staff() {
    return staff;
  }

  public UsageEvents usage() {
    return usage;
  }

  // ---- registration (C2, C18, C22) ----

  /**
   * Registers a person for {@code service} with the fields given. Every field must be one the service
   * declares; every required one must be there; a declined optional field is simply left out.
   */
  public Outcome<Registered> register(Access by, String service, Map<String, ?> fields, String password, String region) {
    return register(by, service, fields, password, region, List.of());
  }

  /**
   * Registers a person and records the consents they gave in the registration form, each with the
   * hash of the text they were shown (C19): consent from the person, with evidence, in the same
   * transaction as their registration.
   */
  public Outcome<Registered> register(Access by, String service, Map<String, ?> fields, String password, String region,
      List<GivenAtRegistration> consents) {
    for (int i = 0; i < consents.size(); i++) {
      GivenAtRegistration c = consents.get(i);
      try {
        checkConsentNames(c.purpose(), c.recipient());
      } catch (InvalidInputException e) {
        throw new InvalidInputException("consents[" + i + "]." + e.field(), "consents[" + i + "]: " + e.getMessage());
      }
      if (c.shownSha256() == null || !SHA256_HEX.matcher(c.shownSha256()).matches()) {
        throw new InvalidInputException("consents[" + i + "].shown_sha256", "consents[" + i + "].shown_sha256 must be the SHA-256 (64 lower-case hex digits) "
            + "of the exact text the person was shown; a consent is recorded only with evidence of what the person agreed to (C19)");
      }
    }
    Service s = policy.service(service);
    if (s == null) {
      throw new InvalidInputException("service", "the service '" + service + "' is not registered in the policy; an unregistered service gets no data (C1)");
    }
    String home = region != null ? region : this.region != null ? this.region : policy.regions().get(0);
    if (!policy.regions().contains(home)) {
      throw new InvalidInputException("region", "region must be one of " + policy.regions());
    }
    if (this.region != null && !this.region.equals(home)) {
      throw new InvalidInputException("region", "this deployment holds the data of people whose home region is '" + this.region
          + "'; register people of '" + home + "' with the deployment of their region (C13)");
    }
    Set<String> declared = new LinkedHashSet<>(s.required());
    declared.addAll(s.optional());
    Map<String, String> values = new TreeMap<>();
    for (var e : fields.entrySet()) {
      if (!declared.contains(e.getKey())) {
        throw new InvalidInputException(e.getKey(), "the field '" + e.getKey() + "' is not one the service '" + service
            + "' declares (C2); declared fields: " + String.join(", ", declared));
      }
      values.put(e.getKey(), FieldValues.check(policy.field(e.getKey()), e.getValue()));
    }
    for (String required : s.required()) {
      if (!values.containsKey(required)) {
        throw new InvalidInputException(required, "the field '" + required + "' is required by the service '" + service + "' (C18)");
      }
    }
    if (password != null && (password.length() < 10 || password.length() > 200)) {
      throw new InvalidInputException("password", "the password must be 10 to 200 characters");
    }
    List<String> categories = values.keySet().stream().map(f -> policy.field(f).category()).distinct().toList();
    String id = "s-" + UUID.randomUUID();
    String passwordHash = password == null ? null : Passwords.hash(password);
    return jdbi.inTransaction(h -> {
      Decision d = enforcer.decide(JdbcTx.registering(h, audit, policy.version()), by,
          Use.of("register", Action.COLLECT, Vocabulary.PROVIDE, id, categories.isEmpty() ? List.of(Vocabulary.ACCOUNT) : categories));
      if (!d.permits()) {
        return new Outcome<Registered>(d, null);
      }
      DataKey key = keys.newDataKey(id);
      Instant now = clock.instant();
      String emailIndex = values.containsKey("email") ? keys.emailIndex(values.get("email")) : null;
      if (emailIndex != null && h.createQuery("SELECT COUNT(*) FROM subject WHERE email_index = :i").bind("i", emailIndex).mapTo(Integer.class).one() > 0) {
        throw new Conflict("a person with this email address is already registered; they can sign in and add the service");
      }
      keyStore.put(id, key.wrapped(), key.version());
      h.createUpdate("INSERT INTO subject (id, home_region, email_index, password_hash, policy_version, created_at) "
              + "VALUES (:id, :region, :email, :pw, :pv, :at)")
          .bind("id", id).bind("region", home).bind("email", emailIndex)
          .bind("pw", passwordHash).bind("pv", policy.version()).bind("at", utc(now)).execute();
      h.createUpdate("INSERT INTO subject_service (subject_id, service, registered_at) VALUES (:id, :s, :at)")
          .bind("id", id).bind("s", service).bind("at", utc(now)).execute();
      for (var e : values.entrySet()) {
        insertField(h, key, id, e.getKey(), e.getValue(), now);
      }
      Access person = Access.subject(id, by.requestId());
      for (GivenAtRegistration c : consents) {
        insertConsent(h, person, id, c.purpose(), c.recipient(), "registration", c.shownSha256(), now);
      }
      List<String> declined = s.optional().stream().filter(f -> !values.containsKey(f)).toList();
      return new Outcome<>(d, new Registered(id, List.copyOf(values.keySet()), declined, unavailable(values.keySet())));
    });
  }

  /** Services whose required fields this person has not given (C22). */
  public List<Unavailable> unavailable(Set<String> given) {
    List<Unavailable> out = new ArrayList<>();
    for (Service other : policy.services()) {
      List<String> missing = other.required().stream().filter(f -> !given.contains(f)).toList();
      if (!missing.isEmpty()) {
        out.add(new Unavailable(other.id(), missing));
      }
    }
    return out;
  }

  // ---- purpose-bound reads (C14, C32) ----

  /**
   * Reads a person's fields for a purpose. The engine decides per category; only permitted fields
   * come back. Every read, permitted or denied, is audited. A service sees only people registered
   * with it; anyone else gets {@link NotFound}, whether or not the person exists.
   */
  public Outcome<Fields> read(Access by, String subjectId, String purpose, List<String> fieldNames) {
    enforcer.checkNames(purpose, List.of(), null);
    Set<String> readable = readableFields(by);
    List<String> named = fieldNames == null ? List.of() : fieldNames;
    for (String f : named) {
      if (policy.field(f) == null) {
        throw new InvalidInputException("fields", "unknown field '" + f + "'; the policy declares " + policy.fields().stream().map(Field::name).toList());
      }
      if (!readable.contains(f)) {
        throw new InvalidInputException("fields", "the field '" + f + "' is not one the service '" + by.id() + "' declares, so it may not read it (C2, C14)");
      }
    }
    // staff are decided on their grants before the person is looked up, so a staff member without a grant
    // gets the same denial whether or not the person exists (no existence oracle); with a grant, an unknown id is a 404
    boolean staffFirst = by.kind() == ActorKind.STAFF && subjectId != null && subjectId.length() <= 40;
    return jdbi.inTransaction(h -> {
      if (!staffFirst) {
        requireVisible(h, by, subjectId, "read", purpose);
      }
      Map<String, String> categories = storedCategories(h, subjectId);
      // a service sees only the fields it declares, whoever wrote the others
      List<String> wanted = named.isEmpty() ? categories.keySet().stream().filter(readable::contains).toList() : named;
      List<String> cats = wanted.stream().map(f -> policy.field(f).category()).distinct().toList();
      if (cats.isEmpty()) {
        cats = List.of(Vocabulary.ACCOUNT);
      }
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("read", Action.READ, purpose, subjectId, cats));
      Set<String> allowed = Set.copyOf(d.permitted());
      if (allowed.isEmpty()) {
        return new Outcome<Fields>(d, null);
      }
      if (staffFirst) {
        requireVisible(h, by, subjectId, "read", purpose);
      }
      DataKey key = key(h, subjectId);
      Map<String, String> values = new TreeMap<>();
      List<String> withheld = new ArrayList<>();
      for (String f : wanted) {
        if (!categories.containsKey(f)) {
          continue;
        }
        if (allowed.contains(policy.field(f).category())) {
          byte[] ct = h.createQuery("SELECT ciphertext FROM subject_field WHERE subject_id = :id AND field = :f")
              .bind("id", subjectId).bind("f", f).mapTo(byte[].class).one();
          values.put(f, key.open(f, ct));
        } else {
          withheld.add(f);
        }
      }
      return new Outcome<>(d, new Fields(values, withheld));
    });
  }

  /** The fields an actor may ever see: a service only those it declares (C2); anyone else every field the policy has. */
  private Set<String> readableFields(Access by) {
    if (by.kind() != ActorKind.SERVICE) {
      return policy.fields().stream().map(Field::name).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
    Service s = policy.service(by.id());
    if (s == null) {
      return Set.of();
    }
    Set<String> out = new LinkedHashSet<>(s.required());
    out.addAll(s.optional());
    return Set.copyOf(out);
  }

  // ---- correction (C35) ----

  /** Corrects fields of a person; audited; recorded as a served correction request. Returns the fields changed. */
  public Outcome<List<String>> correct(Access by, String subjectId, Map<String, ?> changes) {
    if (changes.isEmpty()) {
      throw new InvalidInputException("fields", "name at least one field to correct");
    }
    Map<String, String> values = new TreeMap<>();
    for (var e : changes.entrySet()) {
      Field f = policy.field(e.getKey());
      if (f == null) {
        throw new InvalidInputException(e.getKey(), "unknown field '" + e.getKey() + "'; the policy declares " + policy.fields().stream().map(Field::name).toList());
      }
      values.put(e.getKey(), FieldValues.check(f, e.getValue()));
    }
    // a service may correct only fields its registration allows
    Set<String> writable = readableFields(by);
    for (String f : values.keySet()) {
      if (!writable.contains(f)) {
        throw new InvalidInputException(f, "the field '" + f + "' is not one the service declares (C2)");
      }
    }
    List<String> cats = values.keySet().stream().map(f -> policy.field(f).category()).distinct().toList();
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "correct", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("correct", Action.USE, Vocabulary.PROVIDE, subjectId, cats));
      if (!d.permits()) {
        return new Outcome<List<String>>(d, null);
      }
      DataKey key = key(h, subjectId);
      Instant now = clock.instant();
      for (var e : values.entrySet()) {
        h.createUpdate("DELETE FROM subject_field WHERE subject_id = :id AND field = :f").bind("id", subjectId).bind("f", e.getKey()).execute();
        insertField(h, key, subjectId, e.getKey(), e.getValue(), now);
        if (e.getKey().equals("email")) {
          String index = keys.emailIndex(e.getValue());
          if (h.createQuery("SELECT COUNT(*) FROM subject WHERE email_index = :i AND id <> :id").bind("i", index).bind("id", subjectId).mapTo(Integer.class).one() > 0) {
            throw new Conflict("another person is registered with this email address");
          }
          h.createUpdate("UPDATE subject SET email_index = :i WHERE id = :id").bind("i", index).bind("id", subjectId).execute();
        }
      }
      recordRequest(h, subjectId, "correction", now, now);
      return new Outcome<>(d, List.copyOf(values.keySet()));
    });
  }

  // ---- access (C34) ----

  /**
   * Everything held about a person, for their export; recorded as a served access request. The
   * usage events are read into the map: for a person with many events, prefer {@link #exportTo}.
   */
  public Outcome<Map<String, Object>> export(Access by, String subjectId) {
    Map<String, Object> copy = new LinkedHashMap<>();
    Decision d = exportTo(by, subjectId, out -> out.forEach((k, v) -> {
      if (v instanceof Iterable<?> it && !(v instanceof java.util.Collection<?>)) {
        List<Object> items = new ArrayList<>();
        it.forEach(items::add);
        copy.put(k, items);
      } else {
        copy.put(k, v);
      }
    }));
    return new Outcome<>(d, d.permits() ? copy : null);
  }

  /**
   * Hands everything held about a person to {@code sink} while the reading transaction is open; the
   * {@code usage_events} entry is an {@link Iterable} that reads and opens events as it is iterated,
   * so a writer can stream an export of any size. The sink is not called when the decision denies.
   */
  public Decision exportTo(Access by, String subjectId, java.util.function.Consumer<Map<String, Object>> sink) {
    usage.settle(); // events acknowledged so far are in the table first
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "export", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("export", Action.READ, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.EVERYTHING)));
      if (!d.permits()) {
        return d;
      }
      DataKey key = key(h, subjectId);
      Instant now = clock.instant();
      Map<String, Object> out = new LinkedHashMap<>();
      var subject = h.createQuery("SELECT home_region, policy_version, created_at FROM subject WHERE id = :id").bind("id", subjectId).mapToMap().one();
      out.put("subject", Map.of("id", subjectId, "home_region", subject.get("home_region"), "policy_version", subject.get("policy_version"),
          "registered_at", instant(subject.get("created_at"))));
      out.put("services", h.createQuery("SELECT service FROM subject_service WHERE subject_id = :id ORDER BY service").bind("id", subjectId).mapTo(String.class).list());
      Map<String, Object> profile = new TreeMap<>();
      h.createQuery("SELECT field, category, ciphertext, updated_at FROM subject_field WHERE subject_id = :id").bind("id", subjectId)
          .map((rs, ctx) -> Map.of("field", rs.getString("field"), "category", rs.getString("category"), "ct", rs.getBytes("ciphertext"),
              "at", rs.getObject("updated_at", OffsetDateTime.class).toInstant()))
          .forEach(row -> profile.put((String) row.get("field"), Map.of("value", key.open((String) row.get("field"), (byte[]) row.get("ct")),
              "category", row.get("category"), "updated_at", row.get("at"))));
      out.put("profile", profile);
      out.put("consents", consents(h, subjectId).stream().map(Vault::describe).toList());
      List<Map<String, Object>> content = new ArrayList<>();
      h.createQuery("SELECT * FROM content_item WHERE subject_id = :id ORDER BY created_at, id").bind("id", subjectId)
          .map((rs, ctx) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", rs.getString("id"));
            c.put("service", rs.getString("service"));
            c.put("kind", rs.getString("kind"));
            c.put("purpose", rs.getString("purpose"));
            c.put("category", rs.getString("category"));
            c.put("text", key.open("content:" + rs.getString("id"), rs.getBytes("ciphertext")));
            c.put("created_at", rs.getObject("created_at", OffsetDateTime.class).toInstant());
            c.put("delete_after", rs.getObject("expires_at", OffsetDateTime.class).toInstant());
            return c;
          }).forEach(content::add);
      out.put("content", content);
      out.put("usage_events", usage.eventsOf(h, subjectId));
      out.put("partner_links", UsageEvents.links(h, subjectId));
      List<Map<String, Object>> accesses = new ArrayList<>();
      for (AuditLog.Entry e : audit.aboutWithin(h, subjectId, 10_000)) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("at", e.at());
        a.put("by", e.actorKind() + ":" + e.actorId());
        a.put("action", e.action());
        a.put("purpose", e.purpose());
        a.put("categories", e.categories());
        a.put("decision", e.effect());
        a.put("clauses", e.clauses());
        accesses.add(a);
      }
      out.put("accesses", accesses);
      out.put("disclosures", accesses.stream().filter(a -> "disclose".equals(a.get("action"))).toList());
      out.put("correction_notices", h.createQuery("SELECT recipient, field, created_at FROM correction_notice WHERE subject_id = :id ORDER BY created_at")
          .bind("id", subjectId).mapToMap().list());
      recordRequest(h, subjectId, "export", now, now);
      out.put("requests", requests(h, subjectId));
      out.put("exported_at", now);
      out.put("policy_version", policy.version());
      sink.accept(out);
      return d;
    });
  }

  /** The person's requests (export, correction, erasure) with their deadlines and when they were served. */
  public List<Map<String, Object>> requests(String subjectId) {
    return jdbi.withHandle(h -> requests(h, subjectId));
  }

  private static List<Map<String, Object>> requests(Handle h, String subjectId) {
    return h.createQuery("SELECT kind, requested_at, deadline, served_at FROM access_request WHERE subject_id = :id ORDER BY requested_at")
        .bind("id", subjectId).map((rs, ctx) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("kind", rs.getString("kind"));
          m.put("requested_at", rs.getObject("requested_at", OffsetDateTime.class).toInstant());
          m.put("deadline", rs.getObject("deadline", OffsetDateTime.class).toInstant());
          OffsetDateTime served = rs.getObject("served_at", OffsetDateTime.class);
          m.put("served_at", served == null ? null : served.toInstant());
          return m;
        }).list();
  }

  // ---- erasure ----

  /**
   * Erases a person: their data key is destroyed (crypto-shredding), so ciphertexts in any backup can
   * no longer be opened; their fields, content, consents, sessions, events, browsers and linked partner
   * records are deleted. What remains (audit entries, this erasure's record) names only the
   * pseudonymous id.
   *
   * <p>Atomic and finishable: one transaction deletes the data and writes the erasure record with the
   * keys still to destroy (the keys live in another database); then each key is destroyed and struck
   * off, and the record completed. A crash at any point leaves either nothing done or a record that
   * {@link #resumeErasures()} (run at every start, and by {@code plenary erasure resume}) completes;
   * data is never left whose key is gone, and a person is never half-erased without a record.
   */
  public Outcome<Erased> erase(Access by, String subjectId) {
    usage.settle(); // events acknowledged so far are in the table first
    List<String> keysToDestroy = new ArrayList<>();
    String erasureId = "er-" + UUID.randomUUID();
    Outcome<Erased> out = jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "erase", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("erase", Action.USE, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.EVERYTHING)));
      if (!d.permits()) {
        return new Outcome<Erased>(d, null);
      }
      Map<String, Integer> counts = new TreeMap<>();
      h.createQuery("SELECT category, COUNT(*) AS n FROM subject_field WHERE subject_id = :id GROUP BY category").bind("id", subjectId)
          .mapToMap().forEach(r -> counts.merge((String) r.get("category"), ((Number) r.get("n")).intValue(), Integer::sum));
      h.createQuery("SELECT category, COUNT(*) AS n FROM content_item WHERE subject_id = :id GROUP BY category").bind("id", subjectId)
          .mapToMap().forEach(r -> counts.merge((String) r.get("category"), ((Number) r.get("n")).intValue(), Integer::sum));
      int consents = h.createQuery("SELECT COUNT(*) FROM consent WHERE subject_id = :id").bind("id", subjectId).mapTo(Integer.class).one();
      if (consents > 0) {
        counts.put("consents", consents);
      }
      counts.put("data_key", 1);
      keysToDestroy.add(subjectId);
      counts.putAll(usage.eraseFor(h, subjectId, keysToDestroy));
      h.createUpdate("DELETE FROM subject WHERE id = :id").bind("id", subjectId).execute();
      Instant now = clock.instant();
      StringBuilder summary = new StringBuilder();
      counts.forEach((k, v) -> summary.append(summary.length() == 0 ? "" : ",").append(k).append('=').append(v));
      h.createUpdate("INSERT INTO erasure_record (id, subject_id, erased_at, summary) VALUES (:id, :s, :at, :sum)")
          .bind("id", erasureId).bind("s", subjectId).bind("at", utc(now)).bind("sum", summary.toString()).execute();
      for (String owner : keysToDestroy) {
        h.createUpdate("INSERT INTO erasure_pending_key (owner, erasure_id) VALUES (:o, :e)").bind("o", owner).bind("e", erasureId).execute();
      }
      recordRequest(h, subjectId, "erasure", now, now);
      return new Outcome<>(d, new Erased(subjectId, counts));
    });
    if (out.permitted()) {
      Failpoints.reach("erase.after-data");
      finishErasure(erasureId);
    }
    return out;
  }

  /** Destroys the keys an erasure still lists, striking each off once gone, then completes the record. */
  private void finishErasure(String erasureId) {
    List<String> owners = jdbi.withHandle(h -> h.createQuery("SELECT owner FROM erasure_pending_key WHERE erasure_id = :e ORDER BY owner")
        .bind("e", erasureId).mapTo(String.class).list());
    for (String owner : owners) {
      keyStore.delete(owner);
      usage.forget(owner);
      Failpoints.reach("erase.after-key");
      jdbi.useHandle(h -> h.createUpdate("DELETE FROM erasure_pending_key WHERE owner = :o").bind("o", owner).execute());
    }
    jdbi.useHandle(h -> h.createUpdate("UPDATE erasure_record SET completed_at = :at WHERE id = :e AND completed_at IS NULL")
        .bind("at", utc(clock.instant())).bind("e", erasureId).execute());
  }

  /**
   * Completes every erasure a crash interrupted: destroys the keys they still list and completes
   * their records. Idempotent; returns how many erasures it completed.
   */
  public int resumeErasures() {
    List<String> open = jdbi.withHandle(h -> h.createQuery("SELECT id FROM erasure_record WHERE completed_at IS NULL ORDER BY erased_at")
        .mapTo(String.class).list());
    open.forEach(this::finishErasure);
    return open.size();
  }

  // ---- content (C11) ----

  /** Retains a message or posted content for a purpose, sealed, until its category's retention runs out. */
  public Outcome<String> addContent(Access by, String subjectId, String kind, String purpose, String text) {
    if (!kind.equals("message") && !kind.equals("content")) {
      throw new InvalidInputException("kind", "kind must be 'message' (private) or 'content' (posted publicly)");
    }
    if (text == null || text.isBlank() || text.length() > 100_000) {
      throw new InvalidInputException("text", "text must be 1 to 100000 characters");
    }
    String category = kind.equals("message") ? Vocabulary.PRIVATE_CONTENT : Vocabulary.PUBLIC_CONTENT;
    Period retention = retention(category);
    enforcer.checkNames(purpose, List.of(category), null);
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "retain", purpose);
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("retain", Action.COLLECT, purpose, subjectId, List.of(category)));
      if (!d.permits()) {
        return new Outcome<String>(d, null);
      }
      String id = "c-" + UUID.randomUUID();
      Instant now = clock.instant();
      Instant expires = now.atOffset(ZoneOffset.UTC).plus(retention.period()).toInstant();
      h.createUpdate("INSERT INTO content_item (id, subject_id, service, kind, purpose, category, ciphertext, created_at, expires_at) "
              + "VALUES (:id, :s, :svc, :kind, :p, :c, :ct, :at, :exp)")
          .bind("id", id).bind("s", subjectId).bind("svc", by.id()).bind("kind", kind).bind("p", purpose).bind("c", category)
          .bind("ct", key(h, subjectId).seal("content:" + id, text)).bind("at", utc(now)).bind("exp", utc(expires)).execute();
      return new Outcome<>(d, id);
    });
  }

  private record Period(java.time.Period period) {}

  private java.time.Period retentionOrNull(String category) {
    Retention best = null;
    for (Retention r : policy.retention()) {
      if (Policy.isUnder(category, r.category()) && (best == null || r.category().length() > best.category().length())) {
        best = r;
      }
    }
    return best == null ? null : best.period();
  }

  private static java.time.Period shorter(java.time.Period a, java.time.Period b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    Instant base = Instant.EPOCH;
    return base.atOffset(ZoneOffset.UTC).plus(a).isBefore(base.atOffset(ZoneOffset.UTC).plus(b)) ? a : b;
  }

  private Period retention(String category) {
    Retention best = null;
    for (Retention r : policy.retention()) {
      if (Policy.isUnder(category, r.category()) && (best == null || r.category().length() > best.category().length())) {
        best = r;
      }
    }
    if (best == null) {
      throw new InvalidInputException("kind", "the policy sets no retention for " + category + "; nothing is kept without one (C11)");
    }
    return new Period(best.period());
  }

  /** Deletes every content item past its retention; returns how many, by category. Audited as one entry. */
  public Map<String, Integer> runRetention() {
    usage.settle(); // events acknowledged so far are in the table first
    return jdbi.inTransaction(h -> {
      Instant now = clock.instant();
      Map<String, Integer> deleted = new TreeMap<>();
      h.createQuery("SELECT category, COUNT(*) AS n FROM content_item WHERE expires_at <= :now GROUP BY category").bind("now", utc(now))
          .mapToMap().forEach(r -> deleted.put((String) r.get("category"), ((Number) r.get("n")).intValue()));
      h.createUpdate("DELETE FROM content_item WHERE expires_at <= :now").bind("now", utc(now)).execute();
      // usage events (C3, C7) hold user.device and user.behavior: they go when the shorter of the two retentions runs out
      java.time.Period events = shorter(retentionOrNull(Vocabulary.DEVICE), retentionOrNull(Vocabulary.BEHAVIOR));
      if (events != null) {
        Instant cutoff = now.atOffset(ZoneOffset.UTC).minus(events).toInstant();
        int n = UsageEvents.deleteReceivedBy(h, cutoff);
        if (n > 0) {
          deleted.put("usage_events", n);
        }
      }
      if (!deleted.isEmpty()) {
        audit.append(h, AuditRecord.recorded(Access.system("retention"), "delete").purpose("retention").categories(List.copyOf(deleted.keySet()))
            .rules(List.of("retention")).clauses(List.of("C11")).build());
      }
      return deleted;
    });
  }

  // ---- consents (C19, C24, C36) ----

  /**
   * Records a consent for a purpose (and a recipient, for sharing) under the policy version in force.
   * Consent comes only from the person (C19): their own session here; a service that asks to grant
   * one is refused, and the refusal is audited. A service asks the person instead.
   */
  public Consent grantConsent(Access by, String subjectId, String purpose, String recipient) {
    return grantConsent(by, subjectId, purpose, recipient, "api");
  }

  /** A consent given by the person through {@code channel} (one of {@link #CONSENT_CHANNELS}). */
  public Consent grantConsent(Access by, String subjectId, String purpose, String recipient, String channel) {
    checkConsentNames(purpose, recipient);
    if (!CONSENT_CHANNELS.contains(channel)) {
      throw new IllegalArgumentException("unknown consent channel " + channel);
    }
    if (by.kind() != ActorKind.SUBJECT) {
      // the visibility check first, so the answer for a person the caller cannot see is the same 404 as ever
      jdbi.useTransaction(h -> requireVisible(h, by, subjectId, "consent", purpose));
      Refused refused;
      try (Handle own = jdbi.open()) {
        refused = enforcer.refuse(JdbcTx.of(own, audit), by, "consent", purpose, subjectId, "consent-only-from-the-person", List.of("C19", "C24"),
            "only the person can give a consent, in the privacy center or as they register; a service may withdraw one on their behalf");
      }
      throw refused;
    }
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "consent", purpose);
      return insertConsent(h, by, subjectId, purpose, recipient, channel, null, clock.instant());
    });
  }

  private Consent insertConsent(Handle h, Access by, String subjectId, String purpose, String recipient, String channel, String shown, Instant now) {
    String id = "cn-" + UUID.randomUUID();
    h.createUpdate("INSERT INTO consent (id, subject_id, purpose, recipient, policy_version, granted_by, granted_at, channel, shown_sha256) "
            + "VALUES (:id, :s, :p, :r, :v, :by, :at, :ch, :shown)")
        .bind("id", id).bind("s", subjectId).bind("p", purpose).bind("r", recipient).bind("v", policy.version())
        .bind("by", by.kind().id() + ":" + by.id()).bind("at", utc(now)).bind("ch", channel).bind("shown", shown).execute();
    audit.append(h, AuditRecord.recorded(by, "consent").purpose(purpose).subject(subjectId).rules(List.of("consent-granted", "channel:" + channel))
        .clauses(List.of("C19", "C24")).build());
    return new Consent(id, purpose, recipient, policy.version(), by.kind().id() + ":" + by.id(), now, null, channel, shown);
  }

  /** Withdraws every active consent of the person for the purpose (and recipient, when given); a service may do so on their behalf. Returns how many. */
  public int withdrawConsent(Access by, String subjectId, String purpose, String recipient) {
    checkConsentNames(purpose, recipient);
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "withdraw", purpose);
      int n = h.createUpdate("UPDATE consent SET withdrawn_at = :at WHERE subject_id = :s AND purpose = :p AND withdrawn_at IS NULL"
              + (recipient == null ? "" : " AND recipient = :r"))
          .bind("at", utc(clock.instant())).bind("s", subjectId).bind("p", purpose).bind("r", recipient).execute();
      audit.append(h, AuditRecord.recorded(by, "withdraw").purpose(purpose).subject(subjectId).rules(List.of("consent-withdrawn")).clauses(List.of("C19")).build());
      return n;
    });
  }

  /** A consent names one of the policy's own purposes (and a declared recipient); anything else is a 400 naming it. */
  private void checkConsentNames(String purpose, String recipient) {
    Purpose p = policy.purpose(purpose);
    if (p == null || !p.listed()) {
      enforcer.checkNames(purpose, List.of(), recipient); // names an unknown purpose
      throw new InvalidInputException("purpose", "'" + purpose + "' is not a purpose anyone can consent to; the policy's purposes are "
          + String.join(", ", policy.purposes().stream().filter(Purpose::listed).map(Purpose::id).toList()));
    }
    enforcer.checkNames(purpose, List.of(), recipient);
  }

  public List<Consent> consents(Access by, String subjectId) {
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "read", Vocabulary.PROVIDE);
      return consents(h, subjectId);
    });
  }

  private static List<Consent> consents(Handle h, String subjectId) {
    return h.createQuery("SELECT * FROM consent WHERE subject_id = :s ORDER BY granted_at, id").bind("s", subjectId).map((rs, ctx) -> {
      OffsetDateTime w = rs.getObject("withdrawn_at", OffsetDateTime.class);
      return new Consent(rs.getString("id"), rs.getString("purpose"), rs.getString("recipient"), rs.getInt("policy_version"),
          rs.getString("granted_by"), rs.getObject("granted_at", OffsetDateTime.class).toInstant(), w == null ? null : w.toInstant(),
          rs.getString("channel"), rs.getString("shown_sha256"));
    }).list();
  }

  private static Map<String, Object> describe(Consent c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("purpose", c.purpose());
    m.put("recipient", c.recipient());
    m.put("policy_version", c.policyVersion());
    m.put("granted_by", c.grantedBy());
    m.put("granted_at", c.grantedAt());
    m.put("withdrawn_at", c.withdrawnAt());
    m.put("channel", c.channel());
    m.put("shown_sha256", c.shownSha256());
    return m;
  }

  // ---- decisions asked for (the decisions API) ----

  /**
   * Answers a caller's question — may I take this use? — on the facts the platform holds, never the
   * caller's. About a person, the question is asked inside a transaction and audited like any use (a
   * person the caller cannot see is the same 404 as everywhere); about no one, it is decided on the
   * caller's own facts and not audited.
   */
  public Decision ask(Access by, Use use) {
    if (use.subject() == null) {
      return enforcer.decideUnidentified(by, use); // it checks the names itself
    }
    // the names first, so an unknown one is a 400 before the person is looked up
    enforcer.checkNames(use.purpose(), use.categories(), use.recipient());
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, use.subject(), use.operation(), use.purpose());
      return enforcer.decide(JdbcTx.of(h, audit), by, use);
    });
  }

  // ---- operators' look at collection ----

  /**
   * The newest usage events, opened, for an operator checking what the collector stores: a staff
   * member's read of device and behaviour data for the site's functioning (C32), decided on their
   * grants and audited like any read; on a denial nothing is opened.
   */
  public Outcome<List<Map<String, Object>>> newestEvents(Access by, int limit) {
    if (limit < 1 || limit > 100_000) {
      throw new InvalidInputException("limit", "limit must be from 1 to 100000");
    }
    if (by.kind() != ActorKind.STAFF) {
      throw new IllegalArgumentException("only staff look at everyone's newest events");
    }
    usage.settle(); // events acknowledged so far are in the table first
    return jdbi.inTransaction(h -> {
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("inspect-events", Action.READ, Vocabulary.TECHNICAL, null, List.of(Vocabulary.DEVICE, Vocabulary.BEHAVIOR)));
      return d.permits() ? new Outcome<>(d, usage.newest(h, limit)) : new Outcome<List<Map<String, Object>>>(d, null);
    });
  }

  // ---- collection tied to a person (C5, C6) ----

  /** Combines a partner's record with a person for a purpose (C5), decided and audited in the link's transaction. */
  public Outcome<Map<String, Object>> linkPartner(Access by, String subjectId, String partner, String identifier, String purpose) {
    enforcer.checkNames(purpose, List.of(Vocabulary.PARTNER_RECORD), null);
    return jdbi.inTransaction(h -> {
      requireVisible(h, by, subjectId, "link", purpose);
      Decision d = enforcer.decide(JdbcTx.of(h, audit), by, Use.of("link", Action.USE, purpose, subjectId, List.of(Vocabulary.PARTNER_RECORD)));
      if (!d.permits()) {
        return new Outcome<Map<String, Object>>(d, null);
      }
      return new Outcome<>(d, usage.link(h, by, subjectId, partner, identifier, purpose));
    });
  }

  /**
   * On sign-in, ties the person's browser (known by its cookie) to them and attaches its earlier events
   * (C6): the browser's collection for the site's convenience, now about this person, decided and
   * audited in the person's trail. Returns how many events were attached.
   */
  public int attachBrowser(String subjectId, String cookie, String requestId) {
    usage.settle();
    return jdbi.inTransaction(h -> {
      Decision d = enforcer.decide(JdbcTx.of(h, audit), Access.browser(requestId), Use.of("attach-browser", Action.COLLECT, Vocabulary.CONVENIENCE, subjectId,
          List.of(Vocabulary.DEVICE, Vocabulary.BEHAVIOR)));
      return d.permits() ? usage.attachBrowser(h, cookie, subjectId) : 0;
    });
  }

  // ---- people: sign-in and sessions (C6) ----

  /**
   * The person whose email and password these are, if any. Looked up through the blind index, never
   * the plain email; an unknown email costs the same Argon2 work as a wrong password.
   */
  public Optional<String> signIn(String email, String password) {
    if (email == null || password == null || email.length() > 254 || password.length() > 200) {
      return Optional.empty();
    }
    String index = keys.emailIndex(email);
    Optional<Map<String, Object>> row = jdbi.withHandle(h -> h.createQuery("SELECT id, password_hash FROM subject WHERE email_index = :i")
        .bind("i", index).mapToMap().findOne());
    String hash = row.map(r -> (String) r.get("password_hash")).orElse(null);
    if (hash == null) {
      Passwords.burn(password);
      return Optional.empty();
    }
    return Passwords.verify(password, hash) ? Optional.of((String) row.get().get("id")) : Optional.empty();
  }

  /** Sets a person's password (from the registration form). */
  public void setPassword(String subjectId, String password) {
    if (password == null || password.length() < 10 || password.length() > 200) {
      throw new InvalidInputException("password", "the password must be 10 to 200 characters");
    }
    String hash = Passwords.hash(password);
    jdbi.useHandle(h -> h.createUpdate("UPDATE subject SET password_hash = :h WHERE id = :id").bind("h", hash).bind("id", subjectId).execute());
  }

  /** Starts a session; returns the session id (for the cookie, never stored) and its CSRF token. */
  public Map.Entry<String, Session> startSession(String subjectId) {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    RANDOM.nextBytes(raw);
    String csrf = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Instant now = clock.instant();
    Instant expires = now.plus(SESSION_LIFETIME);
    jdbi.useHandle(h -> h.createUpdate("INSERT INTO web_session (id_hash, subject_id, csrf, created_at, expires_at) VALUES (:h, :s, :c, :at, :exp)")
        .bind("h", sha256(token)).bind("s", subjectId).bind("c", csrf).bind("at", utc(now)).bind("exp", utc(expires)).execute());
    return Map.entry(token, new Session(subjectId, csrf, expires));
  }

  public Optional<Session> session(String token) {
    if (token == null || token.length() != 43) {
      return Optional.empty();
    }
    return jdbi.withHandle(h -> h.createQuery("SELECT subject_id, csrf, expires_at FROM web_session WHERE id_hash = :h AND expires_at > :now")
        .bind("h", sha256(token)).bind("now", utc(clock.instant()))
        .map((rs, ctx) -> new Session(rs.getString("subject_id"), rs.getString("csrf"), rs.getObject("expires_at", OffsetDateTime.class).toInstant()))
        .findOne());
  }

  public void endSession(String token) {
    if (token != null) {
      jdbi.useHandle(h -> h.createUpdate("DELETE FROM web_session WHERE id_hash = :h").bind("h", sha256(token)).execute());
    }
  }

  /** The services a person is registered with. */
  public List<String> services(String subjectId) {
    return jdbi.withHandle(h -> h.createQuery("SELECT service FROM subject_service WHERE subject_id = :id ORDER BY service").bind("id", subjectId).mapTo(String.class).list());
  }

  /** The fields a person has given, by name. */
  public Set<String> givenFields(String subjectId) {
    return jdbi.withHandle(h -> storedCategories(h, subjectId).keySet());
  }

  // ---- keys (C29) ----

  /** Re-wraps every data key not yet under the master key's current version, in batches; returns how many. */
  public int rewrapAll(int batch) {
    int version = keys.master().currentVersion();
    int total = 0;
    while (true) {
      List<Map.Entry<String, byte[]>> rows = keyStore.notAtVersion(version, batch);
      for (Map.Entry<String, byte[]> r : rows) {
        if (keyStore.replace(r.getKey(), r.getValue(), keys.rewrap(r.getKey(), r.getValue()), version)) {
          total++;
        }
      }
      if (rows.size() < batch) {
        return total;
      }
    }
  }

  // ---- internals ----

  private void insertField(Handle h, DataKey key, String subjectId, String field, String value, Instant now) {
    h.createUpdate("INSERT INTO subject_field (subject_id, field, category, ciphertext, updated_at) VALUES (:s, :f, :c, :ct, :at)")
        .bind("s", subjectId).bind("f", field).bind("c", policy.field(field).category()).bind("ct", key.seal(field, value)).bind("at", utc(now)).execute();
  }

  private DataKey key(Handle h, String subjectId) {
    SubjectKeys.Wrapped w = keyStore.get(subjectId)
        .orElseThrow(() -> new StoreException("the data key of a person is missing from the key store"));
    return keys.open(subjectId, w.wrapped(), w.version());
  }

  private static Map<String, String> storedCategories(Handle h, String subjectId) {
    Map<String, String> out = new TreeMap<>();
    h.createQuery("SELECT field, category FROM subject_field WHERE subject_id = :id").bind("id", subjectId)
        .map((rs, ctx) -> Map.entry(rs.getString("field"), rs.getString("category"))).forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /**
   * A person exists and, for a service, is registered with it; otherwise NotFound, the same either
   * way. A refused look-up is an attempted access and is audited (denied, rule {@code not-visible})
   * in a transaction of its own, since the caller's rolls back.
   */
  private void requireVisible(Handle h, Access by, String subjectId, String action, String purpose) {
    boolean visible;
    if (subjectId == null || subjectId.length() > 40) {
      visible = false;
    } else if (by.kind() == ActorKind.SERVICE) {
      visible = h.createQuery("SELECT COUNT(*) FROM subject_service WHERE subject_id = :id AND service = :s").bind("id", subjectId).bind("s", by.id())
          .mapTo(Integer.class).one() > 0;
    } else if (by.kind() == ActorKind.SUBJECT) {
      visible = subjectId.equals(by.id()) && exists(h, subjectId);
    } else {
      visible = exists(h, subjectId);
    }
    if (!visible) {
      // a new handle, not jdbi.useHandle: that would join the caller's transaction on this thread
      try (Handle own = jdbi.open()) {
        enforcer.refuseInvisible(JdbcTx.of(own, audit), by, action, purpose, subjectId);
      }
      throw new NotFound("no person with this id is visible to you");
    }
  }

  private static boolean exists(Handle h, String subjectId) {
    return h.createQuery("SELECT COUNT(*) FROM subject WHERE id = :id").bind("id", subjectId).mapTo(Integer.class).one() > 0;
  }

  private void recordRequest(Handle h, String subjectId, String kind, Instant requested, Instant served) {
    h.createUpdate("INSERT INTO access_request (id, subject_id, kind, requested_at, deadline, served_at) VALUES (:id, :s, :k, :at, :dl, :served)")
        .bind("id", "rq-" + UUID.randomUUID()).bind("s", subjectId).bind("k", kind).bind("at", utc(requested))
        .bind("dl", utc(requested.plus(REQUEST_DEADLINE))).bind("served", served == null ? null : utc(served)).execute();
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }

  private static Instant instant(Object o) {
    if (o instanceof OffsetDateTime odt) {
      return odt.toInstant();
    }
    if (o instanceof java.sql.Timestamp ts) {
      return ts.toInstant();
    }
    return Instant.parse(String.valueOf(o));
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
