package com.plenary.privacy.domain.consent;

import com.plenary.privacy.domain.ConsentRecords.Entry;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One consent as a record in the structure of ISO/IEC TS 27560 (consent record information structure),
 * with the W3C Data Privacy Vocabulary's terms for its status ({@code dpv:ConsentGiven},
 * {@code dpv:ConsentWithdrawn}), legal basis ({@code dpv:Consent}) and purpose: who gave it (the
 * person's pseudonymous id), to whom (the controller named by the policy), for what, under which
 * notice (the policy version and the hash of the text shown), and its events — given, withdrawn —
 * each with its channel, request id and place in the ledger's chain, which lets the person hold the
 * platform to it. The person's receipt, and the form of their consents in their export.
 */
public record Receipt(
    String schemaVersion,
    String recordId,
    String piiPrincipalId,
    String piiController,
    String consentStatus,
    String legalBasis,
    String consentType,
    Processing purpose,
    String recipient,
    Notice notice,
    List<Event> events,
    Instant issuedAt) {
  /** The standard the structure follows. */
  public static final String SCHEMA = "ISO/IEC TS 27560:2023";

  public Receipt {
    events = List.copyOf(events);
  }

  /** The purpose consented to: the policy's id and text, and the DPV purpose it is an instance of. */
  public record Processing(String id, String text, String dpv) {}

  /** The notice the consent was given under: the policy version, and the SHA-256 of the exact text shown, when there was one. */
  public record Notice(int policyVersion, String shownSha256) {}

  /** An event of the consent: its DPV status, when, by whom, through which channel, in which request, and where it stands in the ledger. */
  public record Event(String type, Instant time, String by, String channel, String requestId, long ledgerSeq, String ledgerHash) {}

  /** The consents of a person's ledger as receipts, oldest first; a withdrawal belongs to the grants of its purpose and recipient in force before it. */
  public static List<Receipt> of(Policy policy, String subjectId, List<Entry> ledger, Instant now) {
    List<Receipt> out = new ArrayList<>();
    for (Entry e : ledger) {
      if (e.granted()) {
        Purpose p = policy.purpose(e.purpose());
        out.add(new Receipt(SCHEMA, e.id(), subjectId, policy.name(), Dpv.CONSENT_GIVEN, Dpv.CONSENT, Dpv.EXPRESSED_CONSENT,
            new Processing(e.purpose(), p == null ? e.purpose() : p.text(), Dpv.purpose(e.purpose())), e.recipient(),
            new Notice(e.policyVersion(), e.shownSha256()), List.of(event(Dpv.CONSENT_GIVEN, e)), now));
        continue;
      }
      for (int i = 0; i < out.size(); i++) {
        Receipt r = out.get(i);
        if (r.consentStatus().equals(Dpv.CONSENT_GIVEN) && r.purpose().id().equals(e.purpose()) && Objects.equals(r.recipient(), e.recipient())) {
          List<Event> events = new ArrayList<>(r.events());
          events.add(event(Dpv.CONSENT_WITHDRAWN, e));
          out.set(i, new Receipt(r.schemaVersion(), r.recordId(), r.piiPrincipalId(), r.piiController(), Dpv.CONSENT_WITHDRAWN, r.legalBasis(),
              r.consentType(), r.purpose(), r.recipient(), r.notice(), events, r.issuedAt()));
        }
      }
    }
    return out;
  }

  private static Event event(String type, Entry e) {
    return new Event(type, e.at(), e.by(), e.channel(), e.requestId(), e.seq(), e.hash());
  }

  /** The receipt as its JSON form names its parts (snake_case), for the export. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("schema_version", schemaVersion);
    m.put("record_id", recordId);
    m.put("pii_principal_id", piiPrincipalId);
    m.put("pii_controller", piiController);
    m.put("consent_status", consentStatus);
    m.put("legal_basis", legalBasis);
    m.put("consent_type", consentType);
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("id", purpose.id());
    p.put("text", purpose.text());
    p.put("dpv", purpose.dpv());
    m.put("purpose", p);
    m.put("recipient", recipient);
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("policy_version", notice.policyVersion());
    n.put("shown_sha256", notice.shownSha256());
    m.put("notice", n);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Event e : events) {
      Map<String, Object> em = new LinkedHashMap<>();
      em.put("type", e.type());
      em.put("time", e.time());
      em.put("by", e.by());
      em.put("channel", e.channel());
      em.put("request_id", e.requestId());
      em.put("ledger_seq", e.ledgerSeq());
      em.put("ledger_hash", e.ledgerHash());
      list.add(em);
    }
    m.put("events", list);
    m.put("issued_at", issuedAt);
    return m;
  }
}
