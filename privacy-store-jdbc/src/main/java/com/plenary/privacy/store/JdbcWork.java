package com.plenary.privacy.store;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AggregateRecords;
import com.plenary.privacy.Ids;
import com.plenary.privacy.domain.AudienceRecords;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.ConsentRecords;
import com.plenary.privacy.domain.ConsentRecords.Entry;
import com.plenary.privacy.domain.ConsentRecords.Request;
import com.plenary.privacy.domain.ConsentRecords.State;
import com.plenary.privacy.domain.ContentRecords;
import com.plenary.privacy.domain.DisclosureRecords;
import com.plenary.privacy.domain.ErasureRecords;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.EventRecords;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.PersonRecords;
import com.plenary.privacy.domain.PolicyRecords;
import com.plenary.privacy.domain.RecipientRecords;
import com.plenary.privacy.domain.RequestRecords;
import com.plenary.privacy.domain.ReviewRecords;
import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.StaffRecords.Grant;
import com.plenary.privacy.domain.TemplateRecords;
import com.plenary.privacy.domain.Tx;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.store.crypto.Keys.DataKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * The domain's {@link Work} over one Jdbi transaction: the enforcer's facts and audit entries and every
 * record port go through the use case's own handle, so they see and commit with the data they govern.
 * Values are sealed here with their owner's data key, emails indexed blindly: the domain sees plain
 * values, the database never does.
 */
final class JdbcWork implements Work {
  private final Handle h;
  private final AuditLog audit;
  private final Keys keys;
  private final SubjectKeys keyStore;
  private final UsageEvents usage;
  private final int accepting;
  /**
   * The data keys this transaction has opened or made, by person: a use that seals or opens several
   * values of one person (a registration's fields, an export) reads the key store once. Lives no longer
   * than the transaction; an erasure deletes the key outside it.
   */
  private final Map<String, DataKey> opened;
  private final RecipientRecords recipients;
  private final AggregateRecords aggregates;
  private final PolicyRecords policies;
  private final JdbcDisclosures disclosures;
  private final JdbcLegalRequests legal;

  JdbcWork(Handle h, AuditLog audit, Keys keys, SubjectKeys keyStore, UsageEvents usage) {
    this(h, audit, keys, keyStore, usage, -1, new HashMap<>());
  }

  private JdbcWork(Handle h, AuditLog audit, Keys keys, SubjectKeys keyStore, UsageEvents usage, int accepting, Map<String, DataKey> opened) {
    this.h = h;
    this.audit = audit;
    this.keys = keys;
    this.keyStore = keyStore;
    this.usage = usage;
    this.accepting = accepting;
    this.opened = opened;
    this.recipients = new JdbcRecipients(h);
    this.aggregates = new JdbcAggregates(h, usage, people);
    this.policies = new JdbcPolicies(h);
    this.disclosures = new JdbcDisclosures(h);
    this.legal = new JdbcLegalRequests(h, this::key, id -> {
      DataKey key = keys.newDataKey(id);
      keyStore.put(id, key.wrapped(), key.version());
      opened.put(id, key);
      return key;
    });
  }

  @Override
  public DisclosureRecords disclosures() {
    return disclosures;
  }

  @Override
  public LegalRequestRecords legalRequests() {
    return legal;
  }

  @Override
  public Tx accepting(int policyVersion) {
    return new JdbcWork(h, audit, keys, keyStore, usage, policyVersion, opened);
  }

  @Override
  public Facts facts(Access by, String subject, Instant now) {
    Facts.Staff staffFacts = by.kind() == ActorKind.STAFF ? staffFacts(by, subject, now) : null;
    if (subject == null) {
      return Facts.at(now).staff(staffFacts).build();
    }
    if (accepting >= 0) {
      // a person being registered: no row of theirs exists yet (no consent, no unsubscription), and they accept the version in force
      return Facts.at(now).subjectPolicyVersion(accepting).staff(staffFacts).build();
    }
    // the engine's hot path: one prepared statement on the transaction's own connection, read by position (no Jdbi statement,
    // binding or mapping on it); the driver keeps it prepared (H2's session cache, PostgreSQL's server-side statements)
    int version = 0;
    EnumSet<Condition> conditions = EnumSet.noneOf(Condition.class);
    List<Facts.Consent> consents = new ArrayList<>();
    try (PreparedStatement q = h.getConnection().prepareStatement(FACTS)) {
      q.setString(1, subject);
      try (ResultSet rs = q.executeQuery()) {
        if (rs.next()) {
          version = rs.getInt(1);
          if (rs.getBoolean(2)) {
            conditions.add(Condition.UNSUBSCRIBED);
          }
          if (rs.getBoolean(3)) {
            conditions.add(Condition.SUPPRESSED);
          }
          String granted = rs.getString(4);
          if (granted != null) {
            for (int at = 0; at < granted.length();) {
              int end = granted.indexOf(30, at); // CHR(30) between consents, CHR(31) between a consent's values
              String c = end < 0 ? granted.substring(at) : granted.substring(at, end);
              at = end < 0 ? granted.length() : end + 1;
              int a = c.indexOf(31);
              int b = c.indexOf(31, a + 1);
              consents.add(new Facts.Consent(c.substring(0, a), a + 1 == b ? null : c.substring(a + 1, b), Integer.parseInt(c.substring(b + 1))));
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read a person's facts: " + e.getMessage(), e);
    }
    return Facts.at(now).consents(consents).subjectPolicyVersion(version).conditions(conditions).staff(staffFacts).build();
  }

  /**
   * What the engine reads about a person before it decides, in one probe of subject's primary key (V60): their accepted version, the
   * gateway's conditions (C16: unsubscribed from marketing, suppressed) and their consents in force, all kept in the person's row in
   * the same transactions as the rows they are derived from (the ledger's appends, {@link ConsentLedger#facts}; the unsubscriptions
   * and suppressions). The consents are purpose CHR(31) recipient_key CHR(31) policy_version, separated by CHR(30) ({@code ''} for
   * no recipient); NULL when none.
   */
  static final String FACTS = "SELECT policy_version, unsubscribed_marketing, suppressed, granted_consents FROM subject WHERE id = ?";

  /** {@link #FACTS} of the people of an IN list, each person's rows together and their consents in one order. */
  static final String FACTS_OF_MANY = "SELECT s.id, s.policy_version, u.subject_id IS NOT NULL, m.subject_id IS NOT NULL, c.purpose, c.recipient_key, c.policy_version "
      + "FROM subject s LEFT JOIN message_unsubscription u ON u.subject_id = s.id AND u.kind = 'marketing' "
      + "LEFT JOIN message_suppression m ON m.subject_id = s.id "
      + "LEFT JOIN consent_state c ON c.subject_id = s.id AND c.granted WHERE s.id IN (<ids>) "
      + "ORDER BY s.id, c.purpose, c.recipient_key, c.policy_version";

  @Override
  public Map<String, Facts> facts(Access by, List<String> subjects, Instant now) {
    if (accepting >= 0 || subjects.isEmpty() || by.kind() == ActorKind.STAFF && !by.id().startsWith("system:")) {
      // a staff member's grants may name people, so their facts are looked up person by person
      return Work.super.facts(by, subjects, now);
    }
    // the people's facts in one statement (FACTS over the IN list, each join a probe of a primary key): a decision of a group
    // reads its people once, where four statements would each parse and walk the list. Consents in one order, so that people
    // with the same consents have equal facts
    Map<String, Integer> versions = new HashMap<>();
    Map<String, EnumSet<Condition>> conditions = new HashMap<>();
    Map<String, List<Facts.Consent>> consents = new HashMap<>();
    record Row(String subject, int version, boolean unsubscribed, boolean suppressed, Facts.Consent consent) {}
    SqlLists.query(h, FACTS_OF_MANY, "ids", subjects).map((rs, ctx) -> {
      String purpose = rs.getString(5);
      String recipient = rs.getString(6);
      return new Row(rs.getString(1), rs.getInt(2), rs.getBoolean(3), rs.getBoolean(4),
          purpose == null ? null : new Facts.Consent(purpose, recipient.isEmpty() ? null : recipient, rs.getInt(7)));
    }).forEach(r -> {
      versions.put(r.subject(), r.version());
      EnumSet<Condition> c = conditions.computeIfAbsent(r.subject(), k -> EnumSet.noneOf(Condition.class));
      if (r.unsubscribed()) {
        c.add(Condition.UNSUBSCRIBED);
      }
      if (r.suppressed()) {
        c.add(Condition.SUPPRESSED);
      }
      if (r.consent() != null) {
        consents.computeIfAbsent(r.subject(), k -> new ArrayList<>()).add(r.consent());
      }
    });
    Map<String, Facts> out = new LinkedHashMap<>();
    for (String s : subjects) {
      out.put(s, Facts.at(now).consents(consents.getOrDefault(s, List.of())).subjectPolicyVersion(versions.getOrDefault(s, 0))
          .conditions(conditions.getOrDefault(s, EnumSet.noneOf(Condition.class))).staff(by.staff()).build());
    }
    return out;
  }

  @Override
  public void audit(AuditRecord record) {
    audit.append(h, record);
  }

  @Override
  public void audit(List<AuditRecord> records) {
    audit.append(h, records);
  }

  @Override
  public List<Trail> trailOf(String subjectId, int limit) {
    return audit.aboutWithin(h, subjectId, limit).stream()
        .map(e -> new Trail(e.at(), e.actorKind() + ":" + e.actorId(), e.action(), e.purpose(), e.categories(), e.effect(), e.clauses(), e.rules())).toList();
  }

  @Override
  public PersonRecords people() {
    return people;
  }

  @Override
  public ConsentRecords consents() {
    return consents;
  }

  @Override
  public ContentRecords content() {
    return content;
  }

  @Override
  public EventRecords events() {
    return events;
  }

  @Override
  public RequestRecords requests() {
    return requests;
  }

  @Override
  public ErasureRecords erasures() {
    return erasures;
  }

  @Override
  public StaffRecords staff() {
    return staff;
  }

  @Override
  public ReviewRecords reviews() {
    return reviews;
  }

  @Override
  public MessageRecords messages() {
    return messages;
  }

  @Override
  public AggregateRecords aggregates() {
    return aggregates;
  }

  @Override
  public RecipientRecords recipients() {
    return recipients;
  }

  @Override
  public PolicyRecords policies() {
    return policies;
  }

  @Override
  public int acceptedPolicyVersion(String subject) {
    if (subject == null || accepting >= 0) {
      return Math.max(accepting, 0);
    }
    return h.createQuery("SELECT GREATEST(s.policy_version, COALESCE((SELECT MAX(a.version) FROM policy_acceptance a WHERE a.subject_id = s.id), 0)) "
        + "FROM subject s WHERE s.id = :id").bind("id", subject).mapTo(Integer.class).findOne().orElse(0);
  }

  @Override
  public RecipientOnFile recipient(String recipient) {
    // one round trip: the registered recipient (if any) beside its newest agreement version (if any)
    return h.createQuery("SELECT r.id, r.kind, r.name, r.policy_version, a.categories, a.purposes, a.starts_on, a.ends_on "
            + "FROM (SELECT CAST(:id AS VARCHAR(64)) AS rid) q LEFT JOIN recipient r ON r.id = q.rid "
            + "LEFT JOIN recipient_agreement a ON a.recipient_id = q.rid "
            + "AND a.version = (SELECT MAX(version) FROM recipient_agreement WHERE recipient_id = q.rid)")
        .bind("id", recipient).map((rs, ctx) -> {
          Recipient registered = rs.getString("id") == null ? null
              : new Recipient(rs.getString("id"), rs.getString("kind"), rs.getString("name"), rs.getInt("policy_version"));
          // the newest version is the agreement as it now stands; the ones before it were replaced by it
          Facts.Agreement agreement = rs.getString("categories") == null ? null
              : new Facts.Agreement(recipient, names(rs.getString("categories")), names(rs.getString("purposes")),
                  rs.getObject("starts_on", LocalDate.class), rs.getObject("ends_on", LocalDate.class));
          return new RecipientOnFile(registered, agreement);
        }).findOne().orElse(RecipientOnFile.NONE);
  }

  @Override
  public Facts.LegalRequest legalRequest(String id) {
    return legal.facts(id);
  }

  private static List<String> names(String joined) {
    return joined == null || joined.isEmpty() ? List.of() : List.of(joined.split(","));
  }

  @Override
  public TemplateRecords templates() {
    return templates;
  }

  @Override
  public AudienceRecords audiences() {
    return audiences;
  }

  // ---- people ----

  private final PersonRecords people = new PersonRecords() {
    @Override
    public void create(Person p, String email, String passwordHash, String service) {
      DataKey key = keys.newDataKey(p.id());
      keyStore.put(p.id(), key.wrapped(), key.version());
      opened.put(p.id(), key);
      h.createUpdate("INSERT INTO subject (id, home_region, email_index, password_hash, policy_version, created_at) "
              + "VALUES (:id, :region, :email, :pw, :pv, :at)")
          .bind("id", p.id()).bind("region", p.homeRegion()).bind("email", email == null ? null : keys.emailIndex(email))
          .bind("pw", passwordHash).bind("pv", p.policyVersion()).bind("at", utc(p.registeredAt())).execute();
      h.createUpdate("INSERT INTO subject_service (subject_id, service, registered_at) VALUES (:id, :s, :at)")
          .bind("id", p.id()).bind("s", service).bind("at", utc(p.registeredAt())).execute();
      // the person's aggregate tokens (V53): none yet, filled as their country and birth date are written
      h.createUpdate("INSERT INTO person_dimension (subject_id) VALUES (:id)").bind("id", p.id()).execute();
    }

    @Override
    public boolean exists(String id) {
      return h.createQuery("SELECT COUNT(*) FROM subject WHERE id = :id").bind("id", id).mapTo(Integer.class).one() > 0;
    }

    @Override
    public boolean registeredWith(String id, String service) {
      return h.createQuery("SELECT COUNT(*) FROM subject_service WHERE subject_id = :id AND service = :s").bind("id", id).bind("s", service)
          .mapTo(Integer.class).one() > 0;
    }

    @Override
    public Set<String> registeredWith(Collection<String> ids, String service) {
      return ids.isEmpty() ? Set.of() : SqlLists.query(h, "SELECT subject_id FROM subject_service WHERE service = :s AND subject_id IN (<ids>)", "ids", ids)
          .bind("s", service).mapTo(String.class).collect(Collectors.toSet());
    }

    @Override
    public Set<String> existing(Collection<String> ids) {
      return ids("SELECT id FROM subject WHERE id IN (<ids>)", ids);
    }

    @Override
    public Set<String> havingField(Collection<String> ids, String field) {
      return ids.isEmpty() ? Set.of() : SqlLists.query(h, "SELECT subject_id FROM subject_field WHERE field = :f AND subject_id IN (<ids>)", "ids", ids)
          .bind("f", field).mapTo(String.class).collect(Collectors.toSet());
    }

    @Override
    public Optional<String> idByEmail(String email) {
      return h.createQuery("SELECT id FROM subject WHERE email_index = :i").bind("i", keys.emailIndex(email)).mapTo(String.class).findOne();
    }

    @Override
    public Optional<PasswordOnFile> passwordByEmail(String email) {
      return h.createQuery("SELECT id, password_hash FROM subject WHERE email_index = :i").bind("i", keys.emailIndex(email))
          .map((rs, ctx) -> new PasswordOnFile(rs.getString("id"), rs.getString("password_hash"))).findOne();
    }

    @Override
    public String passwordHash(String id) {
      return h.createQuery("SELECT password_hash FROM subject WHERE id = :id").bind("id", id).mapTo(String.class).findOne().orElse(null);
    }

    @Override
    public void setPassword(String id, String passwordHash) {
      h.createUpdate("UPDATE subject SET password_hash = :pw WHERE id = :id").bind("pw", passwordHash).bind("id", id).execute();
    }

    @Override
    public int endSessions(String id) {
      return h.createUpdate("DELETE FROM web_session WHERE subject_id = :id").bind("id", id).execute();
    }

    @Override
    public void addPasswordReset(String tokenHash, String id, Instant at, Instant expiresAt) {
      h.createUpdate("DELETE FROM password_reset WHERE subject_id = :id OR expires_at < :at").bind("id", id).bind("at", utc(at)).execute();
      h.createUpdate("INSERT INTO password_reset (token_hash, subject_id, created_at, expires_at) VALUES (:t, :id, :at, :exp)")
          .bind("t", tokenHash).bind("id", id).bind("at", utc(at)).bind("exp", utc(expiresAt)).execute();
    }

    @Override
    public Optional<PasswordReset> passwordReset(String tokenHash) {
      return h.createQuery("SELECT subject_id, expires_at FROM password_reset WHERE token_hash = :t FOR UPDATE").bind("t", tokenHash)
          .map((rs, ctx) -> new PasswordReset(rs.getString("subject_id"), rs.getObject("expires_at", OffsetDateTime.class).toInstant())).findOne();
    }

    @Override
    public Optional<Instant> lastPasswordReset(String id) {
      return h.createQuery("SELECT MAX(created_at) FROM password_reset WHERE subject_id = :id").bind("id", id)
          .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class)).findOne().map(OffsetDateTime::toInstant);
    }

    @Override
    public void endPasswordResets(String id) {
      h.createUpdate("DELETE FROM password_reset WHERE subject_id = :id").bind("id", id).execute();
    }

    @Override
    public boolean emailTaken(String email, String except) {
      return h.createQuery("SELECT COUNT(*) FROM subject WHERE email_index = :i" + (except == null ? "" : " AND id <> :id"))
          .bind("i", keys.emailIndex(email)).bind("id", except).mapTo(Integer.class).one() > 0;
    }

    @Override
    public void add(String id, String field, String category, String value, Instant at) {
      h.createUpdate("INSERT INTO subject_field (subject_id, field, category, ciphertext, updated_at) VALUES (:s, :f, :c, :ct, :at)")
          .bind("s", id).bind("f", field).bind("c", category).bind("ct", key(id).seal(field, value)).bind("at", utc(at)).execute();
      dimension(id, field, value);
    }

    @Override
    public void put(String id, String field, String category, String value, Instant at) {
      h.createUpdate("DELETE FROM subject_field WHERE subject_id = :id AND field = :f").bind("id", id).bind("f", field).execute();
      h.createUpdate("INSERT INTO subject_field (subject_id, field, category, ciphertext, updated_at) VALUES (:s, :f, :c, :ct, :at)")
          .bind("s", id).bind("f", field).bind("c", category).bind("ct", key(id).seal(field, value)).bind("at", utc(at)).execute();
      if (field.equals("email")) {
        h.createUpdate("UPDATE subject SET email_index = :i WHERE id = :id").bind("i", keys.emailIndex(value)).bind("id", id).execute();
      }
      dimension(id, field, value);
    }

    /** A person's country or birth date as an aggregate's token (C27, V53), kept beside the sealed field whenever it is written. */
    private void dimension(String id, String field, String value) {
      String column = JdbcAggregates.personColumn(field);
      if (column != null) {
        JdbcAggregates.putPersonToken(h, usage.dimensionKey(), id, column, value);
      }
    }

    @Override
    public Map<String, String> fieldCategories(String id) {
      Map<String, String> out = new TreeMap<>();
      h.createQuery("SELECT field, category FROM subject_field WHERE subject_id = :id").bind("id", id)
          .map((rs, ctx) -> Map.entry(rs.getString("field"), rs.getString("category"))).forEach(e -> out.put(e.getKey(), e.getValue()));
      return out;
    }

    @Override
    public String open(String id, String field) {
      byte[] ct = h.createQuery("SELECT ciphertext FROM subject_field WHERE subject_id = :id AND field = :f")
          .bind("id", id).bind("f", field).mapTo(byte[].class).one();
      return key(id).open(field, ct);
    }

    @Override
    public Map<String, String> openAll(Collection<String> ids, String field) {
      Map<String, String> out = new HashMap<>();
      if (ids.isEmpty()) {
        return out;
      }
      Map<String, byte[]> sealed = new HashMap<>();
      SqlLists.query(h, "SELECT subject_id, ciphertext FROM subject_field WHERE field = :f AND subject_id IN (<ids>)", "ids", ids).bind("f", field)
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getBytes(2))).forEach(e -> sealed.put(e.getKey(), e.getValue()));
      Map<String, DataKey> dataKeys = keys(new ArrayList<>(sealed.keySet()));
      sealed.forEach((id, ct) -> out.put(id, dataKeys.get(id).open(field, ct)));
      return out;
    }

    @Override
    public Person person(String id) {
      return h.createQuery("SELECT home_region, policy_version, created_at FROM subject WHERE id = :id").bind("id", id)
          .map((rs, ctx) -> new Person(id, rs.getString(1), rs.getInt(2), rs.getObject(3, OffsetDateTime.class).toInstant())).one();
    }

    @Override
    public List<StoredField> fields(String id) {
      DataKey key = key(id);
      return h.createQuery("SELECT field, category, ciphertext, updated_at FROM subject_field WHERE subject_id = :id ORDER BY field").bind("id", id)
          .map((rs, ctx) -> new StoredField(rs.getString("field"), rs.getString("category"), key.open(rs.getString("field"), rs.getBytes("ciphertext")),
              rs.getObject("updated_at", OffsetDateTime.class).toInstant())).list();
    }

    @Override
    public List<String> services(String id) {
      return h.createQuery("SELECT service FROM subject_service WHERE subject_id = :id ORDER BY service").bind("id", id).mapTo(String.class).list();
    }

    @Override
    public Map<String, Integer> countByCategory(String id) {
      return counts("SELECT category, COUNT(*) AS n FROM subject_field WHERE subject_id = :id GROUP BY category", id);
    }

    @Override
    public void delete(String id) {
      h.createUpdate("DELETE FROM person_dimension WHERE subject_id = :id").bind("id", id).execute();
      // the ledger's derived state has no foreign key to subject on H2 (V61): it goes with the person here, as the cascade does elsewhere
      h.createUpdate("DELETE FROM consent_state WHERE subject_id = :id").bind("id", id).execute();
      h.createUpdate("DELETE FROM subject WHERE id = :id").bind("id", id).execute();
    }
  };

  // ---- consents ----

  private final ConsentRecords consents = new ConsentRecords() {
    /** The ledger's head as this transaction last read it under its lock or moved it: a hint, checked by the append. */
    private ConsentLedger.Head head;

    @Override
    public void lock() {
      head = ConsentLedger.lock(h);
    }

    @Override
    public Entry append(String subjectId, Entry entry) {
      Entry appended = ConsentLedger.append(h, subjectId, entry, head);
      head = new ConsentLedger.Head(appended.seq(), appended.hash());
      return appended;
    }

    @Override
    public List<Entry> ledger(String subjectId) {
      return ConsentLedger.of(h, subjectId);
    }

    @Override
    public List<State> states(String subjectId) {
      return h.createQuery("SELECT purpose, recipient, granted, policy_version, record_id, seq FROM consent_state WHERE subject_id = :s ORDER BY seq")
          .bind("s", subjectId).map((rs, ctx) -> new State(rs.getString("purpose"), rs.getString("recipient"), rs.getBoolean("granted"),
              rs.getInt("policy_version"), rs.getString("record_id"), rs.getLong("seq"))).list();
    }

    @Override
    public int count(String subjectId) {
      return h.createQuery("SELECT COUNT(*) FROM consent_record WHERE subject_id = :id").bind("id", subjectId).mapTo(Integer.class).one();
    }

    @Override
    public void addRequest(String subjectId, Request r) {
      h.createUpdate("INSERT INTO consent_request (id, subject_id, service, purpose, recipient, reason, status, requested_at) "
              + "VALUES (:id, :s, :svc, :p, :r, :reason, :status, :at)")
          .bind("id", r.id()).bind("s", subjectId).bind("svc", r.service()).bind("p", r.purpose()).bind("r", r.recipient())
          .bind("reason", key(subjectId).seal("consent-request:" + r.id(), r.reason())).bind("status", r.status())
          .bind("at", utc(r.requestedAt())).execute();
    }

    @Override
    public Optional<Request> request(String subjectId, String requestId) {
      DataKey key = key(subjectId);
      return h.createQuery("SELECT * FROM consent_request WHERE subject_id = :s AND id = :id").bind("s", subjectId).bind("id", requestId)
          .map((rs, ctx) -> consentRequest(rs, key)).findOne();
    }

    @Override
    public List<Request> requests(String subjectId) {
      DataKey key = key(subjectId);
      return h.createQuery("SELECT * FROM consent_request WHERE subject_id = :s ORDER BY requested_at DESC, id").bind("s", subjectId)
          .map((rs, ctx) -> consentRequest(rs, key)).list();
    }

    @Override
    public boolean answer(String subjectId, String requestId, String status, String consentId, Instant at) {
      return h.createUpdate("UPDATE consent_request SET status = :status, consent_id = :c, answered_at = :at WHERE subject_id = :s AND id = :id AND status = 'pending'")
          .bind("status", status).bind("c", consentId).bind("at", utc(at)).bind("s", subjectId).bind("id", requestId).execute() == 1;
    }
  };

  private static Request consentRequest(ResultSet rs, DataKey key) throws SQLException {
    OffsetDateTime answered = rs.getObject("answered_at", OffsetDateTime.class);
    return new Request(rs.getString("id"), rs.getString("service"), rs.getString("purpose"), rs.getString("recipient"),
        key.open("consent-request:" + rs.getString("id"), rs.getBytes("reason")), rs.getString("status"),
        rs.getObject("requested_at", OffsetDateTime.class).toInstant(), answered == null ? null : answered.toInstant(), rs.getString("consent_id"));
  }

  // ---- content ----

  private final ContentRecords content = new ContentRecords() {
    @Override
    public void add(String subjectId, Item c) {
      h.createUpdate("INSERT INTO content_item (id, subject_id, service, kind, purpose, category, ciphertext, created_at, expires_at) "
              + "VALUES (:id, :s, :svc, :kind, :p, :c, :ct, :at, :exp)")
          .bind("id", c.id()).bind("s", subjectId).bind("svc", c.service()).bind("kind", c.kind()).bind("p", c.purpose()).bind("c", c.category())
          .bind("ct", key(subjectId).seal("content:" + c.id(), c.text())).bind("at", utc(c.createdAt())).bind("exp", utc(c.deleteAfter())).execute();
    }

    @Override
    public List<Item> of(String subjectId) {
      DataKey key = key(subjectId);
      return h.createQuery("SELECT * FROM content_item WHERE subject_id = :id ORDER BY created_at, id").bind("id", subjectId)
          .map((rs, ctx) -> new Item(rs.getString("id"), rs.getString("service"), rs.getString("kind"), rs.getString("purpose"), rs.getString("category"),
              key.open("content:" + rs.getString("id"), rs.getBytes("ciphertext")), rs.getObject("created_at", OffsetDateTime.class).toInstant(),
              rs.getObject("expires_at", OffsetDateTime.class).toInstant())).list();
    }

    @Override
    public Map<String, Integer> countByCategory(String subjectId) {
      return counts("SELECT category, COUNT(*) AS n FROM content_item WHERE subject_id = :id GROUP BY category", subjectId);
    }

    @Override
    public Map<String, Integer> deleteExpired(Instant now) {
      Map<String, Integer> deleted = new TreeMap<>();
      h.createQuery("SELECT category, COUNT(*) AS n FROM content_item WHERE expires_at <= :now GROUP BY category").bind("now", utc(now))
          .mapToMap().forEach(r -> deleted.put((String) r.get("category"), ((Number) r.get("n")).intValue()));
      h.createUpdate("DELETE FROM content_item WHERE expires_at <= :now").bind("now", utc(now)).execute();
      return deleted;
    }
  };

  // ---- events ----

  private final EventRecords events = new EventRecords() {
    @Override
    public Iterable<Map<String, Object>> of(String subjectId) {
      return usage.eventsOf(h, subjectId);
    }

    @Override
    public List<Map<String, Object>> newest(int limit) {
      return usage.newest(h, limit);
    }

    @Override
    public List<Link> links(String subjectId) {
      return UsageEvents.links(h, subjectId);
    }

    @Override
    public Link link(String subjectId, String partner, String identifier, String purpose, String linkedBy, Instant at) {
      return usage.link(h, subjectId, partner, identifier, purpose, linkedBy, at);
    }

    @Override
    public boolean unlink(String subjectId, String linkId) {
      return h.createUpdate("DELETE FROM partner_link WHERE id = :id AND subject_id = :s").bind("id", linkId).bind("s", subjectId).execute() > 0;
    }

    @Override
    public int attachBrowser(String cookie, String subjectId) {
      return usage.attachBrowser(h, cookie, subjectId);
    }

    @Override
    public Erased eraseFor(String subjectId) {
      return usage.eraseFor(h, subjectId);
    }

    @Override
    public int deleteReceivedBy(Instant cutoff) {
      return UsageEvents.deleteReceivedBy(h, cutoff);
    }
  };

  // ---- requests ----

  private final RequestRecords requests = new RequestRecords() {
    @Override
    public void add(String subjectId, Request r) {
      h.createUpdate("INSERT INTO access_request (id, subject_id, kind, requested_at, deadline, served_at) VALUES (:id, :s, :k, :at, :dl, :served)")
          .bind("id", "rq-" + UUID.randomUUID()).bind("s", subjectId).bind("k", r.kind()).bind("at", utc(r.requestedAt()))
          .bind("dl", utc(r.deadline())).bind("served", r.servedAt() == null ? null : utc(r.servedAt())).execute();
    }

    @Override
    public List<Request> of(String subjectId) {
      return h.createQuery("SELECT kind, requested_at, deadline, served_at FROM access_request WHERE subject_id = :id ORDER BY requested_at")
          .bind("id", subjectId).map((rs, ctx) -> {
            OffsetDateTime served = rs.getObject("served_at", OffsetDateTime.class);
            return new Request(rs.getString("kind"), rs.getObject("requested_at", OffsetDateTime.class).toInstant(),
                rs.getObject("deadline", OffsetDateTime.class).toInstant(), served == null ? null : served.toInstant());
          }).list();
    }

    @Override
    public List<Map<String, Object>> correctionNotices(String subjectId) {
      return h.createQuery("SELECT recipient, field, created_at FROM correction_notice WHERE subject_id = :id ORDER BY created_at").bind("id", subjectId)
          .map((rs, ctx) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("recipient", rs.getString("recipient"));
            m.put("field", rs.getString("field"));
            m.put("created_at", rs.getObject("created_at", OffsetDateTime.class).toInstant());
            return m;
          }).list();
    }
  };

  // ---- erasures ----

  private final ErasureRecords erasures = new ErasureRecords() {
    @Override
    public void add(String erasureId, String subjectId, Instant at, String summary, List<String> keyOwners) {
      h.createUpdate("INSERT INTO erasure_record (id, subject_id, erased_at, summary) VALUES (:id, :s, :at, :sum)")
          .bind("id", erasureId).bind("s", subjectId).bind("at", utc(at)).bind("sum", summary).execute();
      for (String owner : keyOwners) {
        h.createUpdate("INSERT INTO erasure_pending_key (owner, erasure_id) VALUES (:o, :e)").bind("o", owner).bind("e", erasureId).execute();
      }
    }

    @Override
    public List<String> pendingKeys(String erasureId) {
      return h.createQuery("SELECT owner FROM erasure_pending_key WHERE erasure_id = :e ORDER BY owner").bind("e", erasureId).mapTo(String.class).list();
    }

    @Override
    public void keyDestroyed(String owner) {
      h.createUpdate("DELETE FROM erasure_pending_key WHERE owner = :o").bind("o", owner).execute();
    }

    @Override
    public void complete(String erasureId, Instant at) {
      h.createUpdate("UPDATE erasure_record SET completed_at = :at WHERE id = :e AND completed_at IS NULL").bind("at", utc(at)).bind("e", erasureId).execute();
    }

    @Override
    public List<String> unfinished() {
      return h.createQuery("SELECT id FROM erasure_record WHERE completed_at IS NULL ORDER BY erased_at").mapTo(String.class).list();
    }
  };

  // ---- staff ----

  private final StaffRecords staff = new StaffRecords() {
    @Override
    public Optional<List<String>> activeRoles(String staffId) {
      return h.createQuery("SELECT roles FROM staff_member WHERE id = :id AND revoked_at IS NULL").bind("id", staffId).mapTo(String.class).findOne()
          .map(roles -> roles.isEmpty() ? List.of() : List.of(roles.split(",")));
    }

    @Override
    public void addGrant(Grant g) {
      h.createUpdate("INSERT INTO staff_grant (id, staff_id, role, categories, purposes, valid_from, valid_until, granted_by, created_at, status, subjects, "
              + "justification_sealed, requested_at, decided_at) VALUES (:id, :s, :role, :c, :p, :from, :until, :by, :at, :status, :subjects, :j, :req, :dec)")
          .bind("id", g.id()).bind("s", g.staffId()).bind("role", g.role()).bind("c", String.join(",", g.categories())).bind("p", String.join(",", g.purposes()))
          .bind("from", utc(g.from())).bind("until", utc(g.until())).bind("by", g.grantedBy()).bind("at", utc(g.createdAt())).bind("status", g.status())
          .bind("subjects", g.subjects().isEmpty() ? null : String.join(",", g.subjects()))
          .bind("j", g.justification() == null ? null : key(g.staffId()).seal("grant-justification:" + g.id(), g.justification()))
          .bind("req", StaffRecords.REQUESTED.equals(g.status()) ? utc(g.createdAt()) : null)
          .bind("dec", g.decidedAt() == null ? null : utc(g.decidedAt())).execute();
    }

    @Override
    public boolean endGrant(String staffId, String grantId, Instant at) {
      return h.createUpdate("UPDATE staff_grant SET revoked_at = :at WHERE id = :id AND staff_id = :s AND revoked_at IS NULL AND status = 'approved'")
          .bind("at", utc(at)).bind("id", grantId).bind("s", staffId).execute() > 0;
    }

    @Override
    public boolean decideRequest(String grantId, String status, String decidedBy, Instant at) {
      return h.createUpdate("UPDATE staff_grant SET status = :status, granted_by = :by, decided_at = :at WHERE id = :id AND status = 'requested'")
          .bind("status", status).bind("by", decidedBy).bind("at", utc(at)).bind("id", grantId).execute() > 0;
    }

    @Override
    public Optional<Grant> findGrant(String grantId) {
      return h.createQuery("SELECT * FROM staff_grant WHERE id = :id").bind("id", grantId).map((rs, ctx) -> staffGrant(rs)).findOne();
    }

    @Override
    public List<Grant> grantsOf(String staffId) {
      return h.createQuery("SELECT * FROM staff_grant WHERE staff_id = :s ORDER BY created_at DESC, id DESC").bind("s", staffId)
          .map((rs, ctx) -> staffGrant(rs)).list();
    }

    @Override
    public List<Grant> grants(String status, int limit) {
      if (status == null) {
        return h.createQuery("SELECT * FROM staff_grant ORDER BY created_at DESC, id DESC LIMIT :n").bind("n", limit).map((rs, ctx) -> staffGrant(rs)).list();
      }
      return h.createQuery("SELECT * FROM staff_grant WHERE status = :status ORDER BY created_at DESC, id DESC LIMIT :n")
          .bind("status", status).bind("n", limit).map((rs, ctx) -> staffGrant(rs)).list();
    }

    @Override
    public void addAgreement(StaffRecords.Agreement a) {
      h.createUpdate("INSERT INTO staff_agreement (id, staff_id, document_version, signed_at, expires_at, recorded_by, recorded_at) "
              + "VALUES (:id, :s, :v, :signed, :expires, :by, :at)")
          .bind("id", a.id()).bind("s", a.staffId()).bind("v", a.documentVersion()).bind("signed", utc(a.signedAt()))
          .bind("expires", a.expiresAt() == null ? null : utc(a.expiresAt())).bind("by", a.recordedBy()).bind("at", utc(a.recordedAt())).execute();
      h.createUpdate("UPDATE staff_member SET agreement_signed = :signed WHERE id = :s").bind("signed", utc(a.signedAt())).bind("s", a.staffId()).execute();
    }

    @Override
    public List<StaffRecords.Agreement> agreementsOf(String staffId) {
      return h.createQuery("SELECT * FROM staff_agreement WHERE staff_id = :s ORDER BY signed_at DESC, id DESC").bind("s", staffId)
          .map((rs, ctx) -> StaffMembers.agreement(rs)).list();
    }

    @Override
    public List<StaffRecords.Agreement> agreementsWithoutExpiry(Instant now, int limit) {
      return h.createQuery("SELECT staff_agreement.* FROM staff_agreement JOIN staff_member m ON m.id = staff_agreement.staff_id WHERE m.revoked_at IS NULL "
              + "AND staff_agreement.expires_at IS NULL AND staff_agreement.signed_at <= :now AND " + StaffMembers.AGREEMENT_COUNTS
              + " ORDER BY staff_agreement.staff_id, staff_agreement.signed_at DESC LIMIT :n")
          .bind("now", utc(now)).bind("n", limit).map((rs, ctx) -> StaffMembers.agreement(rs)).list();
    }

    @Override
    public void addBreakGlass(StaffRecords.BreakGlass b) {
      h.createUpdate("INSERT INTO break_glass (id, staff_id, subject_id, role, categories, purpose, justification_sealed, opened_at, until_at, incident_id) "
              + "VALUES (:id, :s, :subject, :role, :c, :p, :j, :at, :until, :incident)")
          .bind("id", b.id()).bind("s", b.staffId()).bind("subject", b.subjectId()).bind("role", b.role()).bind("c", String.join(",", b.categories()))
          .bind("p", b.purpose()).bind("j", key(b.staffId()).seal("break-glass-justification:" + b.id(), b.justification()))
          .bind("at", utc(b.openedAt())).bind("until", utc(b.until())).bind("incident", b.incidentId()).execute();
    }

    @Override
    public List<StaffRecords.BreakGlass> breakGlass(int limit) {
      return h.createQuery("SELECT * FROM break_glass ORDER BY opened_at DESC, id DESC LIMIT :n").bind("n", limit).map((rs, ctx) -> {
        String id = rs.getString("id");
        String staffId = rs.getString("staff_id");
        return new StaffRecords.BreakGlass(id, staffId, rs.getString("subject_id"), rs.getString("role"), split(rs.getString("categories")),
            rs.getString("purpose"), key(staffId).open("break-glass-justification:" + id, rs.getBytes("justification_sealed")),
            rs.getObject("opened_at", OffsetDateTime.class).toInstant(), rs.getObject("until_at", OffsetDateTime.class).toInstant(), rs.getString("incident_id"));
      }).list();
    }
  };

  private Grant staffGrant(ResultSet rs) throws SQLException {
    Grant g = StaffMembers.grant(rs);
    byte[] sealed = rs.getBytes("justification_sealed");
    if (sealed == null) {
      return g;
    }
    return new Grant(g.id(), g.staffId(), g.role(), g.categories(), g.purposes(), g.from(), g.until(), g.grantedBy(), g.createdAt(), g.revokedAt(),
        g.status(), g.subjects(), key(g.staffId()).open("grant-justification:" + g.id(), sealed), g.decidedAt());
  }

  private static List<String> split(String joined) {
    return joined == null || joined.isEmpty() ? List.of() : List.of(joined.split(","));
  }

  // ---- incidents ----

  @Override
  public String openIncident(IncidentRecords.Incident i, Instant joinSince) {
    String subject = i.subject() == null || i.subject().length() > 40 ? null : i.subject();
    String operation = clip(i.operation(), 64);
    String purpose = clip(i.purpose(), 64);
    String rules = clip(String.join(",", i.rules()), 2000);
    if (joinSince != null) {
      // the staff member's row, locked to the end of the transaction: two denials of theirs at once take turns here, so the second
      // finds the incident the first opened and joins it rather than opening a second (a staff id with no row locks nothing)
      h.createQuery("SELECT id FROM staff_member WHERE id = :staff FOR UPDATE").bind("staff", i.staffId()).mapTo(String.class).findOne();
      var open = h.createQuery("SELECT id, categories FROM incident WHERE staff_id = :staff AND status = 'open' AND last_seen_at >= :since AND kind = :kind "
              + "AND operation = :op AND purpose = :purpose AND rules = :rules AND " + (subject == null ? "subject_id IS NULL" : "subject_id = :subject")
              + " ORDER BY last_seen_at DESC, id DESC LIMIT 1")
          .bind("staff", i.staffId()).bind("since", utc(joinSince)).bind("kind", i.kind()).bind("op", operation).bind("purpose", purpose).bind("rules", rules)
          .bind("subject", subject).map((rs, ctx) -> new String[] {rs.getString("id"), rs.getString("categories")}).findOne();
      if (open.isPresent()) {
        Set<String> categories = new LinkedHashSet<>(split(open.get()[1]));
        categories.addAll(i.categories());
        // a row closed since it was read takes no attempt: the attempt then opens an incident of its own
        boolean joined = h.createUpdate("UPDATE incident SET attempts = attempts + 1, last_seen_at = :at, categories = :c WHERE id = :id AND status = 'open'")
            .bind("at", utc(i.openedAt())).bind("c", clip(String.join(",", categories), 2000)).bind("id", open.get()[0]).execute() > 0;
        if (joined) {
          return open.get()[0];
        }
      }
    }
    h.createUpdate("INSERT INTO incident (id, kind, staff_id, opened_at, operation, purpose, subject_id, categories, rules, clauses, request_id, status, attempts, "
            + "last_seen_at) VALUES (:id, :kind, :staff, :at, :op, :purpose, :subject, :c, :rules, :clauses, :rid, 'open', 1, :at)")
        .bind("id", i.id()).bind("kind", i.kind()).bind("staff", i.staffId()).bind("at", utc(i.openedAt())).bind("op", operation)
        .bind("purpose", purpose).bind("subject", subject)
        .bind("c", clip(String.join(",", i.categories()), 2000)).bind("rules", rules)
        .bind("clauses", clip(String.join(",", i.clauses()), 400)).bind("rid", i.requestId() == null ? null : clip(i.requestId(), 100)).execute();
    return i.id();
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  @Override
  public IncidentRecords incidents() {
    return incidents;
  }

  private final IncidentRecords incidents = new IncidentRecords() {
    @Override
    public Optional<Incident> find(String id) {
      return h.createQuery("SELECT * FROM incident WHERE id = :id").bind("id", id).map((rs, ctx) -> incident(rs)).findOne();
    }

    @Override
    public List<Incident> list(Filter f) {
      StringBuilder sql = new StringBuilder("SELECT * FROM incident WHERE 1 = 1");
      Map<String, Object> binds = new LinkedHashMap<>();
      if (f.status() != null) {
        sql.append(" AND status = :status");
        binds.put("status", f.status());
      }
      if (f.kind() != null) {
        sql.append(" AND kind = :kind");
        binds.put("kind", f.kind());
      }
      if (f.staffId() != null) {
        sql.append(" AND staff_id = :staff");
        binds.put("staff", f.staffId());
      }
      if (f.since() != null) {
        sql.append(" AND opened_at >= :since");
        binds.put("since", utc(f.since()));
      }
      if (f.until() != null) {
        sql.append(" AND opened_at < :until");
        binds.put("until", utc(f.until()));
      }
      sql.append(" ORDER BY opened_at DESC, id DESC LIMIT :n");
      var q = h.createQuery(sql.toString()).bind("n", f.limit());
      binds.forEach(q::bind);
      return q.map((rs, ctx) -> incident(rs)).list();
    }

    @Override
    public boolean close(String id, String outcome, String note, String closedBy, Instant at) {
      String staffId = h.createQuery("SELECT staff_id FROM incident WHERE id = :id").bind("id", id).mapTo(String.class).findOne().orElse(null);
      if (staffId == null) {
        return false;
      }
      return h.createUpdate("UPDATE incident SET status = 'closed', outcome = :o, note_sealed = :n, closed_by = :by, closed_at = :at WHERE id = :id AND status = 'open'")
          .bind("o", outcome).bind("n", key(staffId).seal("incident-note:" + id, note)).bind("by", closedBy).bind("at", utc(at)).bind("id", id).execute() > 0;
    }

    private Incident incident(ResultSet rs) throws SQLException {
      String id = rs.getString("id");
      String staffId = rs.getString("staff_id");
      byte[] note = rs.getBytes("note_sealed");
      OffsetDateTime closed = rs.getObject("closed_at", OffsetDateTime.class);
      return new Incident(id, rs.getString("kind"), staffId, rs.getObject("opened_at", OffsetDateTime.class).toInstant(), rs.getString("operation"),
          rs.getString("purpose"), rs.getString("subject_id"), split(rs.getString("categories")), split(rs.getString("rules")), split(rs.getString("clauses")),
          rs.getString("request_id"), rs.getString("status"), rs.getString("outcome"), note == null ? null : key(staffId).open("incident-note:" + id, note),
          rs.getString("closed_by"), closed == null ? null : closed.toInstant(), rs.getInt("attempts"),
          rs.getObject("last_seen_at", OffsetDateTime.class).toInstant());
    }
  };

  @Override
  public List<RequestRecords.Request> requestsSince(Instant since) {
    return h.createQuery("SELECT kind, requested_at, deadline, served_at FROM access_request WHERE requested_at >= :since ORDER BY requested_at")
        .bind("since", utc(since)).map((rs, ctx) -> {
          OffsetDateTime served = rs.getObject("served_at", OffsetDateTime.class);
          return new RequestRecords.Request(rs.getString("kind"), rs.getObject("requested_at", OffsetDateTime.class).toInstant(),
              rs.getObject("deadline", OffsetDateTime.class).toInstant(), served == null ? null : served.toInstant());
        }).list();
  }

  // ---- staff facts (C32, C33) ----

  /**
   * What the platform holds about a staff member for a decision about {@code subject} (null: none): their
   * type while they are active, the signature of their agreement in force, and the grants in force that
   * may reach the person — approved, within their window, for anyone or naming the person — with a
   * break-glass opening on the person, in force, as a grant for its role, categories and purpose. Looked
   * up in this transaction; never from the caller.
   */
  private Facts.Staff staffFacts(Access by, String subject, Instant now) {
    if (by.id().startsWith("system:")) {
      return by.staff();
    }
    String type = h.createQuery("SELECT type FROM staff_member WHERE id = :id AND revoked_at IS NULL").bind("id", by.id()).mapTo(String.class).findOne()
        .orElse(null);
    if (type == null) {
      return new Facts.Staff(by.id(), null, null, List.of());
    }
    OffsetDateTime t = utc(now);
    Instant signed = h.createQuery("SELECT signed_at FROM staff_agreement WHERE staff_id = :s AND signed_at <= :now AND " + StaffMembers.AGREEMENT_COUNTS
            + " ORDER BY signed_at DESC").bind("s", by.id()).bind("now", t).map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class).toInstant()).findFirst()
        .orElse(null);
    List<Facts.Grant> grants = new ArrayList<>();
    h.createQuery("SELECT * FROM staff_grant WHERE staff_id = :s AND status = 'approved' AND revoked_at IS NULL AND valid_from <= :now AND valid_until > :now "
            + "ORDER BY id").bind("s", by.id()).bind("now", t).map((rs, ctx) -> StaffMembers.grant(rs))
        .forEach(g -> {
          if (g.subjects().isEmpty() || subject != null && g.subjects().contains(subject)) {
            grants.add(new Facts.Grant(g.role(), g.categories(), g.purposes(), g.from(), g.until()));
          }
        });
    if (subject != null) {
      h.createQuery("SELECT role, categories, purpose, opened_at, until_at FROM break_glass WHERE staff_id = :s AND subject_id = :subject "
              + "AND opened_at <= :now AND until_at > :now ORDER BY id").bind("s", by.id()).bind("subject", subject).bind("now", t)
          .map((rs, ctx) -> new Facts.Grant(rs.getString(1), split(rs.getString(2)), List.of(rs.getString(3)), rs.getObject(4, OffsetDateTime.class).toInstant(),
              rs.getObject(5, OffsetDateTime.class).toInstant())).forEach(grants::add);
    }
    return new Facts.Staff(by.id(), type, signed, grants);
  }

  @Override
  public Optional<String> breakGlass(Access by, String subject, Instant now) {
    if (by.kind() != ActorKind.STAFF || subject == null) {
      return Optional.empty();
    }
    return h.createQuery("SELECT id FROM break_glass WHERE staff_id = :s AND subject_id = :subject AND opened_at <= :now AND until_at > :now ORDER BY id DESC")
        .bind("s", by.id()).bind("subject", subject).bind("now", utc(now)).mapTo(String.class).findFirst();
  }

  // ---- reviews ----

  private final ReviewRecords reviews = new ReviewRecords() {
    @Override
    public void add(Review r) {
      h.createUpdate("INSERT INTO review (id, created_at, created_by, report) VALUES (:id, :at, :by, :r)")
          .bind("id", r.id()).bind("at", utc(r.createdAt())).bind("by", r.createdBy()).bind("r", Json.write(r.report())).execute();
    }

    @Override
    public Optional<Review> find(String id) {
      return h.createQuery("SELECT * FROM review WHERE id = :id").bind("id", id).map((rs, ctx) -> review(rs)).findOne();
    }

    @Override
    public List<Review> list() {
      return h.createQuery("SELECT * FROM review ORDER BY created_at DESC, id").map((rs, ctx) -> review(rs)).list();
    }

    @Override
    public boolean signOff(String id, String by, Instant at, String note) {
      return h.createUpdate("UPDATE review SET signed_off_by = :by, signed_off_at = :at, sign_off_note = :n WHERE id = :id AND signed_off_by IS NULL")
          .bind("by", by).bind("at", utc(at)).bind("n", note).bind("id", id).execute() > 0;
    }

    private Review review(ResultSet rs) throws SQLException {
      OffsetDateTime signed = rs.getObject("signed_off_at", OffsetDateTime.class);
      return new Review(rs.getString("id"), rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("created_by"),
          Json.read(rs.getString("report")), rs.getString("signed_off_by"), signed == null ? null : signed.toInstant(), rs.getString("sign_off_note"));
    }
  };

  // ---- messages ----

  private final MessageRecords messages = new MessageRecords() {
    private static final String ENTRY = "SELECT id, subject_id, service, kind, purpose, status, attempts, queued_at, next_attempt_at, sent_at, last_error "
        + "FROM message_outbox ";
    /**
     * The lower bound of every read of the due index (V54): H2 keeps its NULLs (every message that left the queue) at the
     * index's start, and a range with no lower bound would walk them all; nothing is due before it.
     */
    private static final OffsetDateTime EPOCH = OffsetDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC);

    @Override
    public void lockPerson(String subjectId) {
      h.createQuery("SELECT id FROM subject WHERE id = :id FOR UPDATE").bind("id", subjectId).mapTo(String.class).findOne();
    }

    @Override
    public Set<String> lockPeople(Collection<String> subjectIds) {
      if (subjectIds.isEmpty()) {
        return Set.of();
      }
      return SqlLists.query(h, "SELECT id FROM subject WHERE id IN (<ids>) ORDER BY id FOR UPDATE", "ids", subjectIds)
          .mapTo(String.class).collect(Collectors.toSet());
    }

    @Override
    public Map<String, Entry> byIdempotencyKeys(String service, Collection<String> keys) {
      Map<String, Entry> out = new HashMap<>();
      if (keys.isEmpty()) {
        return out;
      }
      // by the key alone, so that the key's own index is used; another service's message under the same hash is left out here
      SqlLists.query(h, "SELECT idempotency_key, id, subject_id, service, kind, purpose, status, attempts, queued_at, next_attempt_at, sent_at, last_error "
              + "FROM message_outbox WHERE idempotency_key IN (<keys>)", "keys", keys)
          .map((rs, ctx) -> Map.entry(rs.getString("idempotency_key"), entry(rs))).forEach(e -> {
            if (e.getValue().service().equals(service)) {
              out.put(e.getKey(), e.getValue());
            }
          });
      return out;
    }

    @Override
    public Map<String, Integer> countsSince(Collection<String> subjectIds, String kind, Instant since) {
      Map<String, Integer> out = new HashMap<>();
      if (subjectIds.isEmpty()) {
        return out;
      }
      SqlLists.query(h, "SELECT subject_id, COUNT(*) FROM message_outbox WHERE subject_id IN (<ids>) AND kind = :k AND queued_at >= :since "
              + "AND status <> 'withdrawn' GROUP BY subject_id", "ids", subjectIds).bind("k", kind).bind("since", utc(since))
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getInt(2))).forEach(e -> out.put(e.getKey(), e.getValue()));
      return out;
    }

    @Override
    public void addAll(List<Queued> batch, Instant firstAttempt) {
      if (batch.isEmpty()) {
        return;
      }
      Map<String, DataKey> dataKeys = keys(batch.stream().map(Queued::subjectId).toList());
      var insert = h.prepareBatch("INSERT INTO message_outbox (id, subject_id, service, kind, purpose, idempotency_key, subject_sealed, body_sealed, status, "
          + "attempts, queued_at, next_attempt_at, due_at) VALUES (:id, :s, :svc, :k, :p, :ik, :subj, :body, 'queued', 0, :at, :next, :next)");
      for (Queued m : batch) {
        DataKey key = dataKeys.get(m.subjectId());
        insert.bind("id", m.id()).bind("s", m.subjectId()).bind("svc", m.service()).bind("k", m.kind()).bind("p", m.purpose()).bind("ik", m.idempotencyKey())
            .bind("subj", key.seal("message-subject:" + m.id(), m.subject())).bind("body", key.seal("message-body:" + m.id(), m.body()))
            .bind("at", utc(m.queuedAt())).bind("next", utc(firstAttempt)).add();
      }
      insert.execute();
    }

    @Override
    public void addAllShared(List<Queued> batch, Instant firstAttempt) {
      if (batch.isEmpty()) {
        return;
      }
      Queued first = batch.get(0);
      for (Queued m : batch) {
        if (!m.subject().equals(first.subject()) || !m.body().equals(first.body())) {
          throw new IllegalArgumentException("the messages of a shared text must all have its subject and body");
        }
      }
      // the text's own key, in the key store under the text's id as a person's is under theirs: sealed once for the group
      String textId = "mtx-" + Ids.timeOrdered();
      DataKey key = keys.newDataKey(textId);
      keyStore.put(textId, key.wrapped(), key.version());
      opened.put(textId, key);
      h.createUpdate("INSERT INTO message_text (id, subject_sealed, body_sealed, created_at) VALUES (:id, :subj, :body, :at)").bind("id", textId)
          .bind("subj", key.seal("message-subject:" + textId, first.subject())).bind("body", key.seal("message-body:" + textId, first.body()))
          .bind("at", utc(first.queuedAt())).execute();
      // multi-row statements of ROWS_AT_ONCE rows: one statement's work for them all (H2 runs a JDBC batch a row at a time, and
      // PostgreSQL's driver sends each row of one as a statement of its own); what all rows share is bound once
      OffsetDateTime next = utc(firstAttempt);
      for (int from = 0; from < batch.size(); from += ROWS_AT_ONCE) {
        List<Queued> rows = batch.subList(from, Math.min(batch.size(), from + ROWS_AT_ONCE));
        var insert = h.createUpdate(sharedInsert(rows.size())).configure(SqlStatements.class, c -> c.setSqlParser(SqlLists.PARSER))
            .bind("svc", first.service()).bind("k", first.kind()).bind("p", first.purpose()).bind("t", textId).bind("next", next);
        for (int i = 0; i < rows.size(); i++) {
          Queued m = rows.get(i);
          if (!m.service().equals(first.service()) || !m.kind().equals(first.kind()) || !m.purpose().equals(first.purpose())) {
            throw new IllegalArgumentException("the messages of a shared text must all have its service, kind and purpose");
          }
          insert.bind("id" + i, m.id()).bind("s" + i, m.subjectId()).bind("ik" + i, m.idempotencyKey()).bind("at" + i, utc(m.queuedAt()));
        }
        insert.execute();
      }
    }

    /** The rows of one multi-row insert of {@link #addAllShared}. */
    private static final int ROWS_AT_ONCE = 200;

    /** An insert of {@code n} messages naming one shared text. */
    private String sharedInsert(int n) {
      StringBuilder sql = new StringBuilder(120 + n * 60).append("INSERT INTO message_outbox (id, subject_id, service, kind, purpose, idempotency_key, ")
          .append("text_id, status, attempts, queued_at, next_attempt_at, due_at) VALUES ");
      for (int i = 0; i < n; i++) {
        sql.append(i == 0 ? "" : ", ").append("(:id").append(i).append(", :s").append(i).append(", :svc, :k, :p, :ik").append(i)
            .append(", :t, 'queued', 0, :at").append(i).append(", :next, :next)");
      }
      return sql.toString();
    }

    @Override
    public List<String> forgetUnusedTexts(Instant before, int limit) {
      // the texts first, then the ids the outbox names: a text seen here committed with its rows, so the
      // second read sees them; and no row ever comes to name a text later. One pass over the outbox, no index
      List<String> old = h.createQuery("SELECT id FROM message_text WHERE created_at < :before ORDER BY id").bind("before", utc(before))
          .mapTo(String.class).list();
      if (old.isEmpty()) {
        return List.of();
      }
      Set<String> named = h.createQuery("SELECT DISTINCT text_id FROM message_outbox WHERE text_id IS NOT NULL").mapTo(String.class).collect(Collectors.toSet());
      List<String> unused = old.stream().filter(id -> !named.contains(id)).limit(limit).toList();
      if (unused.isEmpty()) {
        return unused;
      }
      var delete = h.prepareBatch("DELETE FROM message_text WHERE id = :id");
      unused.forEach(id -> delete.bind("id", id).add());
      int[] deleted = delete.execute();
      List<String> out = new ArrayList<>();
      for (int i = 0; i < unused.size(); i++) {
        if (deleted[i] > 0) {
          out.add(unused.get(i));
        }
      }
      return out;
    }

    @Override
    public Set<String> unsubscribed(Collection<String> subjectIds, String kind) {
      return subjectIds.isEmpty() ? Set.of() : SqlLists.query(h, "SELECT subject_id FROM message_unsubscription WHERE kind = :k AND subject_id IN (<ids>)", "ids", subjectIds)
          .bind("k", kind).mapTo(String.class).collect(Collectors.toSet());
    }

    @Override
    public Set<String> suppressed(Collection<String> subjectIds) {
      return ids("SELECT subject_id FROM message_suppression WHERE subject_id IN (<ids>)", subjectIds);
    }

    @Override
    public Optional<Entry> byIdempotencyKey(String service, String key) {
      return h.createQuery(ENTRY + "WHERE service = :svc AND idempotency_key = :k").bind("svc", service).bind("k", key).map((rs, ctx) -> entry(rs)).findOne();
    }

    @Override
    public int countSince(String subjectId, String kind, Instant since) {
      return h.createQuery("SELECT COUNT(*) FROM message_outbox WHERE subject_id = :s AND kind = :k AND queued_at >= :since AND status <> 'withdrawn'")
          .bind("s", subjectId).bind("k", kind).bind("since", utc(since)).mapTo(Integer.class).one();
    }

    @Override
    public void add(Queued m, Instant firstAttempt) {
      DataKey key = key(m.subjectId());
      h.createUpdate("INSERT INTO message_outbox (id, subject_id, service, kind, purpose, idempotency_key, subject_sealed, body_sealed, status, attempts, "
              + "queued_at, next_attempt_at, due_at) VALUES (:id, :s, :svc, :k, :p, :ik, :subj, :body, 'queued', 0, :at, :next, :next)")
          .bind("id", m.id()).bind("s", m.subjectId()).bind("svc", m.service()).bind("k", m.kind()).bind("p", m.purpose()).bind("ik", m.idempotencyKey())
          .bind("subj", key.seal("message-subject:" + m.id(), m.subject())).bind("body", key.seal("message-body:" + m.id(), m.body()))
          .bind("at", utc(m.queuedAt())).bind("next", utc(firstAttempt)).execute();
    }

    @Override
    public List<String> due(Instant now, int limit) {
      // the due index (V54) in its order: it holds the messages waiting and the few being sent (skipped here), and stops at the batch's size
      return h.createQuery("SELECT id FROM message_outbox WHERE due_at >= :epoch AND due_at <= :now AND status = 'queued' ORDER BY due_at, id LIMIT :n")
          .bind("epoch", EPOCH).bind("now", utc(now)).bind("n", limit).mapTo(String.class).list();
    }

    @Override
    public List<String> due(Instant now, int limit, int shard, int shards) {
      if (shards == 1) {
        return due(now, limit);
      }
      // an id ends in a random hex digit (a UUIDv7's random bits): its code, modulo the shares, spreads the outbox evenly. The order
      // is the due index's (V54), so the database walks it and stops at the batch's size
      return h.createQuery("SELECT id FROM message_outbox WHERE due_at >= :epoch AND due_at <= :now AND status = 'queued' "
              + "AND MOD(ASCII(RIGHT(id, 1)), :shards) = :shard ORDER BY due_at, id LIMIT :n")
          .bind("epoch", EPOCH).bind("now", utc(now)).bind("shards", shards).bind("shard", shard).bind("n", limit).mapTo(String.class).list();
    }

    @Override
    public Optional<Entry> claim(String id) {
      return h.createQuery(ENTRY + "WHERE id = :id AND status = 'queued' FOR UPDATE").bind("id", id).map((rs, ctx) -> entry(rs)).findOne();
    }

    @Override
    public Map.Entry<String, String> open(Entry m) {
      return openAll(List.of(m)).get(m.id());
    }

    @Override
    public List<Entry> claimAll(List<String> ids) {
      if (ids.isEmpty()) {
        return List.of();
      }
      Map<String, Entry> found = new HashMap<>();
      // SKIP LOCKED: a message another sender (on this node or another) is claiming right now is theirs; no waiting for it
      SqlLists.query(h, ENTRY + "WHERE id IN (<ids>) AND status = 'queued' ORDER BY id FOR UPDATE SKIP LOCKED", "ids", ids)
          .map((rs, ctx) -> entry(rs)).forEach(e -> found.put(e.id(), e));
      return ids.stream().map(found::get).filter(Objects::nonNull).toList();
    }

    @Override
    public Map<String, Map.Entry<String, String>> openAll(List<Entry> batch) {
      Map<String, Map.Entry<String, String>> out = new HashMap<>();
      if (batch.isEmpty()) {
        return out;
      }
      Map<String, String> people = new HashMap<>();
      batch.forEach(m -> people.put(m.id(), m.subjectId()));
      record Sealed(String id, String textId, byte[] subject, byte[] body) {}
      // a message holds its own text sealed with its person's key, or names a shared text sealed with the text's key
      List<Sealed> rows = SqlLists.query(h, "SELECT o.id, o.text_id, COALESCE(o.subject_sealed, t.subject_sealed), COALESCE(o.body_sealed, t.body_sealed) "
              + "FROM message_outbox o LEFT JOIN message_text t ON t.id = o.text_id WHERE o.id IN (<ids>)", "ids", people.keySet())
          .map((rs, ctx) -> new Sealed(rs.getString(1), rs.getString(2), rs.getBytes(3), rs.getBytes(4))).list();
      Map<String, String> owners = new HashMap<>();
      rows.forEach(r -> owners.put(r.id(), r.textId() != null ? r.textId() : people.get(r.id())));
      Map<String, DataKey> dataKeys = keys(owners.values().stream().distinct().toList());
      Map<String, Map.Entry<String, String>> texts = new HashMap<>();
      for (Sealed r : rows) {
        String owner = owners.get(r.id());
        // the additional data names what the text was sealed as: the message, or the shared text
        String as = r.textId() != null ? r.textId() : r.id();
        out.put(r.id(), texts.computeIfAbsent(owner + "\n" + as, k -> new AbstractMap.SimpleImmutableEntry<>(
            dataKeys.get(owner).open("message-subject:" + as, r.subject()), dataKeys.get(owner).open("message-body:" + as, r.body()))));
      }
      return out;
    }

    @Override
    public void markAll(List<Mark> marks) {
      if (marks.isEmpty()) {
        return;
      }
      // the marks of a batch are mostly alike (every message sent at one moment, on its first attempt): each set of alike marks is
      // one statement over the ids' IN list instead of a statement a message; a mark unlike the others, or an id that could not be
      // written as a literal, goes in the batch
      Map<Mark, List<String>> alike = new LinkedHashMap<>();
      Map<Status, PreparedBatch> batches = new EnumMap<>(Status.class);
      for (Mark m : marks) {
        if (SqlLists.plain(m.id())) {
          alike.computeIfAbsent(new Mark(null, m.status(), m.attempts(), m.next(), m.sentAt(), shortError(m.error())), k -> new ArrayList<>()).add(m.id());
        } else {
          batches.computeIfAbsent(m.status(), st -> h.prepareBatch(markSql(st) + "id = :id"))
              .bind("st", m.status().name().toLowerCase(Locale.ROOT)).bind("a", m.attempts()).bind("next", utc(m.next()))
              .bind("sent", m.sentAt() == null ? null : utc(m.sentAt())).bind("err", shortError(m.error())).bind("id", m.id()).add();
        }
      }
      alike.forEach((m, ids) -> SqlLists.update(h, markSql(m.status()) + "id IN (<ids>)", "ids", ids)
          .bind("st", m.status().name().toLowerCase(Locale.ROOT)).bind("a", m.attempts()).bind("next", utc(m.next()))
          .bind("sent", m.sentAt() == null ? null : utc(m.sentAt())).bind("err", m.error()).execute());
      batches.values().forEach(PreparedBatch::execute);
    }

    /**
     * The update of a mark to {@code status}, up to its WHERE clause's condition. The due time (V54) is the
     * next attempt's while the message waits, is left as it is when a sender claims it (so the claim
     * changes no indexed column), and is cleared when the message leaves the queue for good.
     */
    private String markSql(Status status) {
      String due = switch (status) {
        case QUEUED -> ", due_at = :next";
        case SENDING -> "";
        default -> ", due_at = NULL";
      };
      return "UPDATE message_outbox SET status = :st, attempts = :a, next_attempt_at = :next, sent_at = :sent, last_error = :err" + due + " WHERE ";
    }

    @Override
    public void mark(String id, Status status, int attempts, Instant next, Instant sentAt, String error) {
      h.createUpdate(markSql(status) + "id = :id")
          .bind("st", status.name().toLowerCase(Locale.ROOT)).bind("a", attempts).bind("next", utc(next)).bind("sent", sentAt == null ? null : utc(sentAt))
          .bind("err", shortError(error)).bind("id", id).execute();
    }

    private String shortError(String error) {
      return error == null ? null : error.length() > 200 ? error.substring(0, 200) : error;
    }

    @Override
    public Optional<Entry> entry(String id) {
      return h.createQuery(ENTRY + "WHERE id = :id").bind("id", id).map((rs, ctx) -> entry(rs)).findOne();
    }

    @Override
    public List<Entry> of(String subjectId, int limit) {
      return h.createQuery(ENTRY + "WHERE subject_id = :s ORDER BY queued_at DESC, id DESC LIMIT :n").bind("s", subjectId).bind("n", limit)
          .map((rs, ctx) -> entry(rs)).list();
    }

    @Override
    public List<Entry> newest(Status status, int limit) {
      return h.createQuery(ENTRY + (status == null ? "" : "WHERE status = :st ") + "ORDER BY queued_at DESC, id DESC LIMIT :n")
          .bind("st", status == null ? null : status.name().toLowerCase(Locale.ROOT)).bind("n", limit).map((rs, ctx) -> entry(rs)).list();
    }

    @Override
    public boolean unsubscribe(String subjectId, String kind, Instant at) {
      ConsentLedger.lock(h); // the person's row is written below: in the ledger's order (head, then the row), as an append does
      if (h.createQuery("SELECT COUNT(*) FROM message_unsubscription WHERE subject_id = :s AND kind = :k").bind("s", subjectId).bind("k", kind)
          .mapTo(Integer.class).one() > 0) {
        return false;
      }
      h.createUpdate("INSERT INTO message_unsubscription (subject_id, kind, since) VALUES (:s, :k, :at)").bind("s", subjectId).bind("k", kind)
          .bind("at", utc(at)).execute();
      conditionsChanged(subjectId);
      return true;
    }

    @Override
    public boolean resubscribe(String subjectId, String kind) {
      ConsentLedger.lock(h);
      boolean removed = h.createUpdate("DELETE FROM message_unsubscription WHERE subject_id = :s AND kind = :k").bind("s", subjectId).bind("k", kind).execute() > 0;
      conditionsChanged(subjectId);
      return removed;
    }

    /**
     * The gateway's conditions in the person's row, which the engine reads (JdbcWork.FACTS, V60), set again from their rows. The
     * sub-selects name the row being updated, not the parameter: H2 keeps the result of a sub-select that depends on nothing but
     * parameters and may answer it again after this transaction's own insert.
     */
    private void conditionsChanged(String subjectId) {
      h.createUpdate("UPDATE subject s SET unsubscribed_marketing = EXISTS (SELECT 1 FROM message_unsubscription u WHERE u.subject_id = s.id AND u.kind = 'marketing'), "
          + "suppressed = EXISTS (SELECT 1 FROM message_suppression m WHERE m.subject_id = s.id) WHERE s.id = :s").bind("s", subjectId).execute();
    }

    @Override
    public List<String> unsubscribed(String subjectId) {
      return h.createQuery("SELECT kind FROM message_unsubscription WHERE subject_id = :s ORDER BY kind").bind("s", subjectId).mapTo(String.class).list();
    }

    @Override
    public boolean suppress(String subjectId, String reason, Instant at) {
      ConsentLedger.lock(h);
      if (suppressed(subjectId)) {
        return false;
      }
      h.createUpdate("INSERT INTO message_suppression (subject_id, reason, since) VALUES (:s, :r, :at)").bind("s", subjectId).bind("r", reason)
          .bind("at", utc(at)).execute();
      conditionsChanged(subjectId);
      return true;
    }

    @Override
    public boolean suppressed(String subjectId) {
      return h.createQuery("SELECT COUNT(*) FROM message_suppression WHERE subject_id = :s").bind("s", subjectId).mapTo(Integer.class).one() > 0;
    }

    @Override
    public Stats stats() {
      Map<Status, Long> by = new EnumMap<>(Status.class);
      for (Status s : Status.values()) {
        by.put(s, 0L);
      }
      h.createQuery("SELECT status, COUNT(*) FROM message_outbox GROUP BY status")
          .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).forEach(e -> by.put(Status.valueOf(e.getKey().toUpperCase(Locale.ROOT)), e.getValue()));
      Instant oldest = h.createQuery("SELECT MIN(queued_at) FROM message_outbox WHERE status = 'queued'")
          .map((rs, ctx) -> Optional.ofNullable(rs.getObject(1, OffsetDateTime.class)).map(OffsetDateTime::toInstant)).one().orElse(null);
      return new Stats(by, oldest);
    }

    @Override
    public int markInterruptedUncertain(Instant before) {
      // a message being sent keeps its due time, which is never after its claim time (next_attempt_at while sending): the due index finds them
      return h.createUpdate("UPDATE message_outbox SET status = 'uncertain', due_at = NULL, last_error = 'the sender stopped before the mail server answered' "
          + "WHERE due_at >= :epoch AND due_at < :before AND status = 'sending' AND next_attempt_at < :before").bind("epoch", EPOCH).bind("before", utc(before))
          .execute();
    }

    @Override
    public List<Entry> page(String subjectId, String before, int limit) {
      var q = h.createQuery(ENTRY + "WHERE subject_id = :s" + (before == null ? "" : " AND id < :before") + " ORDER BY id DESC LIMIT :n")
          .bind("s", subjectId).bind("n", limit);
      return (before == null ? q : q.bind("before", before)).map((rs, ctx) -> entry(rs)).list();
    }

    @Override
    public List<Entry> waiting(String subjectId, int limit) {
      return h.createQuery(ENTRY + "WHERE subject_id = :s AND status IN ('queued', 'sending') ORDER BY id DESC LIMIT :n")
          .bind("s", subjectId).bind("n", limit).map((rs, ctx) -> entry(rs)).list();
    }

    private Entry entry(ResultSet rs) throws SQLException {
      OffsetDateTime sent = rs.getObject("sent_at", OffsetDateTime.class);
      return new Entry(rs.getString("id"), rs.getString("subject_id"), rs.getString("service"), rs.getString("kind"), rs.getString("purpose"),
          Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)), rs.getInt("attempts"), rs.getObject("queued_at", OffsetDateTime.class).toInstant(),
          rs.getObject("next_attempt_at", OffsetDateTime.class).toInstant(), sent == null ? null : sent.toInstant(), rs.getString("last_error"));
    }
  };

  // ---- templates and audiences ----

  private final TemplateRecords templates = new TemplateRecords() {
    @Override
    public Template add(String name, String kind, String purpose, String subject, String body, String createdBy, Instant at) {
      // the lock of the newest version (none for a new name: the primary key refuses a second version 1)
      int version = h.createQuery("SELECT version FROM message_template WHERE name = :n ORDER BY version DESC LIMIT 1 FOR UPDATE").bind("n", name)
          .mapTo(Integer.class).findOne().orElse(0) + 1;
      h.createUpdate("INSERT INTO message_template (name, version, kind, purpose, subject, body, created_by, created_at) "
              + "VALUES (:n, :v, :k, :p, :s, :b, :by, :at)")
          .bind("n", name).bind("v", version).bind("k", kind).bind("p", purpose).bind("s", subject).bind("b", body).bind("by", createdBy).bind("at", utc(at))
          .execute();
      return new Template(name, version, kind, purpose, subject, body, createdBy, at);
    }

    @Override
    public List<Template> newest() {
      return h.createQuery("SELECT * FROM message_template t WHERE version = (SELECT MAX(version) FROM message_template u WHERE u.name = t.name) ORDER BY name")
          .map((rs, ctx) -> template(rs)).list();
    }

    @Override
    public Optional<Template> find(String name, Integer version) {
      if (version != null) {
        return h.createQuery("SELECT * FROM message_template WHERE name = :n AND version = :v").bind("n", name).bind("v", version)
            .map((rs, ctx) -> template(rs)).findOne();
      }
      return h.createQuery("SELECT * FROM message_template WHERE name = :n ORDER BY version DESC LIMIT 1").bind("n", name).map((rs, ctx) -> template(rs))
          .findOne();
    }

    private Template template(ResultSet rs) throws SQLException {
      return new Template(rs.getString("name"), rs.getInt("version"), rs.getString("kind"), rs.getString("purpose"), rs.getString("subject"),
          rs.getString("body"), rs.getString("created_by"), rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
  };

  private final AudienceRecords audiences = new AudienceRecords() {
    @Override
    public int save(String owner, String name, Collection<String> subjectIds, Instant at) {
      h.createUpdate("DELETE FROM message_audience WHERE owner = :o AND name = :n").bind("o", owner).bind("n", name).execute();
      String id = "aud-" + Ids.timeOrdered();
      h.createUpdate("INSERT INTO message_audience (id, owner, name, created_at) VALUES (:id, :o, :n, :at)").bind("id", id).bind("o", owner).bind("n", name)
          .bind("at", utc(at)).execute();
      var insert = h.prepareBatch("INSERT INTO message_audience_member (audience_id, subject_id) VALUES (:a, :s)");
      for (String s : subjectIds) {
        insert.bind("a", id).bind("s", s).add();
      }
      if (!subjectIds.isEmpty()) {
        insert.execute();
      }
      return subjectIds.size();
    }

    @Override
    public List<Audience> of(String owner) {
      return h.createQuery("SELECT a.name, a.created_at, (SELECT COUNT(*) FROM message_audience_member m WHERE m.audience_id = a.id) AS members "
              + "FROM message_audience a WHERE a.owner = :o ORDER BY a.name").bind("o", owner)
          .map((rs, ctx) -> new Audience(rs.getString("name"), rs.getInt("members"), rs.getObject("created_at", OffsetDateTime.class).toInstant())).list();
    }

    @Override
    public Optional<List<String>> members(String owner, String name) {
      Optional<String> id = h.createQuery("SELECT id FROM message_audience WHERE owner = :o AND name = :n").bind("o", owner).bind("n", name)
          .mapTo(String.class).findOne();
      return id.map(a -> h.createQuery("SELECT subject_id FROM message_audience_member WHERE audience_id = :a ORDER BY subject_id").bind("a", a)
          .mapTo(String.class).list());
    }

    @Override
    public boolean delete(String owner, String name) {
      return h.createUpdate("DELETE FROM message_audience WHERE owner = :o AND name = :n").bind("o", owner).bind("n", name).execute() > 0;
    }
  };

  /** Seals the free text of legal requests written before it was sealed (see {@link JdbcLegalRequests}). */
  void sealLegalRequestTexts() {
    legal.sealPlainTexts();
  }

  // ---- internals ----

  private DataKey key(String subjectId) {
    DataKey known = opened.get(subjectId);
    if (known != null) {
      return known;
    }
    SubjectKeys.Wrapped w = keyStore.get(subjectId).orElseThrow(() -> new StoreException("the data key of a person is missing from the key store"));
    DataKey key = keys.open(subjectId, w.wrapped(), w.version());
    opened.put(subjectId, key);
    return key;
  }

  /** The data keys of {@code subjectIds}, read from the key store in one look-up; each must be there. */
  private Map<String, DataKey> keys(List<String> subjectIds) {
    Map<String, DataKey> out = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String id : subjectIds) {
      DataKey known = opened.get(id);
      if (known != null) {
        out.put(id, known);
      } else {
        missing.add(id);
      }
    }
    Map<String, SubjectKeys.Wrapped> wrapped = keyStore.getAll(missing);
    for (String id : missing) {
      SubjectKeys.Wrapped w = wrapped.get(id);
      if (w == null) {
        throw new StoreException("the data key of a person is missing from the key store");
      }
      DataKey key = keys.open(id, w.wrapped(), w.version());
      opened.put(id, key);
      out.put(id, key);
    }
    return out;
  }

  private Set<String> ids(String sql, Collection<String> ids) {
    return ids.isEmpty() ? Set.of() : SqlLists.query(h, sql, "ids", ids).mapTo(String.class).collect(Collectors.toSet());
  }

  private Map<String, Integer> counts(String sql, String id) {
    Map<String, Integer> out = new TreeMap<>();
    h.createQuery(sql).bind("id", id).mapToMap().forEach(r -> out.merge((String) r.get("category"), ((Number) r.get("n")).intValue(), Integer::sum));
    return out;
  }

  private static OffsetDateTime utc(Instant i) {
    return i.atOffset(ZoneOffset.UTC);
  }
}
