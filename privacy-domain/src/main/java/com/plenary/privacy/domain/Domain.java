package com.plenary.privacy.domain;

import com.plenary.privacy.domain.aggregates.AggregateLimits;
import com.plenary.privacy.domain.aggregates.Aggregates;
import com.plenary.privacy.domain.collection.Collection;
import com.plenary.privacy.domain.consent.ConsentRequests;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.messages.MessageLimits;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.reviews.Reviews;
import com.plenary.privacy.domain.sharing.CorrectionNotices;
import com.plenary.privacy.domain.sharing.Disclosures;
import com.plenary.privacy.domain.sharing.LegalRequests;
import com.plenary.privacy.domain.sharing.Recipients;
import com.plenary.privacy.domain.staff.Incidents;
import com.plenary.privacy.domain.staff.StaffAccess;
import com.plenary.privacy.domain.subjects.Passwords;
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.domain.versions.PolicyVersions;
import com.plenary.privacy.policy.Policy;

/**
 * The front door of the domain: every use of personal data a front end (the HTTP server, the CLI) can
 * ask for, one capability a package, all running inside the one {@link Enforcer} over a {@link Storage}.
 * Thread-safe.
 */
public final class Domain {
  private final Enforcer enforcer;
  private final Subjects subjects;
  private final Consents consents;
  private final ConsentRequests consentRequests;
  private final Collection collection;
  private final Questions questions;
  private final StaffAccess staff;
  private final Incidents incidents;
  private final Reviews reviews;
  private final Messages messages;
  private final Recipients recipients;
  private final Aggregates aggregates;
  private final PolicyVersions versions;
  private final Passwords passwords;
  private final Disclosures disclosures;
  private final LegalRequests legalRequests;
  private final CorrectionNotices correctionNotices;
  private final ForwardedRequests forwardedRequests;

  /** A domain with the message gateway's default limits and without internal reviews (they need the platform's {@link Oversight}). */
  public Domain(Enforcer enforcer, Storage storage, String region) {
    this(enforcer, storage, region, MessageLimits.DEFAULTS, null);
  }

  /**
   * {@code region}: the home region of the people this deployment holds; null when it holds every region's.
   * {@code messageLimits}: the message gateway's limits. {@code oversight}: what review reports read about
   * the platform as a whole; null for a domain that makes no reviews.
   */
  public Domain(Enforcer enforcer, Storage storage, String region, MessageLimits messageLimits, Oversight oversight) {
    this(enforcer, storage, region, messageLimits, oversight, AggregateLimits.DEFAULTS);
  }

  /** As {@link #Domain(Enforcer, Storage, String, MessageLimits, Oversight)}, with the limits of aggregate statistics. */
  public Domain(Enforcer enforcer, Storage storage, String region, MessageLimits messageLimits, Oversight oversight, AggregateLimits aggregateLimits) {
    this.enforcer = enforcer;
    enforcer.follow(storage);
    Visibility visibility = new Visibility(storage, enforcer);
    this.consents = new Consents(storage, enforcer, visibility);
    this.subjects = new Subjects(storage, enforcer, visibility, consents, region);
    this.collection = new Collection(storage, enforcer, visibility);
    this.questions = new Questions(storage, enforcer, visibility);
    this.staff = new StaffAccess(storage, enforcer, visibility);
    this.incidents = new Incidents(storage, enforcer);
    this.reviews = oversight == null ? null : new Reviews(storage, enforcer, oversight);
    this.messages = new Messages(storage, enforcer, visibility, messageLimits);
    this.recipients = new Recipients(storage, enforcer);
    this.aggregates = new Aggregates(storage, enforcer, aggregateLimits);
    this.disclosures = new Disclosures(storage, enforcer, visibility);
    this.legalRequests = new LegalRequests(storage, enforcer, visibility);
    this.correctionNotices = new CorrectionNotices(storage, enforcer, visibility, recipients);
    this.consentRequests = new ConsentRequests(storage, enforcer, visibility, consents, messages);
    this.versions = new PolicyVersions(storage, enforcer, visibility, consents, messages);
    this.passwords = new Passwords(storage, enforcer, visibility, messages);
    this.forwardedRequests = new ForwardedRequests(storage, enforcer);
  }

  /** The requests of other regions' nodes refused here, audited (issue 18). */
  public ForwardedRequests forwardedRequests() {
    return forwardedRequests;
  }

  public Enforcer enforcer() {
    return enforcer;
  }

  public Policy policy() {
    return enforcer.policy();
  }

  /** Register, read, correct, export, erase; content and retention. */
  public Subjects subjects() {
    return subjects;
  }

  /** A person's password: changed, or reset by a mailed link. */
  public Passwords passwords() {
    return passwords;
  }

  /** Consents given and withdrawn. */
  public Consents consents() {
    return consents;
  }

  /** Consent requests: a service asks, the person grants or declines (C19). */
  public ConsentRequests consentRequests() {
    return consentRequests;
  }

  /** Partner links, browsers attached on sign-in, the operators' look at events. */
  public Collection collection() {
    return collection;
  }

  /** Staff members' agreements, need-to-know grants and their requests, break-glass (C32, C33). */
  public StaffAccess staff() {
    return staff;
  }

  /** Incidents (C33): staff attempts the engine denied and break-glass uses, followed up by privacy officers. */
  public Incidents incidents() {
    return incidents;
  }

  /** Internal review reports and their sign-off. */
  public Reviews reviews() {
    if (reviews == null) {
      throw new IllegalStateException("this domain was made without the platform's oversight, so it makes no reviews");
    }
    return reviews;
  }

  /** The message gateway (C16): messages decided, queued, delivered; unsubscribes and the suppression list. */
  public Messages messages() {
    return messages;
  }

  /** The registry of recipients and their agreements (C25). */
  public Recipients recipients() {
    return recipients;
  }

  /** Aggregate statistics with small groups withheld, optionally with noise (C27). */
  public Aggregates aggregates() {
    return aggregates;
  }

  /** Policy versions: publish, history, the notice to everyone, the person's prompt (C36). */
  public PolicyVersions versions() {
    return versions;
  }

  /** The disclosure gateway (C23–C28): every transfer of people's data to a recipient. */
  public Disclosures disclosures() {
    return disclosures;
  }

  /** Legal requests (C26): created, approved by a second person, released once. */
  public LegalRequests legalRequests() {
    return legalRequests;
  }

  /** Correction notices owed to recipients (C35), and their delivery. */
  public CorrectionNotices correctionNotices() {
    return correctionNotices;
  }

  /** The decisions API's questions. */
  public Questions questions() {
    return questions;
  }
}
