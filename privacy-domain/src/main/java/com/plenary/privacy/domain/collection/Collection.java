package com.plenary.privacy.domain.collection;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AuditRecord;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.EventRecords.Link;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import java.util.List;
import java.util.Map;

/**
 * Collection tied to a person (C5, C6) and the operators' look at what the collector stores: a partner's
 * record combined with a person, a browser's history attached on sign-in, the newest events opened for
 * a staff member. Each is decided by the enforcer and audited in its own transaction.
 */
public final class Collection {
  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;

  public Collection(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
  }

  /**
   * Decides whether a browser's event may be collected, on the choice the person made in the cookie
   * banner on that browser (their own channel): analytics only when they chose it (C8–C10, C20). Not
   * audited per event; the transaction that stores permitted events records each batch.
   */
  public Decision decideBrowserEvent(String requestId, String subjectId, boolean analyticsChosen, List<String> categories) {
    List<Facts.Consent> banner = analyticsChosen ? List.of(new Facts.Consent(Vocabulary.ANALYTICS, null, enforcer.policy().version())) : List.of();
    return enforcer.decideCollection(Access.browser(requestId), Use.of("collect", Action.COLLECT, Vocabulary.ANALYTICS, subjectId, categories), banner);
  }

  /**
   * Decides whether an event a service or a partner sends may be collected for {@code purpose}: on no
   * consent of the caller's, so a collection that needs the person's consent is refused (default deny).
   */
  public Decision decideSentEvent(Access by, String purpose, String subjectId, List<String> categories) {
    return enforcer.decideCollection(by, Use.of("collect", Action.COLLECT, purpose, subjectId, categories), List.of());
  }

  /**
   * Combines a partner's record with a person for a purpose (C5), decided and audited in the link's
   * transaction. The identifier (such as the email the partner knows) is kept only as a keyed hash; a
   * partner's record stands for one visitor, so a record linked to anyone already is a conflict.
   */
  public Outcome<Link> linkPartner(Access by, String subjectId, String partner, String identifier, String purpose) {
    enforcer.checkNames(purpose, List.of(Vocabulary.PARTNER_RECORD), null);
    if (identifier == null || identifier.isBlank() || identifier.length() > 320) {
      throw new InvalidInputException("identifier", "identifier must be 1 to 320 characters");
    }
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "link", purpose);
      Decision d = enforcer.decide(w, by, Use.of("link", Action.USE, purpose, subjectId, List.of(Vocabulary.PARTNER_RECORD)));
      if (!d.permits()) {
        return Outcome.<Link>denied(d);
      }
      return new Outcome<>(d, w.events().link(subjectId, partner, identifier, purpose, by.kind().id() + ":" + by.id(), enforcer.clock().instant()));
    });
  }

  /**
   * Undoes a link: the partner's record stays the partner's, no longer combined with the person. It only
   * narrows what is done with the person's data, so the person or a service of theirs may always do it;
   * recorded in the person's trail. A link the caller cannot see is {@link NotFound}.
   */
  public void unlink(Access by, String subjectId, String linkId) {
    storage.useTransaction(w -> {
      visibility.require(w, by, subjectId, "unlink", Vocabulary.PROVIDE);
      if (!w.events().unlink(subjectId, linkId)) {
        throw new NotFound("no such link for a person visible to you");
      }
      enforcer.record(w, AuditRecord.recorded(by, "unlink").purpose(Vocabulary.PROVIDE).subject(subjectId).categories(List.of(Vocabulary.PARTNER_RECORD))
          .rules(List.of("partner-unlink")).clauses(List.of("C5")).build());
    });
  }

  /** The partner records combined with the person. */
  public List<Link> links(Access by, String subjectId) {
    return storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "read", Vocabulary.PROVIDE);
      return w.events().links(subjectId);
    });
  }

  /**
   * On sign-in, ties the person's browser (known by its cookie) to them and attaches its earlier events
   * (C6): the browser's collection for the site's convenience, now about this person, decided and audited
   * in the person's trail. Returns how many events were attached.
   */
  public int attachBrowser(String subjectId, String cookie, String requestId) {
    storage.settleEvents();
    return storage.inTransaction(w -> {
      Decision d = enforcer.decide(w, Access.browser(requestId), Use.of("attach-browser", Action.COLLECT, Vocabulary.CONVENIENCE, subjectId,
          List.of(Vocabulary.DEVICE, Vocabulary.BEHAVIOR)));
      return d.permits() ? w.events().attachBrowser(cookie, subjectId) : 0;
    });
  }

  /**
   * The newest usage events, opened, for an operator checking what the collector stores: a staff
   * member's read of device and behaviour data for the site's functioning (C32), decided on their grants
   * and audited like any read; on a denial nothing is opened.
   */
  public Outcome<List<Map<String, Object>>> newestEvents(Access by, int limit) {
    if (limit < 1 || limit > 100_000) {
      throw new InvalidInputException("limit", "limit must be from 1 to 100000");
    }
    if (by.kind() != ActorKind.STAFF) {
      throw new IllegalArgumentException("only staff look at everyone's newest events");
    }
    storage.settleEvents(); // events acknowledged so far are in the table first
    return storage.inTransaction(w -> {
      Decision d = enforcer.decide(w, by, Use.of("inspect-events", Action.READ, Vocabulary.TECHNICAL, null, List.of(Vocabulary.DEVICE, Vocabulary.BEHAVIOR)));
      return d.permits() ? new Outcome<>(d, w.events().newest(limit)) : Outcome.<List<Map<String, Object>>>denied(d);
    });
  }
}
