package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Decision;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One audit entry before it is written: who did what, for which purpose, to whom (the pseudonymous
 * person id, never a personal value), to which categories, with what effect and why.
 *
 * <p>The effect says what kind of entry it is. {@code permit} and {@code deny} claim a decision: only
 * the {@link Enforcer} makes such records, from the decision itself ({@link #of(Access, Use, Decision)}
 * is package-private). Everything else the platform records — a consent given by the person, a grant
 * given, a review signed off, a batch collected — is {@code recorded}: an event, not a decision.
 */
public final class AuditRecord {
  public static final String PERMIT = "permit";
  public static final String DENY = "deny";
  public static final String RECORDED = "recorded";

  private final String actorKind;
  private final String actorId;
  private final String action;
  private final String purpose;
  private final String subject;
  private final List<String> categories;
  private final String effect;
  private final List<String> rules;
  private final List<String> clauses;
  private final String requestId;

  private AuditRecord(Builder b) {
    this.actorKind = Objects.requireNonNull(b.actorKind, "actorKind == null");
    this.actorId = Objects.requireNonNull(b.actorId, "actorId == null");
    this.action = Objects.requireNonNull(b.action, "action == null");
    this.purpose = b.purpose;
    this.subject = b.subject;
    this.categories = List.copyOf(b.categories);
    this.effect = Objects.requireNonNull(b.effect, "effect == null");
    this.rules = List.copyOf(b.rules);
    this.clauses = List.copyOf(b.clauses);
    this.requestId = b.requestId;
  }

  /** The record of a decision; only the enforcer writes these. */
  static AuditRecord of(Access by, Use use, Decision d) {
    return decisionBuilder(by, use.operation(), d.permits() ? PERMIT : DENY)
        .purpose(use.purpose()).subject(use.subject()).categories(use.categories()).rules(d.rules()).clauses(d.clauses()).build();
  }

  /** A refusal the platform makes before the engine is asked (the person is not visible to the caller). */
  static Builder decisionBuilder(Access by, String operation, String effect) {
    Builder b = new Builder();
    b.actorKind = by.kind().id();
    b.actorId = by.id();
    b.action = operation;
    b.effect = effect;
    b.requestId = by.requestId();
    return b;
  }

  /** An event that is not a decision: a consent recorded, a grant given, a batch collected. */
  public static Builder recorded(Access by, String action) {
    return recorded(by.kind().id(), by.id(), action).requestId(by.requestId());
  }

  /** An event that is not a decision, by an actor named by kind and id. */
  public static Builder recorded(String actorKind, String actorId, String action) {
    Builder b = new Builder();
    b.actorKind = actorKind;
    b.actorId = actorId;
    b.action = action;
    b.effect = RECORDED;
    return b;
  }

  public String actorKind() {
    return actorKind;
  }

  public String actorId() {
    return actorId;
  }

  public String action() {
    return action;
  }

  public String purpose() {
    return purpose;
  }

  public String subject() {
    return subject;
  }

  public List<String> categories() {
    return categories;
  }

  public String effect() {
    return effect;
  }

  public List<String> rules() {
    return rules;
  }

  public List<String> clauses() {
    return clauses;
  }

  public String requestId() {
    return requestId;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "AuditRecord{%s:%s %s %s %s}", actorKind, actorId, action, purpose, effect);
  }

  /** Builds a record; the effect is fixed by the factory that made the builder. */
  public static final class Builder {
    private String actorKind;
    private String actorId;
    private String action;
    private String purpose;
    private String subject;
    private List<String> categories = List.of();
    private String effect;
    private List<String> rules = List.of();
    private List<String> clauses = List.of();
    private String requestId;

    private Builder() {}

    public Builder purpose(String purpose) {
      this.purpose = purpose;
      return this;
    }

    public Builder subject(String subject) {
      this.subject = subject;
      return this;
    }

    public Builder categories(List<String> categories) {
      this.categories = categories;
      return this;
    }

    public Builder rules(List<String> rules) {
      this.rules = rules;
      return this;
    }

    public Builder clauses(List<String> clauses) {
      this.clauses = clauses;
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    public AuditRecord build() {
      return new AuditRecord(this);
    }
  }
}
