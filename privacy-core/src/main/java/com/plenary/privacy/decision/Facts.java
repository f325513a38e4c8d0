package com.plenary.privacy.decision;

import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.policy.Recipient;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a decision needs to know beyond the policy, given as inputs so the engine stays pure: the
 * person's consents and the policy version they accepted, facts about them (unsubscribed), the staff
 * member's agreement and grants, the recipient's agreements, a legal request, an aggregate's
 * smallest group, and the time of the decision. {@code recipients} are recipients the platform's
 * registry holds beside those the policy names (the policy declares their kinds); the engine knows a
 * recipient named in a request from either. {@code transferTo} names the data centre the answer is
 * sent to when it leaves the data centre that holds the person's data (a read forwarded from another
 * region's node, C12, C13): null when it does not leave.
 */
public record Facts(
    Instant now,
    List<Consent> consents,
    int subjectPolicyVersion,
    Set<Condition> conditions,
    Staff staff,
    List<Agreement> agreements,
    LegalRequest legal,
    int smallestGroup,
    List<Recipient> recipients,
    String transferTo) {

  public static final Facts NONE = new Facts(Instant.EPOCH, List.of(), 0, Set.of(), null, List.of(), null, -1);

  public Facts {
    consents = List.copyOf(consents);
    conditions = Set.copyOf(conditions);
    agreements = List.copyOf(agreements);
    recipients = List.copyOf(recipients);
  }

  /** Facts of a use whose answer stays in the data centre that holds the data. */
  public Facts(Instant now, List<Consent> consents, int subjectPolicyVersion, Set<Condition> conditions, Staff staff, List<Agreement> agreements,
      LegalRequest legal, int smallestGroup, List<Recipient> recipients) {
    this(now, consents, subjectPolicyVersion, conditions, staff, agreements, legal, smallestGroup, recipients, null);
  }

  /** Facts that know no registered recipient beyond the policy's. */
  public Facts(Instant now, List<Consent> consents, int subjectPolicyVersion, Set<Condition> conditions, Staff staff, List<Agreement> agreements,
      LegalRequest legal, int smallestGroup) {
    this(now, consents, subjectPolicyVersion, conditions, staff, agreements, legal, smallestGroup, List.of());
  }

  /** Facts at {@code now} with nothing known yet; set what is known on the builder. */
  public static Builder at(Instant now) {
    return new Builder(now);
  }

  /** A builder holding these facts, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder(now);
    b.consents = consents;
    b.subjectPolicyVersion = subjectPolicyVersion;
    b.conditions = conditions;
    b.staff = staff;
    b.agreements = agreements;
    b.legal = legal;
    b.smallestGroup = smallestGroup;
    b.recipients = recipients;
    b.transferTo = transferTo;
    return b;
  }

  /** Builds {@link Facts} by name rather than by position. */
  public static final class Builder {
    private final Instant now;
    private List<Consent> consents = List.of();
    private int subjectPolicyVersion;
    private Set<Condition> conditions = Set.of();
    private Staff staff;
    private List<Agreement> agreements = List.of();
    private LegalRequest legal;
    private int smallestGroup = -1;
    private List<Recipient> recipients = List.of();
    private String transferTo;

    private Builder(Instant now) {
      this.now = Objects.requireNonNull(now, "now == null");
    }

    public Builder consents(List<Consent> consents) {
      this.consents = consents;
      return this;
    }

    public Builder subjectPolicyVersion(int version) {
      this.subjectPolicyVersion = version;
      return this;
    }

    public Builder conditions(Set<Condition> conditions) {
      this.conditions = conditions;
      return this;
    }

    public Builder staff(Staff staff) {
      this.staff = staff;
      return this;
    }

    public Builder agreements(List<Agreement> agreements) {
      this.agreements = agreements;
      return this;
    }

    public Builder legal(LegalRequest legal) {
      this.legal = legal;
      return this;
    }

    public Builder smallestGroup(int smallestGroup) {
      this.smallestGroup = smallestGroup;
      return this;
    }

    /** Recipients the registry holds (never a caller's word), for a decision that names one. */
    public Builder recipients(List<Recipient> recipients) {
      this.recipients = recipients;
      return this;
    }

    /** The data centre the answer is sent to, out of the one that holds the data (C12, C13); null: it stays. */
    public Builder transferTo(String dataCentre) {
      this.transferTo = dataCentre;
      return this;
    }

    public Facts build() {
      return new Facts(now, consents, subjectPolicyVersion, conditions, staff, agreements, legal, smallestGroup, recipients, transferTo);
    }
  }

  /** A recorded consent (C19, C24): for a purpose and everything under it, optionally for one recipient, given under a policy version. */
  public record Consent(String purpose, String recipient, int policyVersion) {}

  /** A staff member: type, confidentiality agreement (C33) and grants (C32). */
  public record Staff(String id, String type, Instant agreementSigned, List<Grant> grants) {
    public Staff {
      grants = List.copyOf(grants);
    }
  }

  /** A grant to a staff member in a role, of categories × purposes, from (inclusive) until (exclusive). */
  public record Grant(String role, List<String> categories, List<String> purposes, Instant from, Instant until) {
    public Grant {
      categories = List.copyOf(categories);
      purposes = List.copyOf(purposes);
    }
  }

  /** An agreement with a recipient (C25): what it covers and while it is in force (both days inclusive). */
  public record Agreement(String recipient, List<String> categories, List<String> purposes, LocalDate start, LocalDate end) {
    public Agreement {
      categories = List.copyOf(categories);
      purposes = List.copyOf(purposes);
    }
  }

  /** A legal request (C26): its ground (a)–(d), who asked for it and who approved it. */
  public record LegalRequest(String ground, String requestedBy, List<String> approvedBy) {
    public LegalRequest {
      approvedBy = List.copyOf(approvedBy);
    }
  }
}
