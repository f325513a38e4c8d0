package com.plenary.privacy.domain.messages;

import com.plenary.privacy.Ids;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AudienceRecords;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.MessageRecords.Entry;
import com.plenary.privacy.domain.MessageRecords.Status;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.policy.Action;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * The message gateway (C16): the one way a product sends a person anything. Every message is decided
 * by the enforcer before it is queued, in the transaction that writes it to the outbox together with
 * the audit entry — only for a purpose the sending service declares (or the person consented to),
 * marketing only with the person's opt-in under the policy version in force, nothing of a kind after
 * the person unsubscribed from it, nothing to an address on the suppression list, and at most
 * {@link MessageLimits#marketingPerPerson} marketing messages a person within the window, counted and
 * queued under a lock on the person so that concurrent sends cannot pass it together. Delivery decides
 * again at send time (an unsubscribe stops what was queued before it) and opens the address then, for
 * that message's purpose only: the outbox holds no address, and its subject and body are sealed with
 * the person's key.
 *
 * <p>Refusals are {@link Refused} (a 403 naming rule and clauses), thrown once the audit entry of the
 * refusal has committed. Thread-safe.
 */
public final class Messages {
  /** The longest subject a message may have, in characters. */
  public static final int MAX_SUBJECT = 200;
  /** The longest body a message may have, in characters. */
  public static final int MAX_BODY = 100_000;
  /** The most people one bulk send may name. */
  public static final int MAX_BULK = 10_000;
  /** People decided and queued in one transaction of a bulk send: its commit is paid once for them all. */
  static final int BULK_GROUP = 1_000;
  /**
   * The fewest messages of one group of a bulk send that share one sealed text ({@link
   * MessageRecords#addAllShared}) when their text names no person's field; fewer are sealed each with
   * its person's key, as a single send is, so that words written for one person are always theirs.
   */
  static final int SHARED_TEXT_FROM = 2;
  private static final String QUEUED = " queued";
  /** Unused shared texts deleted a transaction. */
  private static final int FORGET_AT_ONCE = 1_000;
  private static final String KEY_REUSED = "idempotency-key-reused";
  private static final String NO_ADDRESS = "no-address";
  /** The rule of a refusal for an address on the suppression list. */
  public static final String SUPPRESSED = "suppression-list";
  /** The rule of a refusal after the person unsubscribed from the kind (the policy's own prohibition for marketing). */
  public static final String UNSUBSCRIBED = "no-message-after-unsubscribe";
  /** The rule of a refusal beyond the per-person marketing limit. */
  public static final String RATE_LIMIT = "marketing-rate-limit";
  /** The rule of a refusal beyond the per-service limit of messages a minute. */
  public static final String SERVICE_RATE = "service-rate-limit";
  private static final List<String> C16 = List.of("C16");
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029\\u0085]");

  /**
   * A message a service asks to send to one person. {@code fields} names the person's fields whose
   * {@code {{field}}} the text still holds, filled from the vault when it is sent (a message made from a
   * template, {@link Templates#compose}); a text with no fields holds no {@code {{…}}} at all.
   */
  public record Request(String subjectId, String kind, String purpose, String subject, String body, String idempotencyKey, List<String> fields) {
    public Request {
      fields = fields == null ? List.of() : List.copyOf(fields);
    }

    /** A message with its whole text given: no field to fill. */
    public Request(String subjectId, String kind, String purpose, String subject, String body, String idempotencyKey) {
      this(subjectId, kind, purpose, subject, body, idempotencyKey, List.of());
    }
  }

  /** A queued message's id; {@code repeated} when the idempotency key named one queued before. */
  public record Accepted(String id, boolean repeated) {}

  /** What a bulk send did: how many were queued, and how many were refused, by the rule that refused them. No personal data. */
  public record Bulk(int queued, Map<String, Integer> refused) {
    public Bulk {
      refused = Map.copyOf(refused);
    }
  }

  /** What a delivery run did. */
  public record Delivered(int sent, int deferred, int failed, int withdrawn) {
    public int total() {
      return sent + deferred + failed + withdrawn;
    }
  }

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final MessageLimits limits;
  private final Templates templates;
  private final ServiceRate serviceRate;

  public Messages(Storage storage, Enforcer enforcer, Visibility visibility, MessageLimits limits) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.limits = Objects.requireNonNull(limits, "limits == null");
    this.templates = new Templates(storage, enforcer);
    this.serviceRate = new ServiceRate(storage, limits.perServicePerMinute());
  }

  /** The templates a message can be made from. */
  public Templates templates() {
    return templates;
  }

  public MessageLimits limits() {
    return limits;
  }

  // ---- queueing ----

  /**
   * Decides and queues one message. Answers the message's id once it is durable in the outbox.
   *
   * @throws InvalidInputException for an unknown kind or purpose, a subject with a line break, a text too long
   * @throws NotFound when the person is not visible to the caller
   * @throws Refused when a rule of the policy or of the gateway refuses it (audited)
   */
  public Accepted send(Access by, Request r) {
    Kind kind = check(r);
    Result result = storage.inTransaction(w -> {
      visibility.require(w, by, r.subjectId(), "message", r.purpose());
      return queue(w, by, r.subjectId(), kind, r, hashKey(r.idempotencyKey()));
    });
    if (result.refused() != null) {
      throw result.refused();
    }
    return result.accepted();
  }

  /**
   * Decides and queues the same message to each of {@code subjectIds} (at most {@link #MAX_BULK}),
   * each person decided and audited on their own, {@link #BULK_GROUP} of them a transaction, the groups
   * side by side (a failure of the database loses only the group it happens in, and is thrown once the
   * others have ended); answers counts only. A person the caller cannot see is
   * counted under {@code not-visible}. With an idempotency key, each person's message is keyed by it
   * and their id, so a repeated bulk send queues nothing twice.
   *
   * <p>A group is decided set-wise, with the guarantees of {@link #send} for each person: the group's
   * people are locked in the order of their ids, and then the facts of all of them — visibility, earlier
   * messages under the idempotency keys, the suppression list, unsubscriptions, recent marketing counts,
   * addresses on file — are each looked up in one query; the enforcer decides the rest at once
   * ({@link Enforcer#decideEach}, one audit entry a person) and the permitted messages are queued in one
   * batch, sealed with each person's own key.
   */
  public Bulk sendBulk(Access by, List<String> subjectIds, Request template) {
    Kind kind = check(template);
    if (subjectIds == null || subjectIds.isEmpty() || subjectIds.size() > MAX_BULK) {
      throw new InvalidInputException("subject_ids", "name from 1 to " + MAX_BULK + " people");
    }
    if (subjectIds.stream().anyMatch(Objects::isNull)) {
      throw new InvalidInputException("subject_ids", "every entry of subject_ids is a person's id");
    }
    // one lock order for every bulk send, so two of them never wait on each other in a circle
    List<String> people = new ArrayList<>(new TreeSet<>(subjectIds));
    List<Callable<Map<String, Integer>>> groups = new ArrayList<>();
    for (int from = 0; from < people.size(); from += BULK_GROUP) {
      List<String> group = people.subList(from, Math.min(people.size(), from + BULK_GROUP));
      groups.add(() -> queueGroup(by, group, kind, template));
    }
    int queued = 0;
    Map<String, Integer> refused = new TreeMap<>();
    for (Map<String, Integer> counts : run(groups)) {
      queued += counts.getOrDefault(QUEUED, 0);
      counts.remove(QUEUED);
      counts.forEach((rule, n) -> refused.merge(rule, n, Integer::sum));
    }
    return new Bulk(queued, refused);
  }

  /**
   * Runs a bulk send's groups side by side on {@link #GROUPS}' threads, one transaction each (their
   * people are apart, so they take no lock another group waits for), one alone on the caller's thread;
   * answers their counts once all have ended, or throws the first failure (the groups that committed stay queued).
   */
  private static List<Map<String, Integer>> run(List<Callable<Map<String, Integer>>> groups) {
    List<Map<String, Integer>> out = new ArrayList<>(groups.size());
    if (groups.size() == 1) {
      try {
        out.add(groups.get(0).call());
        return out;
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    List<Future<Map<String, Integer>>> running = groups.stream().map(GROUPS::submit).toList();
    RuntimeException failed = null;
    for (Future<Map<String, Integer>> f : running) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        if (failed == null) {
          failed = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running.forEach(r -> r.cancel(true));
        throw new IllegalStateException("interrupted while a bulk send was being queued", e);
      }
    }
    if (failed != null) {
      throw failed;
    }
    return out;
  }

  /**
   * The threads that queue the groups of bulk sends, as many as the machine has cores (at most four):
   * a thousand people's decisions, audit entries and sealed messages are work for a core, and the groups
   * share nothing but the database.
   */
  private static final ExecutorService GROUPS = Executors.newFixedThreadPool(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), r -> {
    Thread t = new Thread(r, "plenary-bulk");
    t.setDaemon(true);
    return t;
  });

  /**
   * Decides and queues one group of a bulk send in a transaction of its own, under the service's rate
   * ({@link ServiceRate}). The rate is taken before the group's transaction begins, in the take's own
   * short transaction: taken inside the group's, the lock on the service's window would be held until
   * the group commits, so the groups of a send would queue one after another and a slow group would
   * make the others' takes time out. What to take is counted first, by sorting the group out as its
   * transaction will (without its locks); the transaction then sorts it out again under the locks and
   * refuses under {@link #SERVICE_RATE} any beyond what was taken; what the group took and did not
   * queue is given back once it has ended, all of it when it failed. Answers counts by rule, and {@link #QUEUED}.
   */
  private Map<String, Integer> queueGroup(Access by, List<String> group, Kind kind, Request r) {
    if (by.id().equals(PLATFORM_SERVICE)) {
      return storage.inTransaction(w -> queueGroup(w, by, group, visibility.visibleAmong(w, by, group), kind, r, Integer.MAX_VALUE));
    }
    int wanted = storage.inTransaction(w -> sortOut(w, by, group, w.people().existing(visibility.visibleAmong(w, by, group)), kind, r,
        enforcer.clock().instant()).toDecide().size());
    int granted = wanted == 0 ? 0 : serviceRate.take(by.id(), wanted, enforcer.clock().instant());
    int queued = 0;
    try {
      Map<String, Integer> counts = storage.inTransaction(w -> queueGroup(w, by, group, visibility.visibleAmong(w, by, group), kind, r, granted));
      queued = counts.getOrDefault(QUEUED, 0);
      return counts;
    } finally {
      serviceRate.giveBack(by.id(), granted - queued);
    }
  }

  /** A group sorted out before its decisions: who goes to the engine, who is refused and why, counts, and each one's idempotency key. */
  private record Sorted(List<String> toDecide, Map<String, String> refusals, Map<String, Integer> counts, Map<String, String> keys) {}

  /**
   * Sorts out {@code group} of a bulk send by the gateway's own facts, each looked up for the whole group in one query: not visible
   * (not in {@code present}), sent before under the idempotency key, suppressed, unsubscribed, at the marketing limit, no address; the
   * rest go to the engine.
   */
  private Sorted sortOut(Work w, Access by, List<String> group, Set<String> present, Kind kind, Request r, Instant now) {
    MessageRecords out = w.messages();
    Map<String, Integer> counts = new TreeMap<>();
    Map<String, String> refusals = new LinkedHashMap<>();
    for (String id : group) {
      if (!present.contains(id)) {
        refusals.put(id, Enforcer.NOT_VISIBLE);
      }
    }
    List<String> open = new ArrayList<>(group.stream().filter(present::contains).toList());
    Map<String, String> keys = new HashMap<>();
    if (r.idempotencyKey() != null) {
      for (String id : open) {
        keys.put(id, hashKey(r.idempotencyKey() + "\n" + id));
      }
      Map<String, Entry> earlier = out.byIdempotencyKeys(by.id(), keys.values());
      open.removeIf(id -> {
        Entry e = earlier.get(keys.get(id));
        if (e == null) {
          return false;
        }
        if (!e.subjectId().equals(id) || !e.kind().equals(kind.id()) || !e.purpose().equals(r.purpose())) {
          counts.merge(KEY_REUSED, 1, Integer::sum);
        }
        return true;
      });
    }
    Set<String> suppressed = open.isEmpty() ? Set.of() : out.suppressed(open);
    Set<String> unsubscribed = kind != Kind.MARKETING && kind.unsubscribable() && !open.isEmpty() ? out.unsubscribed(open, kind.id()) : Set.of();
    Map<String, Integer> recent = kind == Kind.MARKETING && !open.isEmpty() ? out.countsSince(open, kind.id(), now.minus(limits.marketingWindow())) : Map.of();
    Set<String> reachable = open.isEmpty() ? Set.of() : w.people().havingField(open, "email");
    List<String> toDecide = new ArrayList<>(open.size());
    for (String id : open) {
      if (suppressed.contains(id)) {
        refusals.put(id, SUPPRESSED);
      } else if (unsubscribed.contains(id)) {
        refusals.put(id, UNSUBSCRIBED);
      } else if (recent.getOrDefault(id, 0) >= limits.marketingPerPerson()) {
        refusals.put(id, RATE_LIMIT);
      } else if (!reachable.contains(id)) {
        counts.merge(NO_ADDRESS, 1, Integer::sum);
      } else {
        toDecide.add(id);
      }
    }
    return new Sorted(toDecide, refusals, counts, keys);
  }

  private Map<String, Integer> queueGroup(Work w, Access by, List<String> group, Set<String> visible, Kind kind, Request r, int allowance) {
    MessageRecords out = w.messages();
    Instant now = enforcer.clock().instant();
    Sorted sorted = sortOut(w, by, group, out.lockPeople(visible), kind, r, now);
    Map<String, Integer> counts = sorted.counts();
    Map<String, String> refusals = sorted.refusals();
    Map<String, String> keys = sorted.keys();
    List<String> toDecide = sorted.toDecide();
    if (toDecide.size() > allowance) {
      List<String> over = toDecide.subList(allowance, toDecide.size());
      over.forEach(id -> refusals.put(id, SERVICE_RATE));
      over.clear();
    }
    enforcer.refuseEach(w, by, "message", r.purpose(), refusals, Map.of(Enforcer.NOT_VISIBLE, List.of("C14", "C29")), C16);
    refusals.values().forEach(rule -> counts.merge(rule, 1, Integer::sum));
    if (toDecide.isEmpty()) {
      return counts;
    }
    Map<String, Decision> decisions = enforcer.decideEach(w, by, Use.of("message", Action.MESSAGE, r.purpose(), null, categories(r)), toDecide);
    List<MessageRecords.Queued> batch = new ArrayList<>(toDecide.size());
    decisions.forEach((id, d) -> {
      if (d.permits()) {
        batch.add(new MessageRecords.Queued("msg-" + Ids.timeOrdered(), id, by.id(), kind.id(), r.purpose(), keys.get(id), r.subject(), r.body(), now));
      } else {
        counts.merge(refusal(d).rule(), 1, Integer::sum);
      }
    });
    if (batch.size() >= SHARED_TEXT_FROM && r.fields().isEmpty()) {
      // the same words for everyone of the group, naming none of their fields: sealed once (see addAllShared)
      out.addAllShared(batch, now);
    } else {
      out.addAll(batch, now);
    }
    counts.merge(QUEUED, batch.size(), Integer::sum);
    return counts;
  }

  /** What a message's decision covers: the address, and the categories of the fields its text is filled with. */
  private List<String> categories(Request r) {
    Set<String> out = new LinkedHashSet<>();
    out.add(Vocabulary.EMAIL);
    r.fields().forEach(f -> out.add(enforcer.policy().field(f).category()));
    return List.copyOf(out);
  }

  // ---- named audiences ----

  /** An audience saved: its name, the people it holds, and how many of those named were left out (not visible to the caller). */
  public record Saved(String name, int members, int leftOut) {}

  /**
   * Saves {@code subjectIds} (at most {@link #MAX_BULK}) as the caller's audience {@code name}, replacing
   * one of that name: only the people the caller may see are kept, and the answer says how many were
   * left out without naming them. Recorded in the audit trail.
   */
  public Saved saveAudience(Access by, String name, List<String> subjectIds) {
    checkAudienceName(name);
    if (subjectIds == null || subjectIds.isEmpty() || subjectIds.size() > MAX_BULK || subjectIds.stream().anyMatch(Objects::isNull)) {
      throw new InvalidInputException("subject_ids", "name from 1 to " + MAX_BULK + " people by their ids");
    }
    Set<String> named = new TreeSet<>(subjectIds);
    return storage.inTransaction(w -> {
      Set<String> visible = visibility.visibleAmong(w, by, named);
      List<String> members = named.stream().filter(visible::contains).toList();
      w.audiences().save(by.id(), name, members, enforcer.clock().instant());
      w.audit(AuditRecord.recorded(by, "save-audience").purpose(Vocabulary.PROVIDE).rules(List.of("audience:" + name)).clauses(C16).build());
      return new Saved(name, members.size(), named.size() - members.size());
    });
  }

  /** The caller's audiences, by name. */
  public List<AudienceRecords.Audience> audiences(Access by) {
    return storage.inTransaction(w -> w.audiences().of(by.id()));
  }

  /** Deletes the caller's audience {@code name}. */
  public void deleteAudience(Access by, String name) {
    checkAudienceName(name);
    if (!storage.inTransaction(w -> w.audiences().delete(by.id(), name))) {
      throw new NotFound("you have no audience named '" + name + "'");
    }
  }

  /** {@link #sendBulk} to the caller's audience {@code audience}: each member decided and audited on their own, as in any bulk send. */
  public Bulk sendToAudience(Access by, String audience, Request template) {
    check(template);
    checkAudienceName(audience);
    List<String> members = storage.inTransaction(w -> w.audiences().members(by.id(), audience))
        .orElseThrow(() -> new NotFound("you have no audience named '" + audience + "'"));
    return members.isEmpty() ? new Bulk(0, Map.of()) : sendBulk(by, members, template);
  }

  private static void checkAudienceName(String name) {
    if (name == null || !Templates.NAME.matcher(name).matches()) {
      throw new InvalidInputException("audience", "an audience's name is 1 to 64 lower-case letters, digits, dots and dashes, starting with a letter or digit");
    }
  }

  /**
   * A notice the platform itself sends a person (as its own service {@code account}, for the purpose
   * {@code provide}), decided and queued as any message: to {@code subjectId}, or when that is null to
   * the person registered with {@code email}, if any. Answers whether it was queued; a refusal (a suppressed address) is audited and answers false, so the caller's answer
   * does not depend on it. Used where the platform must answer alike whether or not an address is
   * registered (registration), and tell the address's owner instead.
   */
  public boolean notice(String subjectId, String email, Kind kind, String subject, String body, String requestId) {
    return notice(subjectId, email, kind, language -> new Text(subject, body), requestId);
  }

  /**
   * A notice's subject and body, in one language. {@link #notice(String, String, Kind, Function, String)}
   * asks for it in the person's own language.
   */
  public record Text(String subject, String body) {}

  /**
   * As {@link #notice(String, String, Kind, String, String, String)}, with the words in the person's own
   * language: {@code text} is given the language of the person's {@code language} field (read as a use of
   * the platform's own service, decided and audited), or null when they gave none or it cannot be read;
   * it answers the words in that language where there is a translation and its fallback otherwise.
   */
  public boolean notice(String subjectId, String email, Kind kind, Function<Locale, Text> text, String requestId) {
    Access by = Access.service(PLATFORM_SERVICE, requestId);
    return storage.inTransaction(w -> {
      String to = subjectId != null ? subjectId : email == null ? null : w.people().idByEmail(email).orElse(null);
      if (to == null || !w.people().exists(to)) {
        // nobody to tell; the words are still checked, so that a bad text fails alike either way
        check(request(subjectId, kind, text.apply(null), null));
        return false;
      }
      Request r = request(to, kind, text.apply(language(w, by, to)), null);
      Kind k = check(r);
      return queue(w, by, to, k, r, null).accepted() != null;
    });
  }

  /**
   * A notice the platform itself sends one person at most once under {@code key} (as {@link #notice}
   * does, keyed as a service's idempotent send is): a second call with the same key queues nothing and
   * answers true. Answers false when it was refused (audited) or the person has no address or no longer exists.
   */
  public boolean noticeOnce(String subjectId, Kind kind, String subject, String body, String requestId, String key) {
    return noticeOnce(subjectId, kind, language -> new Text(subject, body), requestId, key);
  }

  /** As {@link #noticeOnce(String, Kind, String, String, String, String)}, with the words in the person's own language (see {@link #notice(String, String, Kind, Function, String)}). */
  public boolean noticeOnce(String subjectId, Kind kind, Function<Locale, Text> text, String requestId, String key) {
    Access by = Access.service(PLATFORM_SERVICE, requestId);
    return storage.inTransaction(w -> {
      if (!w.people().exists(subjectId) || !w.people().fieldCategories(subjectId).containsKey("email")) {
        return false;
      }
      Request r = request(subjectId, kind, text.apply(language(w, by, subjectId)), key);
      Kind k = check(r);
      return queue(w, by, subjectId, k, r, hashKey(key)).accepted() != null;
    });
  }

  /**
   * A notice the platform itself sends each of {@code subjectIds} at most once under {@code key}, as
   * {@link #noticeOnce(String, Kind, Function, String, String)} does one by one, but set-wise as a bulk send:
   * {@link #BULK_GROUP} people a transaction, locked in the order of their ids, and their notices under
   * the key, the suppression list, unsubscriptions, addresses and languages each looked up once for the
   * group; each person's language field is read as a use of its own (decided and audited, one entry a
   * person), and the notice is decided for each language's people at once and queued in one batch. A
   * person whose notice under the key is queued already (by a run that was cut short, here or on another
   * node) gets none again: the key of each is the one {@code noticeOnce} gives ({@code key}, a line break,
   * their id), and the two runs of two nodes wait on each other's locks. People erased meanwhile, or with
   * no address, are left out. Answers how many were queued now and how many refused, by rule.
   */
  public Bulk noticeEach(List<String> subjectIds, Kind kind, Function<Locale, Text> text, String requestId, String key) {
    Access by = Access.service(PLATFORM_SERVICE, requestId);
    check(request(null, kind, text.apply(null), Objects.requireNonNull(key, "key == null")));
    List<String> people = new ArrayList<>(new TreeSet<>(subjectIds));
    int queued = 0;
    Map<String, Integer> refused = new TreeMap<>();
    for (int from = 0; from < people.size(); from += BULK_GROUP) {
      List<String> group = people.subList(from, Math.min(people.size(), from + BULK_GROUP));
      Map<String, Integer> counts = storage.inTransaction(w -> {
        // every lock of the group first, in the order of the ids, before it is split by language
        Set<String> present = w.messages().lockPeople(group);
        Map<String, Integer> c = new TreeMap<>();
        languages(w, by, group.stream().filter(present::contains).toList()).forEach((language, those) -> {
          Request r = request(null, kind, text.apply(language), key);
          queueGroup(w, by, those, Set.copyOf(those), check(r), r, Integer.MAX_VALUE).forEach((rule, n) -> c.merge(rule, n, Integer::sum));
        });
        return c;
      });
      queued += counts.getOrDefault(QUEUED, 0);
      counts.remove(QUEUED);
      counts.remove(NO_ADDRESS);
      counts.forEach((rule, n) -> refused.merge(rule, n, Integer::sum));
    }
    return new Bulk(queued, refused);
  }

  /**
   * {@code people} by the language each asked to be written in ({@link #language}, null for none), read for
   * them all at once: who gave the field in one query, the reads decided together, one audit entry a person.
   */
  private Map<Locale, List<String>> languages(Work w, Access by, List<String> people) {
    Map<Locale, List<String>> out = new LinkedHashMap<>();
    var field = enforcer.policy().field(LANGUAGE_FIELD);
    List<String> gave = field == null || people.isEmpty() ? List.of() : people.stream().filter(w.people().havingField(people, LANGUAGE_FIELD)::contains).toList();
    Map<String, Decision> may = gave.isEmpty() ? Map.of()
        : enforcer.decideEach(w, by, Use.of("language", Action.READ, Vocabulary.PROVIDE, null, List.of(field.category())), gave);
    for (String id : people) {
      Decision d = may.get(id);
      Locale language = d != null && d.permits() ? languageOf(w.people().open(id, LANGUAGE_FIELD)) : null;
      out.computeIfAbsent(language, l -> new ArrayList<>()).add(id);
    }
    return out;
  }

  private static Request request(String subjectId, Kind kind, Text text, String key) {
    return new Request(subjectId, kind.id(), Vocabulary.PROVIDE, text.subject(), text.body(), key);
  }

  private static final Set<String> ISO_LANGUAGES = Set.of(Locale.getISOLanguages());

  /** The field in which a person names the language they want to be written to in. */
  public static final String LANGUAGE_FIELD = "language";

  /**
   * The language the person asked to be written to in, from their {@code language} field: a language tag
   * ({@code de}, {@code de-AT}) or the language's name in English or in itself; null when they gave none, it
   * names no language, or the platform may not read it (the read is decided and audited).
   */
  private Locale language(Work w, Access by, String subjectId) {
    var field = enforcer.policy().field(LANGUAGE_FIELD);
    if (field == null || !w.people().fieldCategories(subjectId).containsKey(LANGUAGE_FIELD)) {
      return null;
    }
    Decision d = enforcer.decide(w, by, Use.of("language", Action.READ, Vocabulary.PROVIDE, subjectId, List.of(field.category())));
    if (!d.permits()) {
      return null;
    }
    return languageOf(w.people().open(subjectId, LANGUAGE_FIELD));
  }

  /** The language a person's {@code language} field names, or null: a tag's primary subtag, or a language's name in English or in itself. */
  public static Locale languageOf(String given) {
    if (given == null || given.isBlank()) {
      return null;
    }
    String v = given.trim().toLowerCase(Locale.ROOT);
    for (String code : Locale.getISOLanguages()) {
      Locale l = Locale.forLanguageTag(code);
      if (v.equals(l.getDisplayLanguage(Locale.ENGLISH).toLowerCase(Locale.ROOT)) || v.equals(l.getDisplayLanguage(l).toLowerCase(Locale.ROOT))) {
        return l;
      }
    }
    String primary = v.split("[-_]", 2)[0];
    return ISO_LANGUAGES.contains(primary) ? Locale.forLanguageTag(primary) : null;
  }

  /** The platform's own service, in whose name it sends its notices. */
  public static final String PLATFORM_SERVICE = "account";

  private record Result(Accepted accepted, Refused refused) {}

  private Result queue(Work w, Access by, String subjectId, Kind kind, Request r, String key) {
    MessageRecords out = w.messages();
    // every send for this person holds their lock to the end of its transaction: the count below and the
    // insert cannot interleave with another send's, on H2 and PostgreSQL alike
    out.lockPerson(subjectId);
    if (key != null) {
      Optional<Entry> earlier = out.byIdempotencyKey(by.id(), key);
      if (earlier.isPresent()) {
        if (!earlier.get().subjectId().equals(subjectId) || !earlier.get().kind().equals(kind.id()) || !earlier.get().purpose().equals(r.purpose())) {
          throw new Conflict("this idempotency key was used for another message; use a new key for each message");
        }
        return new Result(new Accepted(earlier.get().id(), true), null);
      }
    }
    Instant now = enforcer.clock().instant();
    if (out.suppressed(subjectId)) {
      return refused(w, by, subjectId, r.purpose(), SUPPRESSED, "the person's address is on the suppression list (it bounced, or they complained); nothing is sent to it");
    }
    if (kind != Kind.MARKETING && kind.unsubscribable() && out.unsubscribed(subjectId).contains(kind.id())) {
      // marketing is the policy's own prohibition, decided by the engine below on the same fact
      return refused(w, by, subjectId, r.purpose(), UNSUBSCRIBED, "the person unsubscribed from " + kind.id() + " messages");
    }
    if (kind == Kind.MARKETING && out.countSince(subjectId, kind.id(), now.minus(limits.marketingWindow())) >= limits.marketingPerPerson()) {
      return refused(w, by, subjectId, r.purpose(), RATE_LIMIT, "the person has had " + limits.marketingPerPerson() + " marketing messages within "
          + limits.marketingWindow().toDays() + " days, the most the platform sends");
    }
    if (!w.people().fieldCategories(subjectId).containsKey("email")) {
      throw new Conflict("the person has no email address on file, so no message can reach them");
    }
    boolean limited = !by.id().equals(PLATFORM_SERVICE);
    if (limited && serviceRate.take(by.id(), 1, now) == 0) {
      return refused(w, by, subjectId, r.purpose(), SERVICE_RATE, "the service " + by.id() + " has sent " + serviceRate.limit()
          + " messages within a minute, the most the platform queues for one service; try again in a minute");
    }
    Decision d = enforcer.decide(w, by, Use.of("message", Action.MESSAGE, r.purpose(), subjectId, categories(r)));
    if (!d.permits()) {
      if (limited) {
        serviceRate.giveBack(by.id(), 1);
      }
      return new Result(null, refusal(d));
    }
    String id = "msg-" + Ids.timeOrdered();
    out.add(new MessageRecords.Queued(id, subjectId, by.id(), kind.id(), r.purpose(), key, r.subject(), r.body(), now), now);
    return new Result(new Accepted(id, false), null);
  }

  private Result refused(Work w, Access by, String subjectId, String purpose, String rule, String message) {
    return new Result(null, enforcer.refuse(w, by, "message", purpose, subjectId, rule, C16, message));
  }

  /** A denial of the engine as the gateway's refusal: its first rule and every clause it names. */
  static Refused refusal(Decision d) {
    String rule = d.rules().isEmpty() ? "default-deny" : d.rules().get(0);
    String detail = d.reasons().isEmpty() ? "the policy does not permit this message" : d.reasons().get(0).detail();
    return new Refused(rule, d.clauses(), detail);
  }

  /** Checks what the caller sent, before anything is looked up: {@link #check(Enforcer, String, String, String, String, String)}, and that a {@code {{…}}} in the text names a field to fill. */
  private Kind check(Request r) {
    Kind kind = check(enforcer, r.kind(), r.purpose(), r.subject(), r.body(), r.idempotencyKey());
    for (String f : r.fields()) {
      if (enforcer.policy().field(f) == null) {
        throw new IllegalArgumentException("fields names no field of the policy");
      }
    }
    for (Map.Entry<String, String> text : Map.of("subject", r.subject(), "body", r.body()).entrySet()) {
      String rest = Templates.VARIABLE.matcher(text.getValue()).replaceAll(m -> r.fields().contains(m.group(1)) ? "" : "{{");
      if (rest.contains("{{") || rest.contains("}}")) {
        throw new InvalidInputException(text.getKey(), "a message's text may not hold {{ or }}; name a template to fill in variables");
      }
    }
    return kind;
  }

  /** Checks a message's kind, purpose and text, before anything is looked up; answers the kind. */
  static Kind check(Enforcer enforcer, String kindId, String purpose, String subject, String body, String idempotencyKey) {
    Kind kind = Kind.of(kindId);
    enforcer.checkNames(purpose, List.of(Vocabulary.EMAIL), null);
    boolean marketing = purpose.equals(Vocabulary.MARKETING) || purpose.startsWith(Vocabulary.MARKETING + ".");
    if (kind == Kind.MARKETING && !marketing) {
      throw new InvalidInputException("purpose", "a marketing message has the purpose " + Vocabulary.MARKETING);
    }
    if (kind != Kind.MARKETING && marketing) {
      throw new InvalidInputException("kind", "a message for " + Vocabulary.MARKETING + " is a marketing message: send it as kind marketing");
    }
    if (subject == null || subject.isBlank() || subject.length() > MAX_SUBJECT) {
      throw new InvalidInputException("subject", "a subject of 1 to " + MAX_SUBJECT + " characters");
    }
    if (CONTROL.matcher(subject).find()) {
      throw new InvalidInputException("subject", "a subject may not contain line breaks or other control characters");
    }
    if (body == null || body.isBlank() || body.length() > MAX_BODY) {
      throw new InvalidInputException("body", "a body of 1 to " + MAX_BODY + " characters");
    }
    if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 200)) {
      throw new InvalidInputException("idempotency_key", "an idempotency key of 1 to 200 characters");
    }
    return kind;
  }

  private static String hashKey(String key) {
    if (key == null) {
      return null;
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- delivery ----

  /**
   * Delivers up to {@code limit} messages that are due, as {@link #deliverDue(MailTransport, int, int, int)} with one sender.
   */
  public Delivered deliverDue(MailTransport transport, int limit) {
    return deliverDue(transport, limit, 0, 1);
  }

  /**
   * Delivers up to {@code limit} due messages of the share {@code shard} of {@code shards} (senders side
   * by side each take their own share, so they never wait on each other's messages). In one transaction
   * the messages are claimed, each decided again (an unsubscribe or a withdrawn consent since it was
   * queued stops it: it is withdrawn), its address opened for its purpose, and marked as being sent;
   * then they are handed to the transport together, over one connection where it can, outside any
   * transaction; then, in one transaction, each is marked sent, deferred with back-off (a transient
   * failure), or failed and the address suppressed (a permanent one). A crash between the hand-over
   * and the marks leaves the batch "sending", never sent again; see {@link #sweepInterrupted}. So the
   * window of messages whose fate a crash leaves unknown is at most {@code limit} a sender.
   */
  public Delivered deliverDue(MailTransport transport, int limit, int shard, int shards) {
    Delivered[] total = {new Delivered(0, 0, 0, 0)};
    deliverDue(transport, limit, shard, shards, () -> false, d -> total[0] = d);
    return total[0];
  }

  /**
   * As {@link #deliverDue(MailTransport, int, int, int)}, batch after batch for as long as a claim finds
   * a full batch due and {@code more} says to go on: the marks of a batch that went out are written in
   * the transaction that claims the next one, so a batch costs one transaction and one commit instead of
   * two. The guarantees are those of a single batch: the next batch's "sending" marks commit before its
   * hand-over, and the marks of the batch before commit with them, so at any moment at most one batch
   * ({@code limit} messages) of a sender is handed over without its answer recorded. When the claim of
   * the next batch fails, the marks are written on their own before the failure is thrown. {@code each}
   * is told what each batch did once its marks have committed. Answers whether the last claim found a
   * full batch (more may be due).
   */
  public boolean deliverDue(MailTransport transport, int limit, int shard, int shards, BooleanSupplier more, Consumer<Delivered> each) {
    Batch batch = storage.inTransaction(w -> claimBatch(w, limit, shard, shards));
    while (true) {
      if (batch.going().isEmpty()) {
        each.accept(new Delivered(0, 0, 0, batch.withdrawn()));
        if (!batch.full() || !more.getAsBoolean()) {
          return batch.full();
        }
        batch = storage.inTransaction(w -> claimBatch(w, limit, shard, shards));
        continue;
      }
      // the marks have committed: from here each message is handed over at most once
      List<Claimed> going = batch.going();
      List<MailTransport.Outcome> outcomes = transport.sendAll(going.stream().map(Claimed::envelope).toList());
      if (outcomes.size() != going.size()) {
        throw new IllegalStateException("the transport answered " + outcomes.size() + " outcomes for " + going.size() + " messages; they stay sending");
      }
      Settled settled = settle(going, outcomes);
      boolean next = batch.full() && more.getAsBoolean();
      Batch done = batch;
      try {
        batch = storage.inTransaction(w -> {
          write(w, settled);
          return next ? claimBatch(w, limit, shard, shards) : null;
        });
      } catch (RuntimeException e) {
        if (!next) {
          throw e;
        }
        // the claim may have failed, not the marks: they must not be lost with it, or the batch would stay "sending"
        try {
          storage.useTransaction(w -> write(w, settled));
        } catch (RuntimeException again) {
          again.addSuppressed(e);
          throw again;
        }
        each.accept(settled.delivered(done.withdrawn()));
        throw e;
      }
      each.accept(settled.delivered(done.withdrawn()));
      if (batch == null) {
        return done.full();
      }
    }
  }

  /** A batch claimed: the messages going out with their envelopes, how many were withdrawn, and whether the claim was full. */
  private record Batch(List<Claimed> going, int withdrawn, boolean full) {}

  /** The marks of a batch that went out, the messages whose address bounced for good, and the counts. */
  private record Settled(List<MessageRecords.Mark> marks, List<Entry> bounced, int sent, int deferred, int failed) {
    Delivered delivered(int withdrawn) {
      return new Delivered(sent, deferred, failed, withdrawn);
    }
  }

  /** Claims, decides again and marks "sending" up to {@code limit} due messages of the share, in {@code w}. */
  private Batch claimBatch(Work w, int limit, int shard, int shards) {
    Instant now = enforcer.clock().instant();
    List<Entry> claimed = w.messages().claimAll(w.messages().due(now, limit, shard, shards));
    List<Claimed> going = new ArrayList<>();
    int withdrawn = 0;
    for (Claimed c : claimAll(w, claimed, now)) {
      if (c.envelope() == null) {
        withdrawn++;
      } else {
        going.add(c);
      }
    }
    return new Batch(going, withdrawn, claimed.size() >= limit);
  }

  /** How each message of a batch ended, as marks to write. */
  private Settled settle(List<Claimed> batch, List<MailTransport.Outcome> outcomes) {
    List<MessageRecords.Mark> marks = new ArrayList<>(batch.size());
    List<Entry> bounced = new ArrayList<>();
    int[] counts = new int[3];
    // one moment for the whole batch: alike marks (all sent on a first attempt, say) are then equal, and markAll writes them in one statement
    Instant now = enforcer.clock().instant();
    for (int i = 0; i < batch.size(); i++) {
      MessageRecords.Mark m = settle(batch.get(i).entry(), outcomes.get(i), now);
      marks.add(m);
      switch (m.status()) {
        case SENT -> counts[0]++;
        case QUEUED -> counts[1]++;
        default -> {
          counts[2]++;
          if (outcomes.get(i).result() == MailTransport.Result.PERMANENT) {
            bounced.add(batch.get(i).entry());
          }
        }
      }
    }
    return new Settled(marks, bounced, counts[0], counts[1], counts[2]);
  }

  /** Writes a batch's marks in {@code w}, and puts the addresses that bounced for good on the suppression list. */
  private void write(Work w, Settled settled) {
    w.messages().markAll(settled.marks());
    Instant at = enforcer.clock().instant();
    settled.bounced().forEach(e -> suppress(w, Access.system("mail-sender"), e.subjectId(), "hard-bounce", e.purpose(), at));
  }

  private record Claimed(Entry entry, Envelope envelope) {}

  /**
   * Decides again each of the claimed messages {@code claimed} and readies those still permitted, in
   * {@code w}, set-wise: the suppression list and unsubscriptions of all their people are each looked
   * up in one query; the engine decides each (service, purpose) group at once
   * ({@link Enforcer#decideEach}, still one audit entry a message); the addresses of those permitted
   * are opened together (a person with none on file has the message withdrawn), then their texts, each
   * with its own key; and all are marked in one batch — sending, or withdrawn
   * with the reason. Answers each message in the order claimed, with its envelope, or none when withdrawn.
   */
  private List<Claimed> claimAll(Work w, List<Entry> claimed, Instant now) {
    if (claimed.isEmpty()) {
      return List.of();
    }
    MessageRecords out = w.messages();
    Set<String> people = new TreeSet<>();
    claimed.forEach(e -> people.add(e.subjectId()));
    Set<String> suppressed = out.suppressed(people);
    Map<String, Set<String>> unsubscribed = new HashMap<>();
    for (Entry e : claimed) {
      Kind kind = Kind.find(e.kind());
      if (kind != Kind.MARKETING && kind.unsubscribable() && !unsubscribed.containsKey(e.kind())) {
        unsubscribed.put(e.kind(), out.unsubscribed(people, e.kind()));
      }
    }
    Map<String, String> stops = new HashMap<>();
    Map<List<String>, List<Entry>> groups = new LinkedHashMap<>();
    claimed.forEach(e -> groups.computeIfAbsent(List.of(e.service(), e.purpose()), k -> new ArrayList<>()).add(e));
    groups.forEach((group, entries) -> {
      Access by = Access.service(group.get(0), null);
      String purpose = group.get(1);
      List<Map.Entry<String, String>> refusals = new ArrayList<>();
      List<Entry> toDecide = new ArrayList<>();
      for (Entry e : entries) {
        String stop = suppressed.contains(e.subjectId()) ? SUPPRESSED
            : unsubscribed.getOrDefault(e.kind(), Set.of()).contains(e.subjectId()) ? UNSUBSCRIBED : null;
        if (stop == null) {
          toDecide.add(e);
        } else {
          stops.put(e.id(), stop);
          refusals.add(Map.entry(e.subjectId(), stop));
        }
      }
      enforcer.refuseEach(w, by, "deliver", purpose, refusals, Map.of(), C16);
      if (!toDecide.isEmpty()) {
        Map<String, Decision> decisions = enforcer.decideEach(w, by, Use.of("deliver", Action.MESSAGE, purpose, null, List.of(Vocabulary.EMAIL)),
            toDecide.stream().map(Entry::subjectId).toList());
        for (Entry e : toDecide) {
          Decision d = decisions.get(e.subjectId());
          if (!d.permits()) {
            stops.put(e.id(), d.rules().isEmpty() ? "default-deny" : d.rules().get(0));
          }
        }
      }
    });
    // the addresses of the messages permitted, opened in one read (one that finds none withdraws its message: no address on file)
    List<Entry> permitted = claimed.stream().filter(e -> !stops.containsKey(e.id())).toList();
    Map<String, String> addresses = w.people().openAll(permitted.stream().map(Entry::subjectId).distinct().toList(), "email");
    permitted.stream().filter(e -> !addresses.containsKey(e.subjectId())).forEach(e -> stops.put(e.id(), NO_ADDRESS));
    List<Entry> going = claimed.stream().filter(e -> !stops.containsKey(e.id())).toList();
    Map<String, Map.Entry<String, String>> texts = out.openAll(going);
    List<MessageRecords.Mark> marks = new ArrayList<>(claimed.size());
    List<Claimed> result = new ArrayList<>(claimed.size());
    // the messages of a bulk send's shared text share one opened text: its fields are looked for once
    Map<Map.Entry<String, String>, List<String>> fieldsOf = new IdentityHashMap<>();
    for (Entry e : claimed) {
      String stop = stops.get(e.id());
      Map.Entry<String, String> text = stop == null ? texts.get(e.id()) : null;
      if (text != null) {
        Access by = Access.service(e.service(), null);
        List<String> fields = fieldsOf.computeIfAbsent(text, t -> Templates.fieldsIn(t.getKey() + "\n" + t.getValue()).stream()
            .filter(f -> enforcer.policy().field(f) != null).toList());
        if (!fields.isEmpty()) {
          // a message made from a template: the person's fields are opened now, and only when this purpose may read them
          Decision d = enforcer.decide(w, by, Use.of("fill", Action.MESSAGE, e.purpose(), e.subjectId(),
              fields.stream().map(f -> enforcer.policy().field(f).category()).distinct().toList()));
          if (d.permits()) {
            Map<String, String> given = w.people().fieldCategories(e.subjectId());
            Map<String, String> values = new HashMap<>();
            fields.stream().filter(given::containsKey).forEach(f -> values.put(f, w.people().open(e.subjectId(), f)));
            text = Map.entry(Templates.fillFields(text.getKey(), values, true), Templates.fillFields(text.getValue(), values, false));
          } else {
            stop = d.rules().isEmpty() ? "default-deny" : d.rules().get(0);
          }
        }
      }
      if (stop != null || text == null) {
        marks.add(new MessageRecords.Mark(e.id(), Status.WITHDRAWN, e.attempts(), now, null, stop == null ? NO_ADDRESS : stop));
        result.add(new Claimed(e, null));
      } else {
        // the mark commits before the hand-over: a crash after it leaves the message "sending", never sent twice
        marks.add(new MessageRecords.Mark(e.id(), Status.SENDING, e.attempts() + 1, now, null, null));
        result.add(new Claimed(e, new Envelope(e.id(), addresses.get(e.subjectId()), text.getKey(), text.getValue(), Kind.find(e.kind()), e.subjectId(),
            e.purpose(), e.service())));
      }
    }
    out.markAll(marks);
    return result;
  }

  /** How a message's attempt ends at {@code now}: sent; deferred with back-off after a transient failure; or failed (the caller suppresses a hard bounce's address). */
  private MessageRecords.Mark settle(Entry e, MailTransport.Outcome outcome, Instant now) {
    int attempts = e.attempts() + 1;
    return switch (outcome.result()) {
      case SENT -> new MessageRecords.Mark(e.id(), Status.SENT, attempts, now, now, null);
      case TRANSIENT -> attempts < limits.maxAttempts()
          ? new MessageRecords.Mark(e.id(), Status.QUEUED, attempts, now.plus(limits.backOff(attempts)), null, outcome.reason())
          : new MessageRecords.Mark(e.id(), Status.FAILED, attempts, now, null, "gave up after " + attempts + " attempts: " + outcome.reason());
      default -> new MessageRecords.Mark(e.id(), Status.FAILED, attempts, now, null, outcome.reason());
    };
  }

  /**
   * Marks messages left "sending" since before {@code before} (a sender stopped between handing one to
   * the mail server and recording the answer) as uncertain: they are never sent again by themselves, so
   * none reaches a person twice; an operator may retry them. Returns how many.
   */
  public int sweepInterrupted(Instant before) {
    return storage.inTransaction(w -> w.messages().markInterruptedUncertain(before));
  }

  /**
   * Deletes the shared texts of bulk sends written before {@code before} that no message names any
   * more (everyone they were sent to was erased) and destroys their keys, so that nothing of them can
   * be opened again, a copy in a backup included. Returns how many.
   */
  public int forgetUnusedTexts(Instant before) {
    int n = 0;
    while (true) {
      List<String> gone = storage.inTransaction(w -> w.messages().forgetUnusedTexts(before, FORGET_AT_ONCE));
      // the rows have committed: only now the keys go (a key destroyed for a row that stayed would lose a text still named)
      gone.forEach(storage::destroyKey);
      n += gone.size();
      if (gone.size() < FORGET_AT_ONCE) {
        return n;
      }
    }
  }

  // ---- unsubscribing and the suppression list ----

  /**
   * The person unsubscribes from messages of {@code kind} through a signed link of their own (RFC 8058
   * one-click, or the page it opens): recorded and audited; for marketing the opt-in is withdrawn in the
   * consent ledger too. Takes effect for the next message, queued ones included. Answers false when the
   * person no longer exists (erased: nothing is sent to them anyway).
   */
  public boolean unsubscribe(String subjectId, Kind kind, String requestId) {
    return unsubscribe(subjectId, kind, requestId, "one-click");
  }

  /** As {@link #unsubscribe(String, Kind, String)}, through {@code channel}: the person's link ({@code one-click}) or their session ({@code privacy-center}). */
  public boolean unsubscribe(String subjectId, Kind kind, String requestId, String channel) {
    if (!kind.unsubscribable()) {
      throw new InvalidInputException("kind", "transactional messages have no unsubscribe");
    }
    Access by = Access.subject(subjectId, requestId);
    return storage.inTransaction(w -> {
      if (!w.people().exists(subjectId)) {
        return false;
      }
      Instant now = enforcer.clock().instant();
      w.messages().unsubscribe(subjectId, kind.id(), now);
      if (kind == Kind.MARKETING) {
        Consents.withdrawIn(w, by, subjectId, Vocabulary.MARKETING, null, channel.equals("one-click") ? Consents.UNSUBSCRIBE : Consents.PRIVACY_CENTER, enforcer.policy().version(), now);
      }
      enforcer.record(w, AuditRecord.recorded(by, "unsubscribe").purpose(kind == Kind.MARKETING ? Vocabulary.MARKETING : Vocabulary.PROVIDE).subject(subjectId)
          .rules(List.of("unsubscribed:" + kind.id(), "channel:" + channel)).clauses(List.of("C16", "C19")).build());
      return true;
    });
  }

  /** The person takes an unsubscription back, from their own session (their opt-in for marketing is a consent of its own). */
  public boolean resubscribe(Access by, String subjectId, Kind kind) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "resubscribe", Vocabulary.PROVIDE);
      boolean changed = w.messages().resubscribe(subjectId, kind.id());
      enforcer.record(w, AuditRecord.recorded(by, "resubscribe").purpose(kind == Kind.MARKETING ? Vocabulary.MARKETING : Vocabulary.PROVIDE).subject(subjectId).rules(List.of("resubscribed:" + kind.id())).clauses(C16).build());
      return changed;
    });
  }

  /** Puts a person's address on the suppression list (an operator, a complaint); recorded and audited. */
  public boolean suppress(Access by, String subjectId, String reason) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "suppress", Vocabulary.PROVIDE);
      return suppress(w, by, subjectId, reason, Vocabulary.PROVIDE, enforcer.clock().instant());
    });
  }

  private boolean suppress(Work w, Access by, String subjectId, String reason, String purpose, Instant now) {
    boolean added = w.messages().suppress(subjectId, reason, now);
    if (added) {
      enforcer.record(w, AuditRecord.recorded(by, "suppress").purpose(purpose).subject(subjectId).rules(List.of("suppressed:" + reason)).clauses(C16).build());
    }
    return added;
  }

  // ---- looking ----

  /** What the person is sent: the messages to them (kind, purpose, dates; no text), and the kinds they unsubscribed from. */
  public record Mailbox(List<Entry> messages, List<String> unsubscribed, boolean suppressed) {}

  /** The person's own view of their messages, from their session. */
  public Mailbox mailbox(Access by, String subjectId, int limit) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return new Mailbox(w.messages().of(subjectId, limit), w.messages().unsubscribed(subjectId), w.messages().suppressed(subjectId));
    });
  }

  /** The most messages one page of {@link #own} answers. */
  public static final int MAX_PAGE = 200;
  private static final Pattern MESSAGE_ID = Pattern.compile("msg-[0-9a-f-]{1,44}");

  /** One of the person's own messages: its entry, and its subject and body only when they asked to see the text (else null). */
  public record Own(Entry entry, String subject, String body) {}

  /**
   * A page of the person's own messages, newest first, with {@code next} the cursor of the page after
   * it (null on the last page); the kinds they unsubscribed from; whether their address is suppressed;
   * and the messages still waiting to be sent (queued or being sent), newest first.
   */
  public record OwnMessages(List<Own> messages, String next, List<String> unsubscribed, boolean suppressed, List<Entry> waiting) {
    public OwnMessages {
      messages = List.copyOf(messages);
      unsubscribed = List.copyOf(unsubscribed);
      waiting = List.copyOf(waiting);
    }
  }

  /**
   * The person's own messages (C16, C34), a page of at most {@code limit} older than the message
   * {@code before} (null: the newest). Without {@code withText} it answers what the outbox keeps about
   * each message and opens nothing. With it, the subjects and bodies are opened for the person: a use
   * of their private content decided by the enforcer and audited in the same transaction, permit or
   * deny; a denial answers the decision and no messages. Without text nothing is decided, and the
   * outcome's decision is null.
   *
   * @throws InvalidInputException for a limit outside 1 to {@link #MAX_PAGE} or a cursor that is not a message id
   * @throws NotFound when the person is not visible to the caller
   */
  public Outcome<OwnMessages> own(Access by, String subjectId, int limit, String before, boolean withText) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidInputException("limit", "limit must be a whole number from 1 to " + MAX_PAGE);
    }
    if (before != null && !MESSAGE_ID.matcher(before).matches()) {
      throw new InvalidInputException("before", "before must be the id of a message (msg-…) from the page before");
    }
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      Decision d = null;
      if (withText) {
        d = enforcer.decide(w, by, Use.of("read-messages", Action.READ, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.PRIVATE_CONTENT)));
        if (!d.permits()) {
          return Outcome.denied(d);
        }
      }
      MessageRecords out = w.messages();
      List<Entry> page = out.page(subjectId, before, limit + 1);
      String next = page.size() > limit ? page.get(limit - 1).id() : null;
      List<Own> own = new ArrayList<>();
      for (Entry e : page.subList(0, Math.min(limit, page.size()))) {
        if (withText) {
          Map.Entry<String, String> text = out.open(e);
          own.add(new Own(e, text.getKey(), text.getValue()));
        } else {
          own.add(new Own(e, null, null));
        }
      }
      OwnMessages answer = new OwnMessages(own, next, out.unsubscribed(subjectId), out.suppressed(subjectId), out.waiting(subjectId, MAX_PAGE));
      return new Outcome<>(d, answer);
    });
  }

  /** For operators: the newest messages in a status (null: any), without text or address. */
  public List<Entry> newest(Status status, int limit) {
    return storage.inTransaction(w -> w.messages().newest(status, limit));
  }

  /** For operators: queues a failed or uncertain message again, to be decided and sent anew. */
  public boolean retry(Access by, String messageId) {
    return storage.inTransaction(w -> {
      Optional<Entry> e = w.messages().entry(messageId);
      if (e.isEmpty() || e.get().status() != Status.FAILED && e.get().status() != Status.UNCERTAIN) {
        return false;
      }
      w.messages().mark(messageId, Status.QUEUED, e.get().attempts(), enforcer.clock().instant(), null, null);
      enforcer.record(w, AuditRecord.recorded(by, "retry").subject(e.get().subjectId()).purpose(e.get().purpose()).rules(List.of("retry")).clauses(C16).build());
      return true;
    });
  }

  /** The outbox's counts by status and the queue time of its oldest queued message, for metrics. */
  public MessageRecords.Stats stats() {
    return storage.inTransaction(w -> w.messages().stats());
  }
}
