package com.plenary.privacy.domain.reviews;

import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.Retention;
import com.plenary.privacy.policy.Rule;
import com.plenary.privacy.policy.Service;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The records of processing activities (GDPR Art. 30(1)), generated from the policy in force: the
 * controller; for each purpose (one activity each) the categories of data and of people, the services
 * doing it, the recipients, where the data is kept (and so any transfer), how long, and the security
 * measures. Nothing here is read from the data: it states what the policy allows, which the engine
 * enforces. Immutable; one per policy.
 */
public final class RecordsOfProcessing {
  /** The controller named in every record. */
  public static final String CONTROLLER = "Plenary IT Solutions";

  /** The technical and organisational measures (Art. 32), as the platform implements them. */
  static final List<String> MEASURES = List.of(
      "personal fields encrypted at rest with a key per person (AES-256-GCM), keys in a separate key store wrapped by a master key (C29)",
      "every use of personal data decided by the policy engine and written to a tamper-evident audit log (Merkle tree, signed checkpoints) (C29)",
      "staff access only with a confidentiality agreement in force and a need-to-know grant; denied attempts and break-glass open incidents (C32, C33)",
      "data centres only with a physical-security attestation (C31)",
      "internal reviews signed off by an independent auditor (C30)");

  private final Policy policy;

  public RecordsOfProcessing(Policy policy) {
    this.policy = policy;
  }

  /** One processing activity (Art. 30(1)(b)–(g)): a purpose with what, whose, who does it, to whom, where, how long. */
  public record Activity(String purpose, String description, List<String> services, List<String> dataSubjects, List<String> categories,
      List<String> recipients, List<String> storage, List<String> retention) {
    public Activity {
      services = List.copyOf(services);
      dataSubjects = List.copyOf(dataSubjects);
      categories = List.copyOf(categories);
      recipients = List.copyOf(recipients);
      storage = List.copyOf(storage);
      retention = List.copyOf(retention);
    }
  }

  /** The policy these records are made from, as {@code name vN}. */
  public String policyVersion() {
    return policy.name() + " v" + policy.version();
  }

  public String effective() {
    return policy.effective().toString();
  }

  /** The technical and organisational measures (Art. 30(1)(g), Art. 32). */
  public List<String> measures() {
    return MEASURES;
  }

  /** One activity per purpose the policy lists. */
  public List<Activity> activities() {
    List<Activity> out = new ArrayList<>();
    for (Purpose purpose : policy.purposes()) {
      Set<String> services = new LinkedHashSet<>();
      Set<String> categories = new LinkedHashSet<>();
      for (Service s : policy.services()) {
        List<String> declared = new ArrayList<>(s.purposes());
        declared.addAll(s.terms().purposes());
        if (declared.stream().anyMatch(d -> Policy.isUnder(purpose.id(), d) || Policy.isUnder(d, purpose.id()))) {
          services.add(s.id());
          categories.addAll(s.categories());
        }
      }
      Set<String> recipients = new LinkedHashSet<>();
      for (Rule r : policy.rules()) {
        if (r.actions().contains("disclose") && r.purposes().stream().anyMatch(p -> Policy.isUnder(purpose.id(), p))) {
          boolean consent = r.requires().contains("consent");
          for (Recipient rec : policy.recipients()) {
            if (consent || r.requires().contains("recipient-processor") && policy.recipientKinds().stream().anyMatch(k -> k.id().equals(rec.kind()) && k.processor())) {
              recipients.add(rec.id() + " (" + rec.kind() + (consent ? ", with the person's consent" : ", under agreement") + ")");
            }
          }
        }
      }
      for (Service s : policy.services()) {
        if (services.contains(s.id())) {
          s.terms().sharing().forEach(x -> recipients.add(x + " (terms of " + s.id() + ")"));
        }
      }
      List<String> retention = categories.stream()
          .flatMap(c -> policy.retention().stream().filter(r -> Policy.isUnder(r.category(), c) || Policy.isUnder(c, r.category())))
          .distinct().map(RecordsOfProcessing::retention).toList();
      out.add(new Activity(purpose.id(), purpose.text(), List.copyOf(services), services.isEmpty() ? List.of() : subjects(services), List.copyOf(categories),
          List.copyOf(recipients), policy.dataCentres().stream().map(RecordsOfProcessing::place).toList(), retention));
    }
    return out;
  }

  private static List<String> subjects(Set<String> services) {
    List<String> out = new ArrayList<>();
    out.add("registered users of our services");
    if (services.contains("web")) {
      out.add("visitors of our and our partners' pages");
    }
    return out;
  }

  private static String place(DataCentre dc) {
    return dc.id() + " (" + dc.location() + ", region " + dc.region() + ", operated by " + dc.operator() + ")";
  }

  private static String retention(Retention r) {
    return r.category() + ": " + r.period();
  }
}
