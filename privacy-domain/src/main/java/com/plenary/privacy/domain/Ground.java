package com.plenary.privacy.domain;

import java.util.Arrays;
import java.util.List;

/**
 * The ground a disclosure claims (C23): the one circumstance of the policy under which personal data
 * may leave the company. The enforcer gives the engine only the facts that bear on the ground claimed
 * — a person's consents for {@link #CONSENT}, the recipient's agreement for {@link #PROCESSOR} and
 * {@link #TERMS}, the stored legal request for {@link #LEGAL_REQUEST} — so a disclosure is permitted on
 * its own ground or not at all.
 */
public enum Ground {
  /** The person's consent for that recipient and purpose (C24). */
  CONSENT("consent", List.of("C23", "C24")),
  /** A processor, subsidiary or affiliate acting on our behalf under an agreement in force (C25). */
  PROCESSOR("processor", List.of("C23", "C25")),
  /** A service's terms of service name the recipient (C28); the recipient's agreement must be in force. */
  TERMS("terms-of-service", List.of("C23", "C28")),
  /** A good-faith legal request, approved by a second person (C26); released only through the legal-request workflow. */
  LEGAL_REQUEST("legal-request", List.of("C23", "C26")),
  /** Aggregated, non-personal statistics (C27); made through the aggregates route, never as a list of people. */
  AGGREGATE("aggregate", List.of("C23", "C27"));

  private final String id;
  private final List<String> clauses;

  Ground(String id, List<String> clauses) {
    this.id = id;
    this.clauses = clauses;
  }

  public String id() {
    return id;
  }

  public List<String> clauses() {
    return clauses;
  }

  /** The ground named {@code id}, or null. */
  public static Ground of(String id) {
    return Arrays.stream(values()).filter(g -> g.id.equals(id)).findFirst().orElse(null);
  }

  /** Every ground's name, for messages. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(Ground::id).toList();
  }
}
