package com.plenary.privacy.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry of recipients — the subsidiaries, processors, partners and authorities that may receive
 * personal data, each of a kind the policy declares — and their agreements (C25). An agreement is never
 * edited: a change is its next version, and every version stays. Nothing here is personal data of the
 * people the platform serves.
 */
public interface RecipientRecords {
  /** A recipient as the registry holds it; {@code policyVersion} is the version in force when it was registered. */
  record Registered(String id, String kind, String name, String contact, int policyVersion, Instant registeredAt, String registeredBy) {}

  /** One version of a recipient's agreement: what it covers, when, who signed, on what terms, and where the recipient may hold data. */
  record Agreement(String recipientId, int version, List<String> categories, List<String> purposes, LocalDate start, LocalDate end,
      String ourSignatory, String theirSignatory, String confidentiality, String security, List<String> dataCentres, Instant recordedAt,
      String recordedBy) {
    public Agreement {
      categories = List.copyOf(categories);
      purposes = List.copyOf(purposes);
      dataCentres = List.copyOf(dataCentres);
    }

    /** Whether this version covers {@code day} (its first and last day included). */
    public boolean covers(LocalDate day) {
      return !day.isBefore(start) && !day.isAfter(end);
    }
  }

  /** Adds a recipient; false when the registry holds one with that id already. */
  boolean add(Registered recipient);

  Optional<Registered> find(String id);

  /** Every registered recipient, by id. */
  List<Registered> all();

  /**
   * Records the next version of the recipient's agreement ({@code agreement.version()} is ignored) and
   * answers its number; two versions recorded at once never share one.
   */
  int addAgreement(Agreement agreement);

  /** Every version of the recipient's agreement, newest first. */
  List<Agreement> agreements(String recipientId);

  /** The newest version of every recipient's agreement, by recipient id (recipients without one are absent), in one look-up. */
  Map<String, Agreement> newestAgreements();
}
