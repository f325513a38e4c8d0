package com.plenary.privacy.domain.versions;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.PolicyRecords;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.messages.NoticeWords;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.PolicyDiff;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Locale;
import java.util.function.Function;

/**
 * Policy versions (C36): the privacy officer publishes a new version with its effective date; it is
 * checked as a policy in force is, stored with its full text, and comes into force on every node at that
 * date (the {@link Enforcer} follows the store). Everyone registered is told once through the message
 * gateway; what a version adds is denied for people who accepted an older one until they consent under
 * the new one, which they are asked for on their next visit ({@link #promptFor}).
 */
public final class PolicyVersions {
  /** The channel of an acceptance given on the prompt of the privacy center. */
  public static final String PROMPT = Consents.PRIVACY_CENTER;
  /** How many people a notice run reads at a time. */
  static final int NOTICE_BATCH = 500;

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Consents consents;
  private final Messages messages;

  public PolicyVersions(Storage storage, Enforcer enforcer, Visibility visibility, Consents consents, Messages messages) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.consents = consents;
    this.messages = messages;
  }

  /**
   * One version as history shows it: its number and name, the day it comes into force, the SHA-256 of
   * its text, who published it and when, whether it is the version in force, and when everyone was told
   * (null while the notice is under way, and for the version the platform started with).
   */
  public record Version(int version, String name, LocalDate effective, String textSha256, Instant publishedAt, String publishedBy, String status,
      Instant notifiedAt) {}

  /** A version with its full text. */
  public record Full(Version version, String text) {}

  /** A version published: it, and what changed against the version in force when it was published. */
  public record Published(Version version, PolicyDiff diff) {}

  /**
   * Checks and stores a new version of the policy, to come into force at the start of {@code effective}
   * (UTC). {@code text} is the policy file, {@code source} its name in problems.
   *
   * @throws com.plenary.privacy.policy.PolicyException when the text is not a valid policy (every problem with its line and column); nothing is stored
   * @throws InvalidInputException for an effective date in the past or before the newest version's, a version number not above the newest
   * @throws Conflict when another publication took the number first
   */
  public Published publish(Access by, String text, String source, LocalDate effective) {
    if (effective == null) {
      throw new InvalidInputException("effective", "name the day the version comes into force, such as 2027-01-01");
    }
    if (text == null || text.isBlank()) {
      throw new InvalidInputException("policy", "the policy text is empty");
    }
    LocalDate today = LocalDate.ofInstant(enforcer.clock().instant(), ZoneOffset.UTC);
    if (effective.isBefore(today)) {
      throw new InvalidInputException("effective", "the effective date " + effective + " is in the past; a version comes into force today (" + today
          + ") or later");
    }
    Policy p = Policy.parse(text, source == null ? "policy" : source);
    List<Policy> known = enforcer.versions();
    Policy newest = known.get(known.size() - 1);
    if (p.version() <= newest.version()) {
      throw new InvalidInputException("version", "the policy says version " + p.version() + ", but version " + newest.version()
          + " exists already; publish it as version " + (newest.version() + 1) + " or later");
    }
    if (newest.effective() != null && effective.isBefore(newest.effective()) && known.size() > 1) {
      throw new InvalidInputException("effective", "version " + newest.version() + " comes into force on " + newest.effective()
          + "; a later version cannot come into force before it");
    }
    Policy published;
    try {
      published = enforcer.asPublished(p, effective);
    } catch (PlenaryException e) {
      throw new InvalidInputException("policy", e.getMessage());
    }
    Policy inForce = enforcer.policy();
    PolicyDiff diff = PolicyDiff.between(inForce, published);
    Instant now = enforcer.clock().instant();
    PolicyRecords.Stored stored = new PolicyRecords.Stored(p.version(), p.name(), effective, text, sha256(text), String.join("\n", diff.lines()), now,
        by.kind().id() + ":" + by.id(), null, null);
    storage.useTransaction(w -> {
      if (!w.policies().add(stored)) {
        throw new Conflict("version " + p.version() + " was published meanwhile");
      }
      w.audit(AuditRecord.recorded(by, "publish-policy").purpose(Vocabulary.TECHNICAL).rules(List.of("policy-version:" + p.version(), "effective:" + effective))
          .clauses(List.of("C36")).build());
    });
    enforcer.refresh();
    return new Published(view(stored, enforcer.policy().version()), diff);
  }

  /** Every version, oldest first: the one the platform started with, then each one published. */
  public List<Version> list() {
    int inForce = enforcer.policy().version();
    List<Version> out = new ArrayList<>();
    List<PolicyRecords.Stored> stored = storage.inTransaction(w -> w.policies().all());
    Policy base = enforcer.versions().get(0);
    if (stored.stream().noneMatch(s -> s.version() == base.version())) {
      out.add(baseView(base, inForce));
    }
    stored.forEach(s -> out.add(view(s, inForce)));
    return out;
  }

  /** One version with its full text; an unknown number is a {@link NotFound}. */
  public Full get(int version) {
    int inForce = enforcer.policy().version();
    Optional<PolicyRecords.Stored> stored = storage.inTransaction(w -> w.policies().get(version));
    if (stored.isPresent()) {
      return new Full(view(stored.get(), inForce), stored.get().text());
    }
    Policy base = enforcer.versions().get(0);
    if (base.version() == version) {
      return new Full(baseView(base, inForce), null);
    }
    throw new NotFound("there is no policy version " + version);
  }

  /** What changed from the version before {@code version} to it (against nothing for the first). */
  public PolicyDiff diff(int version) {
    get(version);
    List<Policy> all = enforcer.versions();
    Policy to = null;
    Policy from = null;
    for (Policy p : all) {
      if (p.version() == version) {
        to = p;
        break;
      }
      from = p;
    }
    if (to == null) {
      throw new NotFound("there is no policy version " + version);
    }
    return PolicyDiff.between(from == null ? to : from, to);
  }

  /** The policy of {@code version} as enforced; an unknown number is a {@link NotFound}. */
  public Policy policy(int version) {
    return enforcer.versions().stream().filter(p -> p.version() == version).findFirst()
        .orElseThrow(() -> new NotFound("there is no policy version " + version));
  }

  // ---- the notice to everyone registered ----

  /**
   * Tells everyone registered of each version whose notice is not finished, through the message gateway,
   * as a service notice of the platform's own service — at most {@code limit} people a run, so that a
   * background job stays short, the group queued set-wise in one transaction ({@link Messages#noticeEach}).
   * Each person is told at most once a version: the message is keyed by the version and the person, so a
   * run that a crash cut short and is run again, here or on another node, repeats nobody. Nobody is left
   * out: how far the notice has gone is stored after each group, and a version counts as notified only once
   * a run finds nobody left. Answers how many were queued.
   */
  public int notifyPending(int limit) {
    for (PolicyRecords.Stored v : storage.inTransaction(w -> w.policies().unnotified())) {
      List<String> people = storage.inTransaction(w -> w.policies().peopleAfter(v.notifiedThrough(), limit));
      if (people.isEmpty()) {
        storage.useTransaction(w -> w.policies().notified(v.version(), v.notifiedThrough(), enforcer.clock().instant()));
        continue;
      }
      // each person is told in the language they asked for, where there is a translation (English otherwise)
      Function<Locale, Messages.Text> text = language -> NoticeWords.of(language).text("policy-change", new Object[0],
          String.valueOf(v.version()), String.valueOf(v.effective()));
      // one transaction for the group (Messages.noticeEach), each person keyed by the version and their id
      String key = "policy-version-" + v.version();
      int queued = messages.noticeEach(people, Kind.SERVICE, text, key, key).queued();
      String last = people.get(people.size() - 1);
      storage.useTransaction(w -> w.policies().notified(v.version(), last, null));
      return queued;
    }
    return 0;
  }

  /** Runs {@link #notifyPending(int)} until every version's notice is finished; answers how many were queued. For the command line and tests. */
  public int notifyAll(int limit) {
    int total = 0;
    while (!storage.inTransaction(w -> w.policies().unnotified()).isEmpty()) {
      total += notifyPending(limit);
    }
    return total;
  }

  // ---- the person's prompt ----

  /**
   * What changed since the version a person accepted, as they are asked about it on their next visit:
   * the version in force, the purposes they may consent to now ({@code purposes}), and every change in
   * words ({@code changes}); {@code text} is exactly what they are shown and {@code textSha256} its hash.
   */
  public record Prompt(int version, int accepted, List<Purpose> purposes, List<String> changes, String text, String textSha256) {}

  /** The prompt the person should answer, in English; see {@link #promptFor(Access, String, PromptWords)}. */
  public Optional<Prompt> promptFor(Access by, String subjectId) {
    return promptFor(by, subjectId, PromptWords.ENGLISH);
  }

  /** The prompt the person should answer, in {@code words}, if a version they have not accepted changed something that needs their consent. */
  public Optional<Prompt> promptFor(Access by, String subjectId, PromptWords words) {
    Policy now = enforcer.policy();
    int accepted = storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.acceptedPolicyVersion(subjectId);
    });
    if (accepted <= 0 || accepted >= now.version()) {
      return Optional.empty();
    }
    Policy before = enforcer.versions().stream().filter(p -> p.version() <= accepted).reduce((a, b) -> b).orElse(enforcer.versions().get(0));
    PolicyDiff diff = PolicyDiff.between(before, now);
    List<Purpose> purposes = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    for (String id : diff.changes().get("purposes").added()) {
      Purpose p = now.purpose(id);
      if (p != null && p.listed()) {
        purposes.add(p);
        changes.add(words.sentence("prompt.new-purpose", words.policy("purpose", p.id(), p.text())));
      }
    }
    for (String id : diff.changes().get("purposes").removed()) {
      Purpose p = before.purpose(id);
      if (p != null && p.listed()) {
        changes.add(words.sentence("prompt.dropped-purpose", words.policy("purpose", p.id(), p.text())));
      }
    }
    for (String id : diff.changes().get("recipients").added()) {
      Recipient r = now.recipient(id);
      changes.add(words.sentence("prompt.new-recipient", r == null ? id : words.policy("recipient", r.id(), r.text())));
    }
    Set<String> categories = new LinkedHashSet<>(diff.changes().get("categories").added());
    for (String id : categories) {
      Category c = now.categories().stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
      changes.add(words.sentence("prompt.new-category", c == null ? id : words.policy("category", c.id(), c.text())));
    }
    if (purposes.isEmpty() && diff.changes().get("recipients").added().isEmpty() && categories.isEmpty()) {
      return Optional.empty();
    }
    String text = words.sentence("prompt.changed", String.valueOf(now.version()), String.valueOf(now.effective())) + " " + String.join(" ", changes)
        + " " + words.sentence("prompt.closing");
    return Optional.of(new Prompt(now.version(), accepted, List.copyOf(purposes), List.copyOf(changes), text, sha256(text)));
  }

  /**
   * The person's answer to their prompt: they agree to the changed terms of the version in force (the
   * acceptance is recorded with the hash of the text they were shown) and consent to each of {@code
   * purposes}, each a new entry of the consent ledger under that version (channel {@code privacy-center}).
   * A prompt that changed since it was shown (another hash) is a 400 and nothing is recorded.
   */
  public void answer(Access by, String subjectId, String shownSha256, List<String> purposes) {
    answer(by, subjectId, shownSha256, purposes, PromptWords.ENGLISH);
  }

  /** The person's answer to the prompt they were shown in {@code words}; see {@link #answer(Access, String, String, List)}. */
  public void answer(Access by, String subjectId, String shownSha256, List<String> purposes, PromptWords words) {
    Prompt prompt = promptFor(by, subjectId, words).orElseThrow(() -> new Conflict("there is no change of the policy for you to answer"));
    if (shownSha256 == null || !shownSha256.equals(prompt.textSha256())) {
      throw new InvalidInputException("shown_sha256", "the changes shown are not those in force now; read them again");
    }
    for (String p : purposes) {
      if (prompt.purposes().stream().noneMatch(x -> x.id().equals(p))) {
        throw new InvalidInputException("purposes", "only the new purposes of the version can be consented to here");
      }
    }
    Instant now = enforcer.clock().instant();
    storage.useTransaction(w -> {
      visibility.require(w, by, subjectId, "consent", Vocabulary.PROVIDE);
      w.policies().accept(subjectId, prompt.version(), now, PROMPT, shownSha256, by.requestId());
      for (String p : purposes) {
        consents.record(w, by, subjectId, p, null, Consents.PRIVACY_CENTER, shownSha256, now);
      }
      enforcer.record(w, AuditRecord.recorded(by, "accept-policy").purpose(Vocabulary.PROVIDE).subject(subjectId)
          .rules(List.of("policy-version:" + prompt.version())).clauses(List.of("C36")).build());
    });
  }

  private static Version view(PolicyRecords.Stored s, int inForce) {
    return new Version(s.version(), s.name(), s.effective(), s.textSha256(), s.publishedAt(), s.publishedBy(), status(s.version(), inForce), s.notifiedAt());
  }

  private static Version baseView(Policy base, int inForce) {
    return new Version(base.version(), base.name(), base.effective(), null, null, null, status(base.version(), inForce), null);
  }

  private static String status(int version, int inForce) {
    return version == inForce ? "in-force" : version < inForce ? "past" : "scheduled";
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }
}
