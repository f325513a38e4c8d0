package com.plenary.privacy.policy;

/**
 * A condition a rule may require, checked against the facts a decision request carries. Each one
 * names the clause whose promise it keeps.
 */
public enum Requirement {
  /** The person's recorded, specific consent for the purpose (and the recipient, when disclosing), given under a policy version no older than the purpose (C19, C24, C36). */
  CONSENT("consent"),
  /** The purpose is one the acting service declares (C14). */
  DECLARED_PURPOSE("declared-purpose"),
  /** The actor is the person the data is about (C34, C35). */
  OWN_DATA("own-data"),
  /** A confidentiality agreement is on file for the staff member (C33). */
  STAFF_AGREEMENT("staff-agreement"),
  /** A grant covers every category and the purpose now, within what the role may be granted (C32). */
  STAFF_GRANT("staff-grant"),
  /** The recipient is declared in the policy (C23). */
  RECIPIENT_KNOWN("recipient-known"),
  /** The recipient is of a processor kind (C25). */
  RECIPIENT_PROCESSOR("recipient-processor"),
  /** An agreement with the recipient covers the categories, the purpose and today (C25). */
  RECIPIENT_AGREEMENT("recipient-agreement"),
  /** The acting service's terms of service name the recipient (C28). */
  TERMS_SHARING("terms-sharing"),
  /** A legal request names one of the grounds (a)–(d) (C26). */
  LEGAL_GROUND("legal-ground"),
  /** A second person, not the requester, approved the legal request (C26). */
  SECOND_APPROVAL("second-approval"),
  /** The smallest group in the output has at least k people (C27). */
  AGGREGATE_THRESHOLD("aggregate-threshold");

  private final String id;

  Requirement(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Requirement of(String id) {
    for (Requirement r : values()) {
      if (r.id.equals(id)) {
        return r;
      }
    }
    return null;
  }
}
