package com.plenary.privacy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.plenary.privacy.audit.Checkpoint;
import com.plenary.privacy.audit.MerkleFrontier;
import com.plenary.privacy.audit.MerkleTree;
import com.plenary.privacy.audit.NoteException;
import com.plenary.privacy.audit.NoteVerifier;
import com.plenary.privacy.store.AuditLog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A check of a running server's audit log from outside, trusting nothing but the public key (C29):
 * the newest checkpoint must carry the key's signature; it must extend the last checkpoint this
 * verifier saw (a consistency proof, RFC 9162 §2.1.4), so a log rewritten, cut short or forked since
 * is found; with entries, the root recomputed from every entry must be the signed one. The checkpoint
 * is remembered only once every check passed.
 */
final class RemoteAudit {
  /** What the check found; {@code size} is the newest checkpoint's, {@code previous} the one seen before (0 for none). */
  record Result(boolean intact, long size, long previous, boolean entriesChecked, String detail) {}

  private static final int PAGE = 1000;

  private final String url;
  private final NoteVerifier verifier;
  private final Path state;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  RemoteAudit(String url, NoteVerifier verifier, Path state, String token) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.verifier = verifier;
    this.state = state;
    this.token = token;
  }

  /** A verifier key given as it is, or the name of a file holding it. */
  static NoteVerifier verifierKey(String key) {
    Path file = Path.of(key);
    try {
      if (!key.contains("+") && Files.isRegularFile(file)) {
        return NoteVerifier.of(Files.readString(file, StandardCharsets.US_ASCII).strip());
      }
    } catch (IOException e) {
      throw new NoteException("cannot read " + file + ": " + e.getMessage());
    }
    return NoteVerifier.of(key);
  }

  static Path defaultState(NoteVerifier verifier) {
    return Path.of(System.getProperty("user.home"), ".plenary", "audit-verify", String.format("%08x", verifier.keyId()) + ".checkpoint");
  }

  Result check(boolean entries) {
    Checkpoint now;
    String note;
    try {
      note = get("/api/v1/audit/checkpoint", false);
      now = Checkpoint.parse(verifier.open(note));
    } catch (NoteException e) {
      return new Result(false, 0, 0, false, "the server's checkpoint is not signed by the key given: " + e.getMessage());
    } catch (Failure e) {
      return new Result(false, 0, 0, false, e.getMessage());
    }
    if (!now.origin().equals(verifier.name())) {
      return new Result(false, now.size(), 0, false, "the checkpoint is of another log (" + now.origin() + ") than the key's (" + verifier.name() + ")");
    }
    Checkpoint before;
    try {
      before = Files.isRegularFile(state) ? Checkpoint.parse(verifier.open(Files.readString(state, StandardCharsets.UTF_8))) : null;
    } catch (IOException | NoteException e) {
      return new Result(false, now.size(), 0, false, "the last checkpoint seen, in " + state + ", cannot be read or is not signed by this key: " + e.getMessage());
    }
    long previous = before == null ? 0 : before.size();
    if (before != null) {
      if (now.size() < before.size()) {
        return new Result(false, now.size(), previous, false, "the log was cut short: the server's checkpoint has " + now.size() + " entries, but it signed "
            + before.size() + " before");
      }
      if (now.size() == before.size() && !now.equals(before)) {
        return new Result(false, now.size(), previous, false, "the log forked: the server signed two different trees of " + now.size() + " entries");
      }
      if (now.size() > before.size() && before.size() > 0) {
        try {
          JsonNode p = Output.JSON.readTree(get("/api/v1/audit/proofs/consistency?from=" + before.size() + "&to=" + now.size(), false));
          if (!MerkleTree.verifyConsistency(before.size(), now.size(), hashes(p.path("hashes")), before.root(), now.root())) {
            return new Result(false, now.size(), previous, false, "the log was rewritten or forked: the tree of " + now.size()
                + " entries does not extend the tree of " + before.size() + " entries signed before");
          }
        } catch (Failure | IOException | IllegalArgumentException e) {
          return new Result(false, now.size(), previous, false, "no consistency proof from " + before.size() + " to " + now.size() + " entries: " + e.getMessage());
        }
      }
    }
    if (entries) {
      String broken = recompute(now);
      if (broken != null) {
        return new Result(false, now.size(), previous, true, broken);
      }
    }
    try {
      Files.createDirectories(state.toAbsolutePath().getParent());
      Path tmp = Files.createTempFile(state.toAbsolutePath().getParent(), "checkpoint", ".tmp");
      Files.writeString(tmp, note, StandardCharsets.UTF_8);
      Files.move(tmp, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      return new Result(false, now.size(), previous, entries, "the checks passed but the checkpoint cannot be kept in " + state + ": " + e.getMessage());
    }
    return new Result(true, now.size(), previous, entries, "checkpoint of " + now.size() + " entries signed by " + verifier.name()
        + (before == null ? ", the first seen" : ", consistent with the " + previous + " entries seen before")
        + (entries ? ", root recomputed from every entry" : ""));
  }

  /** Why the entries the server serves do not make the signed root, or null. */
  private String recompute(Checkpoint now) {
    MerkleFrontier tree = MerkleFrontier.empty();
    MerkleFrontier.Completed none = (level, index, hash) -> { };
    try {
      while (tree.size() < now.size()) {
        JsonNode page = Output.JSON.readTree(get("/api/v1/audit?after=" + tree.size() + "&limit=" + PAGE, true)).path("entries");
        if (page.isEmpty()) {
          return "the server serves " + tree.size() + " entries, but its checkpoint signs " + now.size();
        }
        for (JsonNode e : page) {
          if (tree.size() == now.size()) {
            break;
          }
          if (e.path("seq").asLong() != tree.size() + 1) {
            return "the server served entry " + e.path("seq").asLong() + " where entry " + (tree.size() + 1) + " belongs";
          }
          tree.append(MerkleTree.leafHash(AuditLog.leaf(entry(e))), none);
        }
      }
    } catch (Failure | IOException | RuntimeException e) {
      return "the entries cannot be downloaded: " + e.getMessage();
    }
    return MessageDigest.isEqual(tree.root(), now.root()) ? null
        : "the entries the server serves do not make the signed root: entries were altered, inserted, removed or reordered";
  }

  private static AuditLog.Entry entry(JsonNode e) {
    return new AuditLog.Entry(e.path("seq").asLong(), Instant.parse(e.path("at").asText()), e.path("actorKind").asText(), e.path("actorId").asText(),
        e.path("action").asText(), e.path("purpose").asText(), e.path("subject").isNull() ? null : e.path("subject").asText(), strings(e.path("categories")),
        e.path("effect").asText(), strings(e.path("rules")), strings(e.path("clauses")), e.path("requestId").isNull() ? null : e.path("requestId").asText(),
        "", "");
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<byte[]> hashes(JsonNode array) {
    List<byte[]> out = new ArrayList<>();
    array.forEach(n -> out.add(Base64.getDecoder().decode(n.asText())));
    return out;
  }

  /** A request that did not answer 200, with what it answered. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message);
    }
  }

  private String get(String path, boolean authenticated) throws Failure {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60)).GET();
    if (authenticated) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (r.statusCode() != 200) {
        String detail = r.body();
        try {
          detail = Output.JSON.readTree(r.body()).path("detail").asText(r.body());
        } catch (IOException notJson) {
          // the body as it is
        }
        throw new Failure("GET " + path + " answered " + r.statusCode() + ": "
            + detail.substring(0, Math.min(200, detail.length())));
      }
      return r.body();
    } catch (IOException e) {
      throw new Failure("cannot reach " + url + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
  }
}
