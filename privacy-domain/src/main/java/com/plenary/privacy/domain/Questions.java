package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Decision;

/** A caller's question — may I take this use? — answered on the facts the platform holds, never the caller's. */
public final class Questions {
  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;

  public Questions(Storage storage, Enforcer enforcer, Visibility visibility) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
  }

  /**
   * About a person, the question is asked inside a transaction and audited like any use (a person the
   * caller cannot see is the same 404 as everywhere); about no one, it is decided on the caller's own
   * facts and not audited.
   */
  public Decision ask(Access by, Use use) {
    if (use.subject() == null) {
      // it checks the names itself; a recipient may be one the registry holds, with its agreement
      return use.recipient() == null ? enforcer.decideUnidentified(by, use) : storage.inTransaction(w -> enforcer.decideUnidentified(w, by, use));
    }
    // the names first, so an unknown one is a 400 before the person is looked up
    enforcer.checkNames(use.purpose(), use.categories(), null);
    return storage.inTransaction(w -> {
      enforcer.checkRecipient(w, use.recipient());
      visibility.require(w, by, use.subject(), use.operation(), use.purpose());
      return enforcer.decide(w, by, use);
    });
  }
}
