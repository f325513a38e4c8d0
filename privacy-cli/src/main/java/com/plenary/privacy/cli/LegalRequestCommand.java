package com.plenary.privacy.cli;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.domain.sharing.Disclosures;
import com.plenary.privacy.domain.sharing.LegalRequests;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.StaffMembers.StaffMember;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "legal-request", mixinStandardHelpOptions = true,
    description = "Legal requests (C26): create one, list them, approve (a second member of the legal team), reject, release once, and the transparency report.")
final class LegalRequestCommand {
  @ParentCommand
  Plenary root;

  @Spec
  CommandSpec spec;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Record a legal request; it waits for a second member of the legal team to approve it.")
  int create(@Option(names = "--as", required = true, paramLabel = "STAFF", description = "The member of the legal team recording it (their staff id).") String as,
      @Option(names = "--ground", required = true, description = "The sub-ground as the policy words it: a, b, c or d.") String ground,
      @Option(names = "--authority", required = true, description = "The requesting authority.") String authority,
      @Option(names = "--reference", required = true, description = "The authority's reference.") String reference,
      @Option(names = "--justification", required = true, description = "Why; name people only by id, with --subject.") String justification,
      @Option(names = "--subject", required = true, description = "A person in scope, by id; repeat for several.") List<String> subjects,
      @Option(names = "--category", required = true, description = "A data category in scope; repeat for several.") List<String> categories,
      @Option(names = "--deadline", required = true, paramLabel = "DATE", description = "The deadline, a day such as 2026-12-31.") LocalDate deadline,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      LegalRequests.View v = platform.domain().legalRequests().create(legal(platform, as),
          new LegalRequests.NewRequest(ground, authority, reference, justification, subjects, categories, deadline));
      print(json, describe(v), "Recorded legal request " + v.request().id() + " (" + v.request().people() + " people); a second member of the legal "
          + "team approves it with: plenary legal-request approve " + v.request().id() + " --as …");
    }
    return Main.OK;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List every legal request, newest first; people counted, not named.")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      List<LegalRequests.View> all = platform.domain().legalRequests().list();
      if (json) {
        Output.json(out(), Map.of("legal_requests", all.stream().map(LegalRequestCommand::describe).toList()));
      } else {
        out().printf("%-40s %-6s %-9s %-7s %-10s %s%n", "ID", "GROUND", "STATUS", "PEOPLE", "DEADLINE", "AUTHORITY");
        for (LegalRequests.View v : all) {
          LegalRequestRecords.Request r = v.request();
          out().printf("%-40s %-6s %-9s %-7d %-10s %s%n", r.id(), r.ground(), r.status(), r.people(), r.deadline(), r.authority());
        }
      }
    }
    return Main.OK;
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a pending legal request; never by the member who recorded it.")
  int approve(@Parameters(paramLabel = "ID", description = "The legal request.") String id,
      @Option(names = "--as", required = true, paramLabel = "STAFF", description = "The approving member of the legal team.") String as,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      LegalRequests.View v = platform.domain().legalRequests().approve(legal(platform, as), id);
      print(json, describe(v), "Approved legal request " + id + "; release it with: plenary legal-request release " + id + " --as …");
    }
    return Main.OK;
  }

  @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a legal request that was not released.")
  int reject(@Parameters(paramLabel = "ID", description = "The legal request.") String id,
      @Option(names = "--as", required = true, paramLabel = "STAFF", description = "The member of the legal team.") String as,
      @Option(names = "--reason", required = true, description = "Why it is rejected.") String reason,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      LegalRequests.View v = platform.domain().legalRequests().reject(legal(platform, as), id, reason);
      print(json, describe(v), "Rejected legal request " + id + ".");
    }
    return Main.OK;
  }

  @Command(name = "release", mixinStandardHelpOptions = true,
      description = "Release an approved legal request's data, once, as one JSON object on standard output: only what is in scope and permitted.")
  int release(@Parameters(paramLabel = "ID", description = "The legal request.") String id,
      @Option(names = "--as", required = true, paramLabel = "STAFF", description = "The releasing member of the legal team.") String as,
      @Option(names = "--subject", description = "Release only this person of the scope; repeat for several.") List<String> subjects,
      @Option(names = "--category", description = "Release only this category of the scope; repeat for several.") List<String> categories) {
    try (Platform platform = root.openPlatform()) {
      List<Map<String, Object>> people = new ArrayList<>();
      Disclosures.Made made = platform.domain().legalRequests().release(legal(platform, as), id, subjects, categories, i -> {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("subject", i.subject());
        p.put("fields", i.fields());
        people.add(p);
      });
      if (made.nothingReleased()) {
        spec.commandLine().getErr().println("nothing was released: the policy permits this release for no one in scope ("
            + (made.refusal() == null ? "legal-disclosure" : String.join(", ", made.refusal().rules())) + ")");
        return Main.FAILURE;
      }
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("disclosure", made.id());
      o.put("legal_request", id);
      o.put("released", made.released());
      o.put("withheld", made.withheld());
      o.put("people", people);
      Output.json(out(), o);
    }
    return Main.OK;
  }

  @Command(name = "report", mixinStandardHelpOptions = true, description = "The transparency report: legal requests counted by sub-ground and authority; no one named.")
  int report(@Option(names = "--from", required = true, paramLabel = "DATE", description = "The first day.") LocalDate from,
      @Option(names = "--to", required = true, paramLabel = "DATE", description = "The day after the last.") LocalDate to,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Instant start = from.atStartOfDay(ZoneOffset.UTC).toInstant();
      Instant end = to.atStartOfDay(ZoneOffset.UTC).toInstant();
      List<LegalRequestRecords.Count> rows = platform.domain().legalRequests().report(start, end);
      if (json) {
        Output.json(out(), Map.of("from", start.toString(), "to", end.toString(), "rows", rows.stream().map(c -> {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("ground", c.ground());
          o.put("authority", c.authority());
          o.put("requests", c.requests());
          o.put("released", c.released());
          o.put("rejected", c.rejected());
          o.put("pending", c.pending());
          return o;
        }).toList()));
      } else {
        out().printf("%-6s %-8s %-8s %-8s %-7s %s%n", "GROUND", "REQUESTS", "RELEASED", "REJECTED", "PENDING", "AUTHORITY");
        for (LegalRequestRecords.Count c : rows) {
          out().printf("%-6s %-8d %-8d %-8d %-7d %s%n", c.ground(), c.requests(), c.released(), c.rejected(), c.pending(), c.authority());
        }
      }
    }
    return Main.OK;
  }

  /** The member acting, who must be active and hold the legal role: the command line is no way around the route's role. */
  private Access legal(Platform platform, String staffId) {
    StaffMember m = platform.vault().staff().find(staffId).orElse(null);
    if (m == null || m.revokedAt() != null || !m.roles().contains("legal")) {
      throw new ParameterException(spec.commandLine(), "--as names no active member of the legal team: " + (m == null ? "no such staff member" : "not in the legal role"));
    }
    return Access.staff(platform.vault().staff().facts(m.id(), m.type()), "cli");
  }

  private void print(boolean json, Map<String, Object> o, String line) {
    if (json) {
      Output.json(out(), o);
    } else {
      out().println(line);
    }
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private static Map<String, Object> describe(LegalRequests.View v) {
    LegalRequestRecords.Request r = v.request();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", r.id());
    o.put("ground", r.ground());
    o.put("ground_text", v.groundText());
    o.put("authority", r.authority());
    o.put("reference", r.reference());
    o.put("categories", r.categories());
    o.put("people", r.people());
    o.put("deadline", r.deadline().toString());
    o.put("status", r.status());
    o.put("created_by", r.createdBy());
    o.put("approved_by", r.approvedBy());
    o.put("released_at", r.releasedAt() == null ? null : r.releasedAt().toString());
    return o;
  }
}
