package com.plenary.privacy.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code plenary serve} nodes on this database, each with a heartbeat, and the fingerprints of the
 * keys they must share. A node counts as alive while its last heartbeat is younger than {@link #ALIVE}.
 * Thread-safe.
 */
public final class Nodes {
  /** How often a node says it is alive. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(2);
  /** A node not heard from for this long is taken for stopped. */
  public static final Duration ALIVE = Duration.ofSeconds(10);

  /** A node as it registered: its id, the host it runs on, when it started and was last heard from. */
  public record Node(String id, String host, Instant started, Instant seen) {}

  /** A key file whose fingerprint differs from the one the nodes recorded first. */
  public record KeyMismatch(String name, String recordedBy) {}

  private final Jdbi jdbi;
  private final Clock clock;

  Nodes(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /** Registers node {@code id} on {@code host} as alive now. */
  public void register(String id, String host) {
    OffsetDateTime now = now();
    jdbi.useTransaction(h -> {
      h.createUpdate("DELETE FROM cluster_node WHERE node_id = :id OR seen_at < :stale").bind("id", id).bind("stale", now.minus(Duration.ofDays(1)))
          .execute();
      h.createUpdate("INSERT INTO cluster_node (node_id, host, started_at, seen_at) VALUES (:id, :host, :now, :now)").bind("id", id)
          .bind("host", host.length() > 200 ? host.substring(0, 200) : host).bind("now", now).execute();
    });
  }

  /** Says node {@code id} is still alive. */
  public void heartbeat(String id) {
    jdbi.useHandle(h -> h.createUpdate("UPDATE cluster_node SET seen_at = :now WHERE node_id = :id").bind("now", now()).bind("id", id).execute());
  }

  /** Node {@code id} stopped: it is no longer listed. */
  public void leave(String id) {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM cluster_node WHERE node_id = :id").bind("id", id).execute());
  }

  /** The nodes alive now other than {@code id}, oldest first. */
  public List<Node> othersAlive(String id) {
    return jdbi.withHandle(h -> h.createQuery("SELECT node_id, host, started_at, seen_at FROM cluster_node WHERE node_id <> :id AND seen_at > :since "
            + "ORDER BY started_at").bind("id", id).bind("since", now().minus(ALIVE))
        .map((rs, ctx) -> new Node(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
            rs.getObject(4, OffsetDateTime.class).toInstant())).list());
  }

  /**
   * Checks the fingerprints of this node's key files ({@code name → SHA-256}) against those the nodes
   * recorded first, and records the ones not seen before: answers the first that differs, if any.
   */
  public Optional<KeyMismatch> checkKeys(Map<String, String> fingerprints, String node) {
    return jdbi.inTransaction(h -> {
      List<KeyMismatch> out = new ArrayList<>();
      for (var e : fingerprints.entrySet()) {
        Schedule.insertIfAbsent(h, "cluster_key", "name", e.getKey(), "sha256", e.getValue());
        h.createUpdate("UPDATE cluster_key SET node_id = :node, recorded_at = :now WHERE name = :name AND node_id = ''").bind("node", node)
            .bind("now", now()).bind("name", e.getKey()).execute();
        var recorded = h.createQuery("SELECT sha256, node_id FROM cluster_key WHERE name = :name").bind("name", e.getKey())
            .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).one();
        if (!recorded[0].equals(e.getValue())) {
          out.add(new KeyMismatch(e.getKey(), recorded[1]));
        }
      }
      return out.stream().findFirst();
    });
  }

  private OffsetDateTime now() {
    return clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
  }
}
