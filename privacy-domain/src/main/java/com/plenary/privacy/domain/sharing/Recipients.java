package com.plenary.privacy.domain.sharing;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.RecipientRecords.Agreement;
import com.plenary.privacy.domain.RecipientRecords.Registered;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.DataCentre;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Recipient;
import com.plenary.privacy.policy.RecipientKind;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The registry of recipients and their agreements (C25): who may receive personal data from the
 * company, of which kind, and on which signed terms. The policy declares the kinds (and may name some
 * recipients itself); the privacy officer registers the live ones and records their agreements. An
 * agreement is never edited — a change is recorded as its next version, and every version stays
 * readable — and the decisions about a disclosure read the newest version (its categories, purposes,
 * first and last day). Every change is recorded in the audit trail. Thread-safe.
 */
public final class Recipients {
  /** The longest free text of an agreement's terms, in characters. */
  public static final int MAX_TERMS = 2_000;
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
  private static final List<String> C25 = List.of("C25");

  /** A recipient as the registry shows it: registered by the privacy officer, or named by the policy itself. */
  public record View(String id, String kind, boolean processor, String name, String contact, String source, Instant registeredAt,
      String registeredBy, Agreement agreement) {}

  /** What the privacy officer registers. */
  public record NewRecipient(String id, String kind, String name, String contact) {}

  /** The terms of an agreement's next version. */
  public record Terms(List<String> categories, List<String> purposes, LocalDate start, LocalDate end, String ourSignatory, String theirSignatory,
      String confidentiality, String security, List<String> dataCentres) {}

  private final Storage storage;
  private final Enforcer enforcer;

  public Recipients(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /**
   * Registers a recipient of a kind the policy declares. Its id may not be one the policy names already.
   *
   * @throws InvalidInputException for a malformed id, an unknown kind, a missing or overlong name or contact
   * @throws Conflict when the id is taken
   */
  public View register(Access by, NewRecipient r) {
    if (r.id() == null || !ID.matcher(r.id()).matches()) {
      throw new InvalidInputException("id", "a recipient's id is 2 to 63 lower-case letters, digits and dashes, starting with a letter or digit");
    }
    RecipientKind kind = kind(r.kind());
    text("name", r.name(), 200, true);
    text("contact", r.contact(), 320, false);
    if (policy().recipients().stream().anyMatch(p -> p.id().equals(r.id()))) {
      throw new Conflict("the policy itself names a recipient '" + r.id() + "'; choose another id");
    }
    Instant now = enforcer.clock().instant();
    Registered registered = new Registered(r.id(), kind.id(), r.name().strip(), blankToNull(r.contact()), policy().version(), now, by.id());
    return storage.inTransaction(w -> {
      if (!w.recipients().add(registered)) {
        throw new Conflict("a recipient '" + r.id() + "' is registered already");
      }
      w.audit(AuditRecord.recorded(by, "add-recipient").purpose(Vocabulary.PROTECT).rules(List.of("recipient:" + r.id(), "kind:" + kind.id())).clauses(C25).build());
      return view(registered, null);
    });
  }

  /** Every recipient: those the policy names, then those registered, each with its agreement as it now stands. */
  public List<View> list() {
    return storage.inTransaction(w -> {
      List<View> out = new ArrayList<>();
      Map<String, Agreement> newest = w.recipients().newestAgreements();
      for (Recipient p : policy().recipients()) {
        out.add(declared(p, newest.get(p.id())));
      }
      for (Registered r : w.recipients().all()) {
        out.add(view(r, newest.get(r.id())));
      }
      out.sort(Comparator.comparing(View::id));
      return out;
    });
  }

  /** One recipient, with its agreement as it now stands. */
  public View get(String id) {
    return storage.inTransaction(w -> {
      Optional<Recipient> declared = declared(id);
      if (declared.isPresent()) {
        return declared(declared.get(), newest(w.recipients().agreements(id)));
      }
      Registered r = w.recipients().find(id).orElseThrow(() -> new NotFound("no recipient has the id '" + id + "'"));
      return view(r, newest(w.recipients().agreements(id)));
    });
  }

  /**
   * Records the next version of a recipient's agreement. Its categories and purposes must be ones the
   * policy declares, its first day no later than its last, its data centres ones the policy lists.
   */
  public Agreement recordAgreement(Access by, String recipientId, Terms t) {
    if (t.categories() == null || t.categories().isEmpty() || t.purposes() == null || t.purposes().isEmpty()) {
      throw new InvalidInputException(t.categories() == null || t.categories().isEmpty() ? "categories" : "purposes",
          "an agreement covers at least one category and one purpose");
    }
    for (String p : t.purposes()) {
      enforcer.checkNames(p, t.categories(), null);
    }
    if (t.start() == null || t.end() == null) {
      throw new InvalidInputException(t.start() == null ? "start" : "end", "an agreement has a first and a last day (YYYY-MM-DD)");
    }
    if (t.end().isBefore(t.start())) {
      throw new InvalidInputException("end", "an agreement's last day cannot come before its first");
    }
    text("our_signatory", t.ourSignatory(), 200, true);
    text("their_signatory", t.theirSignatory(), 200, true);
    text("confidentiality", t.confidentiality(), MAX_TERMS, true);
    text("security", t.security(), MAX_TERMS, true);
    List<String> centres = t.dataCentres() == null ? List.of() : t.dataCentres();
    List<String> known = policy().dataCentres().stream().map(DataCentre::id).toList();
    if (centres.isEmpty()) {
      throw new InvalidInputException("data_centres", "name the data centres where the recipient may hold the data: " + String.join(", ", known));
    }
    for (String c : centres) {
      if (!known.contains(c)) {
        throw new InvalidInputException("data_centres", "the policy lists no data centre '" + (c != null && ID.matcher(c).matches() ? c : "?")
            + "'; it lists " + String.join(", ", known));
      }
    }
    Instant now = enforcer.clock().instant();
    return storage.inTransaction(w -> {
      if (declared(recipientId).isEmpty() && w.recipients().find(recipientId).isEmpty()) {
        throw new NotFound("no recipient has the id '" + recipientId + "'");
      }
      Agreement a = new Agreement(recipientId, 0, t.categories(), t.purposes(), t.start(), t.end(), t.ourSignatory().strip(), t.theirSignatory().strip(),
          t.confidentiality().strip(), t.security().strip(), centres, now, by.id());
      int version = w.recipients().addAgreement(a);
      w.audit(AuditRecord.recorded(by, "add-agreement").categories(t.categories()).purpose(String.join(",", t.purposes()))
          .rules(List.of("recipient:" + recipientId, "agreement-version:" + version)).clauses(C25).build());
      return new Agreement(recipientId, version, a.categories(), a.purposes(), a.start(), a.end(), a.ourSignatory(), a.theirSignatory(),
          a.confidentiality(), a.security(), a.dataCentres(), a.recordedAt(), a.recordedBy());
    });
  }

  /** Every version of a recipient's agreement, newest first. */
  public List<Agreement> agreements(String recipientId) {
    return storage.inTransaction(w -> {
      if (declared(recipientId).isEmpty() && w.recipients().find(recipientId).isEmpty()) {
        throw new NotFound("no recipient has the id '" + recipientId + "'");
      }
      return w.recipients().agreements(recipientId);
    });
  }

  private Optional<Recipient> declared(String id) {
    return policy().recipients().stream().filter(p -> p.id().equals(id)).findFirst();
  }

  private RecipientKind kind(String id) {
    return policy().recipientKinds().stream().filter(k -> k.id().equals(id)).findFirst()
        .orElseThrow(() -> new InvalidInputException("kind", "a recipient's kind is one the policy declares: "
            + String.join(", ", policy().recipientKinds().stream().map(RecipientKind::id).toList())));
  }

  private boolean processor(String kind) {
    return policy().recipientKinds().stream().anyMatch(k -> k.id().equals(kind) && k.processor());
  }

  private View view(Registered r, Agreement newest) {
    return new View(r.id(), r.kind(), processor(r.kind()), r.name(), r.contact(), "registry", r.registeredAt(), r.registeredBy(), newest);
  }

  private View declared(Recipient p, Agreement newest) {
    return new View(p.id(), p.kind(), processor(p.kind()), p.text(), null, "policy", null, null, newest);
  }

  private static Agreement newest(List<Agreement> versions) {
    return versions.isEmpty() ? null : versions.get(0);
  }

  private static void text(String field, String value, int max, boolean required) {
    if (value == null || value.isBlank()) {
      if (required) {
        throw new InvalidInputException(field, field + " is required");
      }
      return;
    }
    if (value.length() > max) {
      throw new InvalidInputException(field, field + " is at most " + max + " characters");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  /** The policy in force now (C36): a version published in the meantime may have come into force. */
  private Policy policy() {
    return enforcer.policy();
  }
}
