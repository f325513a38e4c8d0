package com.plenary.privacy.cli;

import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "grants", mixinStandardHelpOptions = true,
    description = "Need-to-know grant requests (C32): a staff member asks with a justification, a privacy officer other than the requester approves or rejects.")
final class GrantsCommand {
  /** Who acts at the command line: an operator, never the requesting member. */
  private static final String CLI = "cli";

  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "request", mixinStandardHelpOptions = true,
      description = "Record a staff member's request for need-to-know access, in their name, with their justification.")
  int request(@Parameters(paramLabel = "STAFF_ID") String staffId,
      @Option(names = "--role", required = true, description = "One of the member's roles.") String role,
      @Option(names = "--category", required = true, description = "A data category within what the role may open; repeat for several.") List<String> categories,
      @Option(names = "--purpose", required = true, description = "A purpose within what the role may open; repeat for several.") List<String> purposes,
      @Option(names = "--subject", description = "Only this person (their id); repeat for several. Default: anyone.") List<String> subjects,
      @Option(names = "--for", paramLabel = "DURATION", required = true, description = "How long once asked, such as PT8H or P7D (at most P90D).") Duration length,
      @Option(names = "--justification", required = true, description = "Why the member needs to know (at most 1000 characters).") String justification,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Instant now = platform.clock().instant();
      var g = platform.domain().staff().request(staffId, role, categories, purposes, subjects, now, now.plus(length), justification, null);
      print(platform, g, json, "Requested " + g.id() + " for " + staffId + "; a privacy officer approves it with: plenary grants approve " + g.id());
    }
    return Main.OK;
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a grant request; it is in force until its end.")
  int approve(@Parameters(paramLabel = "GRANT") String id, @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var g = platform.domain().staff().approve(id, CLI, null);
      print(platform, g, json, "Approved " + g.id() + ": in force until " + g.until() + ".");
    }
    return Main.OK;
  }

  @Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a grant request.")
  int reject(@Parameters(paramLabel = "GRANT") String id, @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var g = platform.domain().staff().reject(id, CLI, null);
      print(platform, g, json, "Rejected " + g.id() + ".");
    }
    return Main.OK;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List grants and requests, newest first.")
  int list(@Option(names = "--status", description = "requested (default), approved, rejected or all.") String status,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      String wanted = status == null ? StaffRecords.REQUESTED : status.equals("all") ? null : status;
      Instant now = platform.clock().instant();
      var all = platform.domain().staff().grants(wanted, 1000);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("grants", all.stream().map(g -> g.view(now)).toList()));
      } else {
        out.printf("%-40s %-18s %-16s %-10s %s%n", "GRANT", "STAFF", "ROLE", "STATUS", "CATEGORIES / PURPOSES / UNTIL");
        for (var g : all) {
          out.printf("%-40s %-18s %-16s %-10s %s / %s / %s%n", g.id(), g.staffId(), g.role(), g.inForce(now) ? "in force" : g.status(),
              String.join(",", g.categories()), String.join(",", g.purposes()), g.until());
        }
      }
    }
    return Main.OK;
  }

  private void print(Platform platform, StaffRecords.Grant g, boolean json, String line) {
    if (json) {
      Output.json(spec.commandLine().getOut(), g.view(platform.clock().instant()));
    } else {
      spec.commandLine().getOut().println(line);
    }
  }
}
