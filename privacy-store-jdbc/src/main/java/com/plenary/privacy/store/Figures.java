package com.plenary.privacy.store;

import com.plenary.privacy.domain.Oversight.DayCount;
import com.plenary.privacy.domain.Oversight.Dashboard;
import com.plenary.privacy.domain.Oversight.PurposeConsents;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The console home's figures, counted by the database: grouped counts of events, denials, open
 * requests, consent states and outbox rows. No row is read, only counts by day and key, so no person
 * and no value leaves the database. Days are UTC.
 */
final class Figures {
  private Figures() {}

  static Dashboard read(Jdbi jdbi, Instant since, Instant now) {
    return jdbi.inTransaction(h -> {
      long people = h.createQuery("SELECT COUNT(*) FROM subject").mapTo(Long.class).one();
      List<DayCount> events = byDay(h, "SELECT CAST(received_at AT TIME ZONE 'UTC' AS DATE) AS d, source AS k, COUNT(*) AS n FROM usage_event "
          + "WHERE received_at >= :since GROUP BY CAST(received_at AT TIME ZONE 'UTC' AS DATE), source", since);
      // rules are stored comma-joined: a denial by two rules counts under each
      Map<String, Long> perRule = new TreeMap<>();
      for (DayCount c : byDay(h, "SELECT CAST(at AT TIME ZONE 'UTC' AS DATE) AS d, rules AS k, COUNT(*) AS n FROM audit_log_entry "
          + "WHERE effect = 'deny' AND at >= :since GROUP BY CAST(at AT TIME ZONE 'UTC' AS DATE), rules", since)) {
        for (String rule : c.key().isEmpty() ? List.of("(none)") : List.of(c.key().split(","))) {
          perRule.merge(c.day() + "\u001f" + rule, c.count(), Long::sum);
        }
      }
      List<DayCount> denials = new ArrayList<>();
      perRule.forEach((k, n) -> denials.add(new DayCount(LocalDate.parse(k.substring(0, 10)), k.substring(11), n)));
      List<DayCount> due = byDay(h, "SELECT CAST(deadline AT TIME ZONE 'UTC' AS DATE) AS d, kind AS k, COUNT(*) AS n FROM access_request "
          + "WHERE served_at IS NULL AND deadline >= :since GROUP BY CAST(deadline AT TIME ZONE 'UTC' AS DATE), kind", now);
      long overdue = h.createQuery("SELECT COUNT(*) FROM access_request WHERE served_at IS NULL AND deadline < :now")
          .bind("now", now.atOffset(ZoneOffset.UTC)).mapTo(Long.class).one();
      List<PurposeConsents> consents = h.createQuery("SELECT purpose, SUM(CASE WHEN granted THEN 1 ELSE 0 END) AS given, "
              + "SUM(CASE WHEN granted THEN 0 ELSE 1 END) AS withdrawn FROM consent_state WHERE recipient IS NULL GROUP BY purpose ORDER BY purpose")
          .map((rs, ctx) -> new PurposeConsents(rs.getString("purpose"), rs.getLong("given"), rs.getLong("withdrawn"))).list();
      Map<String, Long> outbox = new TreeMap<>();
      h.createQuery("SELECT status, COUNT(*) AS n FROM message_outbox GROUP BY status")
          .map((rs, ctx) -> Map.entry(rs.getString("status"), rs.getLong("n"))).forEach(e -> outbox.put(e.getKey(), e.getValue()));
      OffsetDateTime oldest = h.createQuery("SELECT MIN(queued_at) FROM message_outbox WHERE status = 'queued'")
          .mapTo(OffsetDateTime.class).findOne().orElse(null);
      return new Dashboard(people, events, denials, due, overdue, consents, outbox, oldest == null ? null : oldest.toInstant());
    });
  }

  private static List<DayCount> byDay(Handle h, String sql, Instant since) {
    List<DayCount> out = h.createQuery(sql).bind("since", since.atOffset(ZoneOffset.UTC))
        .map((rs, ctx) -> new DayCount(rs.getObject("d", LocalDate.class), rs.getString("k"), rs.getLong("n"))).list();
    List<DayCount> sorted = new ArrayList<>(out);
    sorted.sort((a, b) -> a.day().equals(b.day()) ? a.key().compareTo(b.key()) : a.day().compareTo(b.day()));
    return sorted;
  }
}
