package com.plenary.privacy.domain;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.policy.ActorKind;
import java.util.Objects;

/**
 * Who is acting, as the enforcer needs to know it: the kind and id of the actor, the request it acts
 * in, and for staff the facts the platform holds about them (agreement and grants, looked up from the
 * staff store by the front end that authenticated them — never taken from a request). Those serve only
 * decisions about no person outside a transaction; inside one, the store looks a staff member's facts up
 * itself ({@link Tx#facts}). {@code transferTo} names the data centre a read is sent to when it leaves
 * this one (null: it does not), see {@link #transferringTo}.
 */
public record Access(ActorKind kind, String id, String requestId, Facts.Staff staff, String transferTo) {
  public Access {
    Objects.requireNonNull(kind, "kind == null");
    Objects.requireNonNull(id, "id == null");
  }

  /** An actor served in the data centre that holds the data. */
  public Access(ActorKind kind, String id, String requestId, Facts.Staff staff) {
    this(kind, id, requestId, staff, null);
  }

  /**
   * The same actor served from another region's node (issue 18): what it reads leaves this data centre
   * for {@code dataCentre}, which the platform established from the node-to-node signature, never from the
   * caller's word. The enforcer decides each such read as a transfer too, and records it (C12, C13).
   */
  public Access transferringTo(String dataCentre) {
    return new Access(kind, id, requestId, staff, Objects.requireNonNull(dataCentre, "dataCentre == null"));
  }

  public static Access service(String name, String requestId) {
    return new Access(ActorKind.SERVICE, name, requestId, null);
  }

  public static Access partner(String name, String requestId) {
    return new Access(ActorKind.PARTNER, name, requestId, null);
  }

  public static Access subject(String subjectId, String requestId) {
    return new Access(ActorKind.SUBJECT, subjectId, requestId, null);
  }

  public static Access browser(String requestId) {
    return new Access(ActorKind.BROWSER, "browser", requestId, null);
  }

  public static Access staff(Facts.Staff staff, String requestId) {
    return new Access(ActorKind.STAFF, staff.id(), requestId, staff);
  }

  /** A scheduled job of the platform itself (retention, reviews). */
  public static Access system(String job) {
    return new Access(ActorKind.STAFF, "system:" + job, null, null);
  }
}
