package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.Caller;
import com.plenary.privacy.server.HttpProblem;
import com.plenary.privacy.store.AuditCheckpoints;
import com.plenary.privacy.store.AuditLog;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The verifiable audit log from outside (C29): the newest signed checkpoint, the public key that
 * checks it, and the Merkle proofs that tie an entry to a checkpoint (inclusion) and a checkpoint to a
 * newer one (consistency). An auditor who holds only the public key checks the server with these.
 *
 * <p>Who may call: the checkpoint, the public key and consistency proofs are public — they are hashes
 * and sizes, no entry and no personal value, and anyone who keeps a checkpoint (an auditor, a witness)
 * must be able to check that the log still extends it. An inclusion proof names an entry, so it is for
 * the staff who read the audit trail (auditor, privacy officer), like the entries themselves.
 */
public final class AuditRoutes {
  private static final Set<String> AUDIT_READERS = Set.of("auditor", "privacy-officer");

  private final Platform platform;

  public AuditRoutes(Platform platform) {
    this.platform = platform;
  }

  /** The key that signs the checkpoints, as C2SP writes a verifier key. */
  record AuditPublicKey(String origin, @JsonProperty("verifier_key") String verifierKey, @JsonProperty("key_id") String keyId, String algorithm) {}

  /** The hashes that lead from entry {@code seq}'s leaf hash to the root of the tree of {@code size} entries (RFC 9162 §2.1.3), base64. */
  record InclusionProof(long seq, long size, @JsonProperty("leaf_hash") String leafHash, @JsonProperty("root_hash") String rootHash, List<String> hashes) {}

  /** The hashes that show the tree of {@code from} entries to be a prefix of the tree of {@code to} (RFC 9162 §2.1.4), base64. */
  record ConsistencyProof(long from, long to, @JsonProperty("from_root_hash") String fromRootHash, @JsonProperty("to_root_hash") String toRootHash,
      List<String> hashes) {}

  public List<Route> routes() {
    return List.of(
        new Route("get", "/api/v1/audit/checkpoint", "audit", "The newest signed checkpoint of the audit log: a C2SP tlog-checkpoint signed note, text/plain (C29)",
            Set.of(), Set.of(), List.of(200), null, Route.NO_JSON, this::checkpoint, Map.of(200, "text/plain")),
        Route.publicGet("/api/v1/audit/public-key", "audit", "The Ed25519 key that signs the checkpoints, as a C2SP verifier key (C29)", AuditPublicKey.class,
            this::publicKey),
        new Route("get", "/api/v1/audit/proofs/inclusion", "audit", "An entry's inclusion proof (query: seq, size — the newest tree when left out) (C29)",
            EnumSet.of(Caller.Kind.STAFF), AUDIT_READERS, List.of(200), null, Route.json(200, InclusionProof.class), this::inclusion),
        Route.publicGet("/api/v1/audit/proofs/consistency", "audit", "A consistency proof between two tree sizes (query: from, to — the newest tree when left out) (C29)",
            ConsistencyProof.class, this::consistency));
  }

  private AuditCheckpoints checkpoints() {
    return platform.store().audit().checkpoints().orElseThrow(() -> new HttpProblem(503, "no-checkpoints", "No checkpoints", "this server keeps no audit checkpoints"));
  }

  private void checkpoint(Context ctx) {
    checkpoints();
    AuditLog audit = platform.store().audit();
    String note = audit.latestCheckpoint().orElse(null); // the newest of any node's
    if (note == null) {
      audit.seal(); // the first seal signs the tree as it is
      note = audit.latestCheckpoint().orElseThrow(() -> new HttpProblem(503, "no-checkpoints", "No checkpoint yet", "the audit log has not been sealed yet; try again shortly"));
    }
    ctx.contentType("text/plain; charset=utf-8").result(note);
  }

  private void publicKey(Context ctx) {
    var v = checkpoints().verifier();
    ctx.json(new AuditPublicKey(v.name(), v.verifierKey(), String.format("%08x", v.keyId()), "Ed25519"));
  }

  private void inclusion(Context ctx) {
    AuditLog audit = platform.store().audit();
    long seq = longParam(ctx, "seq", null);
    long size = longParam(ctx, "size", audit.treeHead().size());
    AuditLog.Proof p = audit.inclusionProof(seq, size);
    ctx.json(new InclusionProof(seq, p.size(), b64(p.start()), b64(p.root()), p.hashes().stream().map(AuditRoutes::b64).toList()));
  }

  private void consistency(Context ctx) {
    AuditLog audit = platform.store().audit();
    long from = longParam(ctx, "from", null);
    long to = longParam(ctx, "to", audit.treeHead().size());
    AuditLog.Proof p = audit.consistencyProof(from, to);
    ctx.json(new ConsistencyProof(from, to, b64(p.start()), b64(p.root()), p.hashes().stream().map(AuditRoutes::b64).toList()));
  }

  private static String b64(byte[] hash) {
    return Base64.getEncoder().encodeToString(hash);
  }

  /** A whole number of at least 1 from the query; {@code fallback} when it is left out, or a 400 naming it when there is none. */
  private static long longParam(Context ctx, String name, Long fallback) {
    String v = ctx.queryParam(name);
    if (v == null) {
      if (fallback == null) {
        throw new InvalidInputException(name, name + " is required: a whole number from 1");
      }
      return fallback;
    }
    if (v.matches("[1-9][0-9]{0,17}")) {
      return Long.parseLong(v);
    }
    throw new InvalidInputException(name, name + " must be a whole number from 1");
  }
}
