package com.plenary.privacy.cli;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "incidents", mixinStandardHelpOptions = true,
    description = "Incidents (C33): staff attempts the policy denied and break-glass uses; list them and close each with an outcome.")
final class IncidentsCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List incidents, newest first.")
  int list(@Option(names = "--status", description = "open or closed (default: both).") String status,
      @Option(names = "--kind", description = "denied or break-glass (default: both).") String kind,
      @Option(names = "--staff", paramLabel = "ID", description = "Only those about this staff member.") String staff,
      @Option(names = "--since", paramLabel = "TIME", description = "Opened at or after, such as 2026-12-01T00:00:00Z.") String since,
      @Option(names = "--limit", description = "At most this many (default 100, at most 1000).") Integer limit,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var filter = new IncidentRecords.Filter(status, kind, staff, since == null ? null : time(since), null, limit == null ? 100 : limit);
      var all = platform.domain().incidents().list(filter);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("incidents", all.stream().map(IncidentsCommand::describe).toList()));
      } else {
        out.printf("%-40s %-12s %-18s %-25s %-8s %-8s %s%n", "INCIDENT", "KIND", "STAFF", "OPENED", "ATTEMPTS", "STATUS", "WHAT / RULES");
        for (Incident i : all) {
          out.printf("%-40s %-12s %-18s %-25s %-8s %-8s %s %s for %s / %s%n", i.id(), i.kind(), i.staffId(), i.openedAt(),
              i.attempts() == 1 ? "1" : i.attempts() + ", last " + i.lastSeenAt(),
              i.status().equals(IncidentRecords.CLOSED) ? i.outcome() : i.status(), i.operation(), String.join(",", i.categories()), i.purpose(),
              String.join(",", i.rules()));
        }
      }
    }
    return Main.OK;
  }

  @Command(name = "close", mixinStandardHelpOptions = true, description = "Close an incident with an outcome and a note.")
  int close(@Parameters(paramLabel = "INCIDENT") String id,
      @Option(names = "--outcome", required = true, description = "no-action, training, disciplinary-referral or contract-termination.") String outcome,
      @Option(names = "--note", required = true, description = "What was found and done (at most 2000 characters).") String note,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Incident i = platform.domain().incidents().close(id, outcome, note, "cli", null);
      if (json) {
        Output.json(spec.commandLine().getOut(), describe(i));
      } else {
        spec.commandLine().getOut().println("Closed " + i.id() + " with the outcome " + i.outcome() + ".");
      }
    }
    return Main.OK;
  }

  private static Instant time(String s) {
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw new InvalidInputException("since", "--since must be a time such as 2026-12-01T00:00:00Z");
    }
  }

  static Map<String, Object> describe(Incident i) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", i.id());
    o.put("kind", i.kind());
    o.put("staff", i.staffId());
    o.put("opened_at", i.openedAt());
    o.put("operation", i.operation());
    o.put("purpose", i.purpose());
    o.put("subject", i.subject());
    o.put("categories", i.categories());
    o.put("rules", i.rules());
    o.put("clauses", i.clauses());
    o.put("status", i.status());
    o.put("outcome", i.outcome());
    o.put("note", i.note());
    o.put("closed_by", i.closedBy());
    o.put("closed_at", i.closedAt());
    o.put("attempts", i.attempts());
    o.put("last_seen_at", i.lastSeenAt());
    return o;
  }
}
