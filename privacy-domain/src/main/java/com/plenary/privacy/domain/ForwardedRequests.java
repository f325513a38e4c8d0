package com.plenary.privacy.domain;

import com.plenary.privacy.policy.ActorKind;
import java.util.List;
import java.util.Set;

/**
 * The requests another region's node forwards here (issue 18) that this region refuses: a bad signature, a
 * statement replayed, stale, malformed, from a region or data centre the policy does not know, for a route
 * not served to another region's node, or a node-to-node route called without a statement. Each refusal is a
 * denial in the audit trail, written by the enforcer like every other (C13, C29): the actor is the claimed
 * region's node ({@code region-node:eu}) when the region is one of the policy's, else {@code region-node};
 * the rule names why ({@link #REASONS}). Nothing of the request is kept: no body, no statement, no person.
 * Thread-safe.
 */
public final class ForwardedRequests {
  /** The reasons a forwarded request is refused, each the rule its audit entry names as {@code forwarding-refused:<reason>}. */
  public static final Set<String> REASONS = Set.of("unsigned", "no-secret", "signature", "malformed", "stale", "region", "route", "replayed", "credential");
  /** The operation of the audit entries. */
  public static final String OPERATION = "region-forward";

  private final Storage storage;
  private final Enforcer enforcer;

  ForwardedRequests(Storage storage, Enforcer enforcer) {
    this.storage = storage;
    this.enforcer = enforcer;
  }

  /**
   * Records, in a transaction of its own, that a request forwarded (or claimed to be forwarded) by a node of
   * {@code claimedRegion} was refused for {@code reason}; a region that is not one of the policy's, or is
   * this one, is not named. Returns nothing: the caller answers the request with its refusal.
   *
   * @throws IllegalArgumentException for a reason not among {@link #REASONS}
   */
  public void refused(String claimedRegion, String reason, String requestId) {
    if (!REASONS.contains(reason)) {
      throw new IllegalArgumentException("unknown reason for a refused forwarded request: " + reason);
    }
    boolean known = claimedRegion != null && enforcer.policy().regions().contains(claimedRegion);
    Access by = new Access(ActorKind.SERVICE, known ? "region-node:" + claimedRegion : "region-node", requestId, null);
    storage.inOwnTransaction(own -> enforcer.refuse(own, by, OPERATION, Vocabulary.PROTECT, null, "forwarding-refused:" + reason, List.of("C13", "C29"),
        "forwarded request refused"));
  }
}
