package com.plenary.privacy.domain.subjects;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.ConsentRecords;
import com.plenary.privacy.domain.DisclosureRecords;
import com.plenary.privacy.domain.sharing.CorrectionNotices;
import com.plenary.privacy.domain.ContentRecords;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.InAnotherRegion;
import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.domain.EventRecords;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.PersonRecords.PasswordOnFile;
import com.plenary.privacy.domain.PersonRecords.Person;
import com.plenary.privacy.domain.PersonRecords.StoredField;
import com.plenary.privacy.domain.RequestRecords.Request;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.consent.Receipt;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.versions.PromptWords;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Field;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Service;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
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
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The people whose data it is: register (C2, C18, C22), read for a purpose (C14, C32), correct (C35),
 * export (C34), erase, and keep their messages and content (C11). Each use runs inside the enforcer: the
 * person must be visible to the caller, the engine decides on the facts the platform holds, the decision
 * is audited in the use's transaction, and only what it permits is touched.
 */
public final class Subjects {
  /**
   * When a person's request received at {@code received} must be answered: one calendar month later
   * (GDPR Art. 12(3)), counted in UTC; a day the next month does not have is its last day (a request
   * of 31 January is due on the last day of February).
   */
  public static Instant deadline(Instant received) {
    return received.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
  }

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  public record Unavailable(String service, List<String> missing) {}

  /**
   * A registration's answer. {@code addressInUse}: the email address given was another person's
   * already, so this registration was kept apart from theirs (see {@link #register(Access, String, Map, String, String, List, boolean)});
   * never shown to the caller, whose answer must not tell the two cases apart.
   */
  public record Registered(String id, List<String> stored, List<String> declined, List<Unavailable> unavailable, boolean addressInUse) {}

  /** Fields read for a purpose: those the decision permits, and the names of those withheld. */
  public record Fields(Map<String, String> values, List<String> withheld) {}

  /**
   * A consent the person gives as they register, with the evidence of what they were shown: the
   * SHA-256 (64 hex digits) of the exact text of the consent request.
   */
  public record GivenAtRegistration(String purpose, String recipient, String shownSha256) {}

  public record Erased(String subject, Map<String, Integer> counts) {}

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Consents consents;
  private final String region;

  /** {@code region}: the home region of the people this deployment holds; null when it holds every region's. */
  public Subjects(Storage storage, Enforcer enforcer, Visibility visibility, Consents consents, String region) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.consents = consents;
    this.region = region;
  }

  // ---- registration (C2, C18, C19, C22) ----

  /** Registers a person who gives no consent as they register; see {@link #register(Access, String, Map, String, String, List)}. */
  public Outcome<Registered> register(Access by, String service, Map<String, ?> fields, String password, String region) {
    return register(by, service, fields, password, region, List.of());
  }

  /**
   * Registers a person for {@code service} with the fields given, and records the consents they gave in
   * the registration form, each with the hash of the text they were shown (C19). Every field must be
   * one the service declares; every required one must be there; a declined optional field is left out.
   */
  public Outcome<Registered> register(Access by, String service, Map<String, ?> fields, String password, String region,
      List<GivenAtRegistration> given) {
    return register(by, service, fields, password, region, given, false);
  }

  /**
   * As {@link #register(Access, String, Map, String, String, List)}; with {@code apartWhenAddressInUse}, an
   * email address that is another person's already is no conflict (which would tell the caller that the
   * address is registered, issue 13): the registration is made as for a new address, with what the
   * caller sent, but kept apart from the other person's — its address is not indexed, so it never signs
   * in and never reaches the other's data — and the answer says {@code addressInUse} for the caller's
   * front end to tell the address's owner, never the caller.
   */
  public Outcome<Registered> register(Access by, String service, Map<String, ?> fields, String password, String region,
      List<GivenAtRegistration> given, boolean apartWhenAddressInUse) {
    for (int i = 0; i < given.size(); i++) {
      GivenAtRegistration c = given.get(i);
      try {
        consents.checkNames(c.purpose(), c.recipient());
      } catch (InvalidInputException e) {
        throw new InvalidInputException("consents[" + i + "]." + e.field(), "consents[" + i + "]: " + e.getMessage());
      }
      if (c.shownSha256() == null || !SHA256_HEX.matcher(c.shownSha256()).matches()) {
        throw new InvalidInputException("consents[" + i + "].shown_sha256", "consents[" + i + "].shown_sha256 must be the SHA-256 (64 lower-case hex digits) "
            + "of the exact text the person was shown; a consent is recorded only with evidence of what the person agreed to (C19)");
      }
    }
    Service s = policy().service(service);
    if (s == null) {
      throw new InvalidInputException("service", "the service '" + service + "' is not registered in the policy; an unregistered service gets no data (C1)");
    }
    String home = region != null ? region : this.region != null ? this.region : policy().regions().get(0);
    if (!policy().regions().contains(home)) {
      throw new InvalidInputException("region", "region must be one of " + policy().regions());
    }
    if (this.region != null && !this.region.equals(home)) {
      // nothing about them is written here, not even an audit entry: their region's deployment registers them
      throw new InAnotherRegion(this.region, home, enforcer.regions().flatMap(r -> r.url(home)).orElse(null));
    }
    Set<String> declared = declared(s);
    Map<String, String> values = new TreeMap<>();
    for (var e : fields.entrySet()) {
      if (!declared.contains(e.getKey())) {
        throw new InvalidInputException(e.getKey(), "the field '" + e.getKey() + "' is not one the service '" + service
            + "' declares (C2); declared fields: " + String.join(", ", declared));
      }
      values.put(e.getKey(), FieldValues.check(policy().field(e.getKey()), e.getValue()));
    }
    for (String required : s.required()) {
      if (!values.containsKey(required)) {
        throw new InvalidInputException(required, "the field '" + required + "' is required by the service '" + service + "' (C18)");
      }
    }
    checkPassword(password);
    List<String> categories = values.keySet().stream().map(f -> policy().field(f).category()).distinct().toList();
    String id = Regions.mint(home); // the id names the home region, so that any node can route by it (issue 18)
    String passwordHash = password == null ? null : storage.hashPassword(password); // slow on purpose: before the transaction
    return storage.inTransaction(w -> {
      Decision d = enforcer.decide(w.accepting(policy().version()), by,
          Use.of("register", Action.COLLECT, Vocabulary.PROVIDE, id, categories.isEmpty() ? List.of(Vocabulary.ACCOUNT) : categories));
      if (!d.permits()) {
        return Outcome.<Registered>denied(d);
      }
      Instant now = enforcer.clock().instant();
      String email = values.get("email");
      boolean inUse = email != null && w.people().emailTaken(email, null);
      if (inUse && !apartWhenAddressInUse) {
        throw new Conflict("a person with this email address is already registered; they can sign in and add the service");
      }
      w.people().create(new Person(id, home, policy().version(), now), inUse ? null : email, inUse ? null : passwordHash, service);
      values.forEach((field, value) -> w.people().add(id, field, policy().field(field).category(), value, now));
      Access person = Access.subject(id, by.requestId());
      for (GivenAtRegistration c : given) {
        consents.record(w, person, id, c.purpose(), c.recipient(), "registration", c.shownSha256(), now);
      }
      List<String> declined = s.optional().stream().filter(f -> !values.containsKey(f)).toList();
      return new Outcome<>(d, new Registered(id, List.copyOf(values.keySet()), declined, unavailable(values.keySet()), inUse));
    });
  }

  /** The longest email address a person signs in with (RFC 5321's limit on a path). */
  static final int MAX_EMAIL = 254;
  /** The longest password a person may have. */
  static final int MAX_PASSWORD = 200;

  /** The rule every password meets; null (no password: the person signs in through a service) passes. */
  public static void checkPassword(String password) {
    if (password != null && (password.length() < 10 || password.length() > MAX_PASSWORD)) {
      throw new InvalidInputException("password", "the password must be 10 to 200 characters");
    }
  }

  /** Services whose required fields a person with these fields has not given (C22). */
  public List<Unavailable> unavailable(Set<String> given) {
    List<Unavailable> out = new ArrayList<>();
    for (Service other : policy().services()) {
      List<String> missing = other.required().stream().filter(f -> !given.contains(f)).toList();
      if (!missing.isEmpty()) {
        out.add(new Unavailable(other.id(), missing));
      }
    }
    return out;
  }

  // ---- purpose-bound reads (C14, C32) ----

  /**
   * Reads a person's fields for a purpose. The engine decides per category; only permitted fields come
   * back. Every read, permitted or denied, is audited. A service sees only people registered with it and
   * only the fields it declares; anyone else gets {@code NotFound}, whether or not the person exists.
   */
  public Outcome<Fields> read(Access by, String subjectId, String purpose, List<String> fieldNames) {
    enforcer.checkNames(purpose, List.of(), null);
    Set<String> readable = readableFields(by);
    List<String> named = fieldNames == null ? List.of() : fieldNames;
    for (String f : named) {
      if (policy().field(f) == null) {
        throw new InvalidInputException("fields", "unknown field '" + f + "'; the policy declares " + policy().fields().stream().map(Field::name).toList());
      }
      if (!readable.contains(f)) {
        throw new InvalidInputException("fields", "the field '" + f + "' is not one the service '" + by.id() + "' declares, so it may not read it (C2, C14)");
      }
    }
    // staff are decided on their grants before the person is looked up, so a staff member without a grant
    // gets the same denial whether or not the person exists (no existence oracle); with a grant, an unknown id is a 404
    boolean staffFirst = by.kind() == ActorKind.STAFF && subjectId != null && subjectId.length() <= Visibility.MAX_ID;
    return storage.inTransaction(w -> {
      if (!staffFirst) {
        visibility.require(w, by, subjectId, "read", purpose);
      }
      Map<String, String> stored = w.people().fieldCategories(subjectId);
      // a service sees only the fields it declares, whoever wrote the others
      List<String> wanted = named.isEmpty() ? stored.keySet().stream().filter(readable::contains).toList() : named;
      List<String> cats = wanted.stream().map(f -> policy().field(f).category()).distinct().toList();
      Decision d = enforcer.decide(w, by, Use.of("read", Action.READ, purpose, subjectId, cats.isEmpty() ? List.of(Vocabulary.ACCOUNT) : cats));
      Set<String> allowed = Set.copyOf(d.permitted());
      if (allowed.isEmpty()) {
        return Outcome.<Fields>denied(d);
      }
      if (staffFirst) {
        visibility.require(w, by, subjectId, "read", purpose);
      }
      Map<String, String> values = new TreeMap<>();
      List<String> withheld = new ArrayList<>();
      for (String f : wanted) {
        if (!stored.containsKey(f)) {
          continue;
        }
        if (allowed.contains(policy().field(f).category())) {
          values.put(f, w.people().open(subjectId, f));
        } else {
          withheld.add(f);
        }
      }
      return new Outcome<>(d, new Fields(values, withheld));
    });
  }

  /** The fields an actor may ever see or write: a service only those it declares (C2); anyone else every field the policy has. */
  private Set<String> readableFields(Access by) {
    if (by.kind() != ActorKind.SERVICE) {
      return policy().fields().stream().map(Field::name).collect(Collectors.toUnmodifiableSet());
    }
    Service s = policy().service(by.id());
    return s == null ? Set.of() : Set.copyOf(declared(s));
  }

  private static Set<String> declared(Service s) {
    Set<String> out = new LinkedHashSet<>(s.required());
    out.addAll(s.optional());
    return out;
  }

  // ---- correction (C35) ----

  /** Corrects fields of a person; audited; recorded as a served correction request. Returns the fields changed. */
  public Outcome<List<String>> correct(Access by, String subjectId, Map<String, ?> changes) {
    if (changes.isEmpty()) {
      throw new InvalidInputException("fields", "name at least one field to correct");
    }
    Map<String, String> values = new TreeMap<>();
    for (var e : changes.entrySet()) {
      Field f = policy().field(e.getKey());
      if (f == null) {
        throw new InvalidInputException(e.getKey(), "unknown field '" + e.getKey() + "'; the policy declares " + policy().fields().stream().map(Field::name).toList());
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
    List<String> cats = values.keySet().stream().map(f -> policy().field(f).category()).distinct().toList();
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "correct", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(w, by, Use.of("correct", Action.USE, Vocabulary.PROVIDE, subjectId, cats));
      if (!d.permits()) {
        return Outcome.<List<String>>denied(d);
      }
      Instant now = enforcer.clock().instant();
      String email = values.get("email");
      if (email != null && w.people().emailTaken(email, subjectId)) {
        throw new Conflict("another person is registered with this email address");
      }
      values.forEach((field, value) -> w.people().put(subjectId, field, policy().field(field).category(), value, now));
      // every recipient that received one of these fields is owed a notice (C35)
      CorrectionNotices.recordFor(w, subjectId, values.keySet(), now);
      w.requests().add(subjectId, served("correction", now));
      return new Outcome<>(d, List.copyOf(values.keySet()));
    });
  }

  // ---- access (C34) ----

  /**
   * Everything held about a person, for their export; recorded as a served access request. The usage
   * events are read into the map: for a person with many events, prefer {@link #exportTo}.
   */
  public Outcome<Map<String, Object>> export(Access by, String subjectId) {
    return export(by, subjectId, language -> PromptWords.ENGLISH);
  }

  /** As {@link #export(Access, String)}, with its sentences in the words {@code wordsFor} gives (see {@link #exportTo(Access, String, Function, Consumer)}). */
  public Outcome<Map<String, Object>> export(Access by, String subjectId, Function<Locale, PromptWords> wordsFor) {
    Map<String, Object> copy = new LinkedHashMap<>();
    Decision d = exportTo(by, subjectId, wordsFor, out -> out.forEach((k, v) -> {
      if (v instanceof Iterable<?> it && !(v instanceof Collection<?>)) {
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
   * {@code usage_events} entry is an {@link Iterable} that reads and opens events as it is iterated, so
   * a writer can stream an export of any size. The sink is not called when the decision denies.
   */
  public Decision exportTo(Access by, String subjectId, Consumer<Map<String, Object>> sink) {
    return exportTo(by, subjectId, language -> PromptWords.ENGLISH, sink);
  }

  /**
   * As {@link #exportTo(Access, String, Consumer)}, with the sentences of the export (the transfers) in the
   * words {@code wordsFor} gives for the language of the person's {@code language} field (null when they
   * gave none or it names no language): the privacy center hands the words of the page's language, the
   * API those of the request's {@code Accept-Language} or else of the person's own language.
   */
  public Decision exportTo(Access by, String subjectId, Function<Locale, PromptWords> wordsFor, Consumer<Map<String, Object>> sink) {
    storage.settleEvents(); // events acknowledged so far are in the table first
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "export", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(w, by, Use.of("export", Action.READ, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.EVERYTHING)));
      if (!d.permits()) {
        return d;
      }
      Instant now = enforcer.clock().instant();
      Person person = w.people().person(subjectId);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("subject", Map.of("id", subjectId, "home_region", person.homeRegion(), "policy_version", person.policyVersion(),
          "registered_at", person.registeredAt()));
      out.put("services", w.people().services(subjectId));
      Map<String, Object> profile = new TreeMap<>();
      Locale language = null;
      for (StoredField f : w.people().fields(subjectId)) {
        profile.put(f.field(), Map.of("value", f.value(), "category", f.category(), "updated_at", f.updatedAt()));
        if (f.field().equals(Messages.LANGUAGE_FIELD)) {
          language = Messages.languageOf(f.value());
        }
      }
      PromptWords words = Objects.requireNonNull(wordsFor.apply(language), "words == null");
      out.put("profile", profile);
      List<ConsentRecords.Entry> ledger = w.consents().ledger(subjectId);
      out.put("consents", Consents.history(ledger).stream().map(Subjects::describe).toList());
      // the same consents as records in the structure of ISO/IEC TS 27560, in DPV terms: what a receipt gives one at a time
      out.put("consent_records", Receipt.of(policy(), subjectId, ledger, now).stream().map(Receipt::describe).toList());
      out.put("consent_requests", w.consents().requests(subjectId).stream().map(Subjects::describe).toList());
      out.put("content", w.content().of(subjectId).stream().map(Subjects::describe).toList());
      out.put("usage_events", w.events().of(subjectId));
      out.put("partner_links", w.events().links(subjectId).stream().map(Subjects::describe).toList());
      List<Map<String, Object>> accesses = new ArrayList<>();
      List<Map<String, Object>> transfers = new ArrayList<>();
      for (Work.Trail e : w.trailOf(subjectId, 10_000)) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("at", e.at());
        a.put("by", e.by());
        a.put("action", e.action());
        a.put("purpose", e.purpose());
        a.put("categories", e.categories());
        a.put("decision", e.decision());
        a.put("clauses", e.clauses());
        Optional<Map<String, Object>> transfer = transfer(e, words);
        transfer.ifPresent(t -> a.put("transferred_to", t.get("data_centre")));
        transfer.ifPresent(transfers::add);
        accesses.add(a);
      }
      out.put("accesses", accesses);
      // what was read from another region's node left this data centre: where it went, in plain words (C12, C13, issue 18)
      out.put("transfers", transfers);
      // what left the company through the gateway: to whom, why, on which ground, which fields (C23, C34)
      out.put("disclosures", w.disclosures().of(subjectId).stream().map(Subjects::describe).toList());
      out.put("correction_notices", w.disclosures().notices(subjectId).stream().map(Subjects::describe).toList());
      w.requests().add(subjectId, served("export", now));
      out.put("requests", w.requests().of(subjectId).stream().map(Subjects::describe).toList());
      out.put("exported_at", now);
      out.put("policy_version", policy().version());
      sink.accept(out);
      return d;
    });
  }

  /** The transfer an audit entry records, if any: when, to which data centre, read by whom, and a sentence saying so in {@code words}' language. */
  private Optional<Map<String, Object>> transfer(Work.Trail e, PromptWords words) {
    Optional<String> to = e.rules().stream().filter(r -> r.startsWith(Enforcer.TRANSFERRED_TO)).map(r -> r.substring(Enforcer.TRANSFERRED_TO.length()))
        .findFirst();
    if (to.isEmpty()) {
      return Optional.empty();
    }
    DataCentre dc = policy().dataCentre(to.get());
    String where = dc == null ? words.sentence("transfer.where-unknown", to.get()) : words.sentence("transfer.where", dc.id(), dc.location());
    Service service = e.by().startsWith("service:") ? policy().service(e.by().substring(8)) : null;
    String who = service != null ? words.policy("service", service.id(), service.text()) : e.by();
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("at", e.at());
    t.put("data_centre", to.get());
    if (dc != null) {
      t.put("location", dc.location());
      t.put("operator", dc.operator());
      t.put("region", dc.region());
    }
    t.put("by", e.by());
    t.put("categories", e.categories());
    Map<String, String> texts = policy().categories().stream().collect(Collectors.toMap(Category::id, Category::text));
    boolean english = words.locale().getLanguage().equals(Locale.ENGLISH.getLanguage());
    List<String> what = e.categories().stream().map(c -> words.policy("category", c, texts.getOrDefault(c, c)))
        .map(name -> english ? name.toLowerCase(Locale.ROOT) : name).toList();
    t.put("text", words.sentence("transfer.text", String.join(", ", what), who, where));
    return Optional.of(t);
  }

  /** The person's own requests (export, correction, erasure) with their deadlines and when they were served. */
  public List<Map<String, Object>> requests(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.requests().of(subjectId).stream().map(Subjects::describe).toList();
    });
  }

  /** The services the person is registered with and the fields they have given, for their own pages. */
  public record Account(List<String> services, Set<String> given) {}

  public Account account(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return new Account(w.people().services(subjectId), Set.copyOf(w.people().fieldCategories(subjectId).keySet()));
    });
  }

  // ---- signing in (C6) ----

  /**
   * The person whose email address and password these are, if any (C6). The address is looked up
   * through its blind index, never in plain; the password is checked outside any transaction, and an
   * unknown address costs the same work as a wrong password, so the answer's timing tells a caller
   * nothing. A sign-in is the person's own use of their account: decided and audited like any other.
   * Answers empty for a wrong address or password, and never says which.
   */
  public Optional<String> signIn(String email, String password, String requestId) {
    if (email == null || password == null || email.length() > MAX_EMAIL || password.length() > MAX_PASSWORD) {
      return Optional.empty();
    }
    Optional<PasswordOnFile> onFile = storage.inTransaction(w -> w.people().passwordByEmail(email));
    if (!storage.checkPassword(password, onFile.map(PasswordOnFile::hash).orElse(null))) {
      return Optional.empty();
    }
    String id = onFile.get().subjectId();
    Decision d = storage.inTransaction(w -> enforcer.decide(w, Access.subject(id, requestId),
        Use.of("sign-in", Action.READ, Vocabulary.PROVIDE, id, List.of(Vocabulary.ACCOUNT))));
    return d.permits() ? Optional.of(id) : Optional.empty();
  }

  /**
   * Whether a person who signs in with a password is registered here under {@code email} (issue 18): a
   * sign-in for an address held in another region is counted by that region's throttle, not this one's.
   * The address is looked up through its blind index; nothing about the person is read or told.
   */
  public boolean signsInHere(String email) {
    if (email == null || email.length() > MAX_EMAIL) {
      return false;
    }
    return storage.inTransaction(w -> w.people().passwordByEmail(email)).isPresent();
  }

  /**
   * Which of the people a batch of a service's events names are registered with the service: the one
   * thing a service's collector may know of a person it names, before collection is decided. Nothing
   * about the people is read; one look-up for the batch.
   */
  public Set<String> registeredWith(Collection<String> subjectIds, String service) {
    List<String> ids = subjectIds.stream().filter(id -> id != null && id.length() <= Visibility.MAX_ID).distinct().toList();
    if (ids.isEmpty()) {
      return Set.of();
    }
    // the store writes the list as checked literals (one hash set in H2), so a batch needs no chunks
    return storage.inTransaction(w -> w.people().registeredWith(ids, service));
  }

  private static Request served(String kind, Instant now) {
    return new Request(kind, now, deadline(now), now);
  }

  private static Map<String, Object> describe(DisclosureRecords.Received r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.disclosureId());
    m.put("recipient", r.recipient());
    m.put("purpose", r.purpose());
    m.put("ground", r.ground());
    m.put("fields", r.fields());
    m.put("at", r.at());
    return m;
  }

  private static Map<String, Object> describe(DisclosureRecords.Notice n) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", n.id());
    m.put("recipient", n.recipient());
    m.put("field", n.field());
    m.put("disclosure", n.disclosureId());
    m.put("created_at", n.createdAt());
    m.put("status", n.status());
    m.put("delivered_at", n.deliveredAt());
    return m;
  }

  private static Map<String, Object> describe(Request r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", r.kind());
    m.put("requested_at", r.requestedAt());
    m.put("deadline", r.deadline());
    m.put("served_at", r.servedAt());
    return m;
  }

  private static Map<String, Object> describe(ConsentRecords.Consent c) {
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

  private static Map<String, Object> describe(ConsentRecords.Request r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("service", r.service());
    m.put("purpose", r.purpose());
    m.put("recipient", r.recipient());
    m.put("reason", r.reason());
    m.put("status", r.status());
    m.put("requested_at", r.requestedAt());
    m.put("answered_at", r.answeredAt());
    m.put("consent_id", r.consentId());
    return m;
  }

  private static Map<String, Object> describe(ContentRecords.Item c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("service", c.service());
    m.put("kind", c.kind());
    m.put("purpose", c.purpose());
    m.put("category", c.category());
    m.put("text", c.text());
    m.put("created_at", c.createdAt());
    m.put("delete_after", c.deleteAfter());
    return m;
  }

  private static Map<String, Object> describe(EventRecords.Link l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", l.id());
    m.put("partner", l.partner());
    m.put("purpose", l.purpose());
    m.put("linked_by", l.linkedBy());
    m.put("created_at", l.createdAt());
    return m;
  }

  // ---- erasure ----

  /**
   * Erases a person: their data key is destroyed (crypto-shredding), so ciphertexts in any backup can no
   * longer be opened; their fields, content, consents, sessions, events, browsers and linked partner
   * records are deleted. What remains (audit entries, this erasure's record) names only the pseudonymous id.
   *
   * <p>Atomic and finishable: one transaction deletes the data and writes the erasure record with the
   * keys still to destroy (the keys live in another database); then each key is destroyed and struck off,
   * and the record completed. A crash at any point leaves either nothing done or a record that
   * {@link #resumeErasures()} (run at every start, and by {@code plenary erasure resume}) completes; data
   * is never left whose key is gone, and a person is never half-erased without a record.
   */
  public Outcome<Erased> erase(Access by, String subjectId) {
    storage.settleEvents(); // events acknowledged so far are in the table first
    String erasureId = "er-" + UUID.randomUUID();
    Outcome<Erased> out = storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "erase", Vocabulary.PROVIDE);
      Decision d = enforcer.decide(w, by, Use.of("erase", Action.USE, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.EVERYTHING)));
      if (!d.permits()) {
        return Outcome.<Erased>denied(d);
      }
      Map<String, Integer> counts = new TreeMap<>(w.people().countByCategory(subjectId));
      w.content().countByCategory(subjectId).forEach((k, v) -> counts.merge(k, v, Integer::sum));
      int given = w.consents().count(subjectId);
      if (given > 0) {
        counts.put("consents", given);
      }
      counts.put("data_key", 1);
      EventRecords.Erased events = w.events().eraseFor(subjectId);
      counts.putAll(events.counts());
      w.people().delete(subjectId);
      List<String> keys = new ArrayList<>();
      keys.add(subjectId);
      keys.addAll(events.keyOwners());
      Instant now = enforcer.clock().instant();
      String summary = counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
      w.erasures().add(erasureId, subjectId, now, summary, keys);
      w.requests().add(subjectId, served("erasure", now));
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
    List<String> owners = storage.inTransaction(w -> w.erasures().pendingKeys(erasureId));
    for (String owner : owners) {
      storage.destroyKey(owner);
      Failpoints.reach("erase.after-key");
      storage.useTransaction(w -> w.erasures().keyDestroyed(owner));
    }
    storage.useTransaction(w -> w.erasures().complete(erasureId, enforcer.clock().instant()));
  }

  /**
   * Completes every erasure a crash interrupted: destroys the keys they still list and completes their
   * records. Idempotent; returns how many erasures it completed.
   */
  public int resumeErasures() {
    List<String> open = storage.inTransaction(w -> w.erasures().unfinished());
    open.forEach(this::finishErasure);
    return open.size();
  }

  // ---- content and retention (C11) ----

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
    if (retention == null) {
      throw new InvalidInputException("kind", "the policy sets no retention for " + category + "; nothing is kept without one (C11)");
    }
    enforcer.checkNames(purpose, List.of(category), null);
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "retain", purpose);
      Decision d = enforcer.decide(w, by, Use.of("retain", Action.COLLECT, purpose, subjectId, List.of(category)));
      if (!d.permits()) {
        return Outcome.<String>denied(d);
      }
      String id = "c-" + UUID.randomUUID();
      Instant now = enforcer.clock().instant();
      Instant expires = now.atOffset(ZoneOffset.UTC).plus(retention).toInstant();
      w.content().add(subjectId, new ContentRecords.Item(id, by.id(), kind, purpose, category, text, now, expires));
      return new Outcome<>(d, id);
    });
  }

  /** The retention the policy sets for a category: that of the most specific rule over it; null when none does. */
  private Period retention(String category) {
    Retention best = null;
    for (Retention r : policy().retention()) {
      if (Policy.isUnder(category, r.category()) && (best == null || r.category().length() > best.category().length())) {
        best = r;
      }
    }
    return best == null ? null : best.period();
  }

  private static Period shorter(Period a, Period b) {
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    Instant base = Instant.EPOCH;
    return base.atOffset(ZoneOffset.UTC).plus(a).isBefore(base.atOffset(ZoneOffset.UTC).plus(b)) ? a : b;
  }

  /** Deletes every content item and usage event past its retention; returns how many, by category. Audited as one entry. */
  public Map<String, Integer> runRetention() {
    storage.settleEvents(); // events acknowledged so far are in the table first
    return storage.inTransaction(w -> {
      Instant now = enforcer.clock().instant();
      Map<String, Integer> deleted = new TreeMap<>(w.content().deleteExpired(now));
      // usage events (C3, C7) hold user.device and user.behavior: they go when the shorter of the two retentions runs out
      Period events = shorter(retention(Vocabulary.DEVICE), retention(Vocabulary.BEHAVIOR));
      if (events != null) {
        int n = w.events().deleteReceivedBy(now.atOffset(ZoneOffset.UTC).minus(events).toInstant());
        if (n > 0) {
          deleted.put("usage_events", n);
        }
      }
      if (!deleted.isEmpty()) {
        w.audit(AuditRecord.recorded(Access.system("retention"), "delete").purpose("retention").categories(List.copyOf(deleted.keySet()))
            .rules(List.of("retention")).clauses(List.of("C11")).build());
      }
      return deleted;
    });
  }

  /** The policy in force now (C36): a version published in the meantime may have come into force. */
  private Policy policy() {
    return enforcer.policy();
  }
}
