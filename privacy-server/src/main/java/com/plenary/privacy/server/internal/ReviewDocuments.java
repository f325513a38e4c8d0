package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.ReviewRecords.Review;
import com.plenary.privacy.domain.reviews.RecordsOfProcessing;
import com.plenary.privacy.server.internal.Pages.Document;
import com.plenary.privacy.server.internal.Pages.Table;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A review report (C30) and the records of processing (GDPR Art. 30) as printable documents: one set of
 * tables, rendered as HTML by a jte template and as CSV here. A report stored by an earlier version, which
 * lacks a section, shows that section as empty.
 */
final class ReviewDocuments {
  private ReviewDocuments() {}

  /** The review report's sections as tables; rule ids become the sentences {@code rules} gives, and no clause id is shown. */
  static Document review(Review r, RuleTexts rules) {
    Map<String, Object> report = r.report();
    List<Table> tables = new ArrayList<>();
    String signed = r.signedOffBy() == null ? "not signed off yet" : "signed off by " + r.signedOffBy() + " at " + r.signedOffAt();
    tables.add(new Table("Review", "", List.of("id", "generated at", "made by", "policy", "sign-off"),
        List.of(List.of(r.id(), text(report.get("generated_at")), r.createdBy(), text(report.get("policy")), signed))));
    tables.add(table("Data inventory", "Each category of personal data, the stores that hold it, their data centres and its retention.",
        report.get("inventory"), List.of("category", "text", "stores", "retention"), (row, col) -> col.equals("stores") ? stores(row.get("stores")) : text(row.get(col))));
    tables.add(table("Who may access what", "Each category with who collects it and which staff roles a grant can open it to.", report.get("categories"),
        List.of("category", "collected_by", "accessible_by", "retention"), (row, col) -> text(row.get(col))));
    tables.add(table("Grants", "Every need-to-know grant and grant request, newest first.", report.get("grants"),
        List.of("id", "staff", "role", "categories", "purposes", "people", "status", "from", "until", "granted_by", "in_force"), (row, col) -> text(row.get(col))));
    tables.add(table("Confidentiality agreements with no expiry on file",
        "Active staff whose agreement in force was filed without an expiry (before expiries were kept): in force, but a finding until the agreement "
            + "signed is recorded with its document version and expiry.", report.get("agreements_without_expiry"),
        List.of("staff", "document_version", "signed_at", "recorded_by", "finding"), (row, col) -> text(row.get(col))));
    tables.add(denials(report.get("recent_denials_30_days"), rules));
    tables.add(table("Incidents", "Staff attempts the policy denied and break-glass uses of the period, with their outcomes.", report.get("incidents"),
        List.of("id", "kind", "staff", "opened_at", "attempts", "last_seen_at", "operation", "purpose", "categories", "why", "status", "outcome", "closed_by",
            "closed_at"),
        (row, col) -> col.equals("why") ? (row.get("rules") instanceof List<?> l ? rules.texts(l) : "") : text(row.get(col))));
    tables.add(counts("Incident outcomes", "", report.get("incident_outcomes"), "outcome"));
    Object disclosures = report.get("disclosures_by_ground");
    tables.add(disclosures instanceof Map<?, ?> d && d.get("rows") != null
        ? table("Disclosures by ground", text(d.get("note")), d.get("rows"), List.of("ground", "disclosures", "people"), (row, col) -> text(row.get(col)))
        : new Table("Disclosures by ground", disclosures instanceof Map<?, ?> d ? text(d.get("note")) : "not part of this report (made by an earlier version)",
            List.of("ground", "disclosures", "people"), List.of()));
    Object requests = report.get("requests");
    tables.add(table("Access and correction requests", "Each request of the period with its deadline and whether it was met (met, late, open, overdue); no person named.",
        requests instanceof Map<?, ?> m ? m.get("each") : null, List.of("kind", "requested_at", "deadline", "served_at", "deadline_met"), (row, col) -> text(row.get(col))));
    tables.add(counts("Stored records", "", report.get("counts"), "records", RECORDS));
    Object chain = report.get("audit_chain");
    tables.add(new Table("Audit chain", "", List.of("intact", "entries", "detail"),
        chain instanceof Map<?, ?> c ? List.of(List.of(text(c.get("intact")), text(c.get("entries")), text(c.get("detail")))) : List.of()));
    return plain(new Document("Internal review " + r.id(), "Generated " + text(report.get("generated_at")) + " from live data; " + signed + ".", tables));
  }

  /** Denials by who was denied and the plain sentence of the rule that denied them (the report counts them by "actor:rule"). */
  private static Table denials(Object counts, RuleTexts rules) {
    Map<List<String>, Long> rows = new LinkedHashMap<>();
    if (counts instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        String key = text(k);
        int colon = key.indexOf(':');
        List<String> row = List.of(colon < 0 ? "" : key.substring(0, colon), rules.text(colon < 0 ? key : key.substring(colon + 1)));
        rows.merge(row, v instanceof Number n ? n.longValue() : 0L, Long::sum);
      });
    }
    List<List<String>> out = new ArrayList<>();
    rows.forEach((row, n) -> out.add(List.of(row.get(0), row.get(1), Long.toString(n))));
    return new Table("Denied attempts (30 days)", "Denials in the audit trail by who was denied and why.", List.of("who", "why", "count"), out);
  }

  /** The document with every clause id taken out of its texts (a report stored by an earlier version may carry some). */
  private static Document plain(Document doc) {
    return new Document(RuleTexts.withoutClauseIds(doc.title()), RuleTexts.withoutClauseIds(doc.subtitle()), doc.tables().stream()
        .map(t -> new Table(RuleTexts.withoutClauseIds(t.title()), RuleTexts.withoutClauseIds(t.note()), t.header(),
            t.rows().stream().map(row -> row.stream().map(RuleTexts::withoutClauseIds).toList()).toList()))
        .toList());
  }

  /** The records of processing activities as tables: one row per activity, then the measures. */
  static Document recordsOfProcessing(RecordsOfProcessing records) {
    List<List<String>> rows = new ArrayList<>();
    for (RecordsOfProcessing.Activity a : records.activities()) {
      rows.add(List.of(a.purpose(), a.description(), RecordsOfProcessing.CONTROLLER, join(a.services()), join(a.dataSubjects()), join(a.categories()),
          join(a.recipients()), join(a.storage()), join(a.retention())));
    }
    List<Table> tables = List.of(
        new Table("Processing activities", "One activity per purpose of the policy (GDPR Art. 30(1)); a category without a stated retention is kept until the person erases it or closes the account.",
            List.of("purpose", "description", "controller", "services", "data subjects", "categories of data", "recipients", "storage (data centres)", "retention"), rows),
        new Table("Technical and organisational measures", "Art. 30(1)(g), Art. 32.", List.of("measure"), records.measures().stream().map(List::of).toList()));
    return plain(new Document("Records of processing activities", RecordsOfProcessing.CONTROLLER + " — generated from the policy " + records.policyVersion()
        + ", effective " + records.effective() + ".", tables));
  }

  /** The tables as CSV (RFC 4180): per section a header line starting with {@code section}, then its rows, each starting with the section's title. */
  static String csv(Document doc) {
    StringBuilder out = new StringBuilder();
    for (Table t : doc.tables()) {
      List<String> header = new ArrayList<>(List.of("section"));
      header.addAll(t.header());
      line(out, header);
      for (List<String> row : t.rows()) {
        List<String> cells = new ArrayList<>(List.of(t.title()));
        cells.addAll(row);
        line(out, cells);
      }
      out.append("\r\n");
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      String c = cells.get(i);
      // a cell a spreadsheet would take for a formula is quoted with a leading apostrophe (CSV injection)
      if (!c.isEmpty() && "=+-@".indexOf(c.charAt(0)) >= 0) {
        c = "'" + c;
      }
      out.append('"').append(c.replace("\"", "\"\"")).append('"');
    }
    out.append("\r\n");
  }

  private interface Cell {
    String of(Map<?, ?> row, String column);
  }

  private static Table table(String title, String note, Object rows, List<String> columns, Cell cell) {
    List<List<String>> out = new ArrayList<>();
    if (rows instanceof Collection<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> row) {
          out.add(columns.stream().map(c -> cell.of(row, c)).toList());
        }
      }
    }
    return new Table(title, note, columns, out);
  }

  private static Table counts(String title, String note, Object counts, String key) {
    return counts(title, note, counts, key, Map.of());
  }

  /** As {@link #counts(String, String, Object, String)}, each key shown as {@code names} words it (as it is when not named). */
  private static Table counts(String title, String note, Object counts, String key, Map<String, String> names) {
    List<List<String>> rows = new ArrayList<>();
    if (counts instanceof Map<?, ?> m) {
      m.forEach((k, v) -> rows.add(List.of(names.getOrDefault(text(k), text(k)), text(v))));
    }
    return new Table(title, note, List.of(key, "count"), rows);
  }

  /** What the stores' record counts count, in words rather than by the tables' names. */
  private static final Map<String, String> RECORDS = Map.of(
      "subject", "people registered",
      "usage_event", "usage events",
      "content_item", "messages and content",
      "consent_record", "consent records",
      "partner_link", "links to partners' records",
      "browser", "browsers known by their cookie",
      "audit_log_entry", "audit log entries");

  private static String stores(Object stores) {
    List<String> out = new ArrayList<>();
    if (stores instanceof Collection<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> s) {
          out.add(s.get("store") + " in " + s.get("data_centre") + " (" + s.get("site") + ", " + s.get("region") + ", operated by " + s.get("operator") + ")");
        }
      }
    }
    return String.join("; ", out);
  }

  private static String join(List<String> values) {
    return String.join("; ", values);
  }

  private static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Collection<?> c) {
      return String.join(", ", c.stream().map(ReviewDocuments::text).toList());
    }
    if (value instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      m.forEach((k, v) -> parts.add(k + ": " + text(v)));
      return String.join("; ", parts);
    }
    return Objects.toString(value);
  }
}
