package com.plenary.privacy.cli;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.RecipientRecords.Agreement;
import com.plenary.privacy.domain.sharing.Recipients;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "recipient", mixinStandardHelpOptions = true,
    description = "The registry of recipients and their agreements (C25): add a recipient, list them, record an agreement's next version, show its versions.")
final class RecipientCommand {
  @ParentCommand
  Plenary root;

  @Spec
  CommandSpec spec;

  private static final Access CLI = Access.system("cli");

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a recipient of a kind the policy declares.")
  int add(@Parameters(paramLabel = "ID", description = "Its id: lower-case letters, digits and dashes.") String id,
      @Option(names = "--kind", required = true, description = "A kind the policy declares: subsidiary, processor, third-party, authority.") String kind,
      @Option(names = "--name", required = true, description = "Its name.") String name,
      @Option(names = "--contact", description = "An address for notices to it.") String contact,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Recipients.View v = platform.domain().recipients().register(CLI, new Recipients.NewRecipient(id, kind, name, contact));
      if (json) {
        Output.json(out(), describe(v, today(platform)));
      } else {
        out().println("Registered " + v.kind() + " " + v.id() + ". Record its agreement with: plenary recipient agreement " + v.id() + " …");
      }
    }
    return Main.OK;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List every recipient, those the policy names and those registered, with their agreements.")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      List<Recipients.View> all = platform.domain().recipients().list();
      LocalDate today = today(platform);
      if (json) {
        Output.json(out(), Map.of("recipients", all.stream().map(v -> describe(v, today)).toList()));
      } else {
        out().printf("%-24s %-12s %-9s %s%n", "ID", "KIND", "SOURCE", "AGREEMENT");
        for (Recipients.View v : all) {
          Agreement a = v.agreement();
          out().printf("%-24s %-12s %-9s %s%n", v.id(), v.kind(), v.source(), a == null ? "none"
              : "v" + a.version() + " " + a.start() + " to " + a.end() + (a.covers(today) ? " (in force)" : " (not in force)"));
        }
      }
    }
    return Main.OK;
  }

  @Command(name = "agreement", mixinStandardHelpOptions = true,
      description = "Record the next version of a recipient's agreement; versions are never edited, and a disclosure is decided on the newest.")
  int agreement(@Parameters(paramLabel = "ID", description = "The recipient.") String id,
      @Option(names = "--category", required = true, description = "A data category it covers; repeat for several.") List<String> categories,
      @Option(names = "--purpose", required = true, description = "A purpose it covers; repeat for several.") List<String> purposes,
      @Option(names = "--start", required = true, paramLabel = "DATE", description = "Its first day.") LocalDate start,
      @Option(names = "--end", required = true, paramLabel = "DATE", description = "Its last day.") LocalDate end,
      @Option(names = "--our-signatory", required = true, description = "Who signed for the company.") String ours,
      @Option(names = "--their-signatory", required = true, description = "Who signed for the recipient.") String theirs,
      @Option(names = "--confidentiality", required = true, description = "Its confidentiality terms.") String confidentiality,
      @Option(names = "--security", required = true, description = "Its security terms.") String security,
      @Option(names = "--data-centre", required = true, description = "A data centre the policy lists where it may hold the data; repeat for several.")
      List<String> dataCentres,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Agreement a = platform.domain().recipients().recordAgreement(CLI, id,
          new Recipients.Terms(categories, purposes, start, end, ours, theirs, confidentiality, security, dataCentres));
      if (json) {
        Output.json(out(), describe(a, today(platform), true));
      } else {
        out().println("Recorded version " + a.version() + " of the agreement with " + id + ": " + String.join(", ", a.categories()) + " for "
            + String.join(", ", a.purposes()) + ", " + a.start() + " to " + a.end() + ".");
      }
    }
    return Main.OK;
  }

  @Command(name = "agreements", mixinStandardHelpOptions = true, description = "Show every version of a recipient's agreement, newest first.")
  int agreements(@Parameters(paramLabel = "ID", description = "The recipient.") String id,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      List<Agreement> versions = platform.domain().recipients().agreements(id);
      LocalDate today = today(platform);
      if (json) {
        Output.json(out(), Map.of("agreements", versions.stream().map(a -> describe(a, today, a == versions.get(0))).toList()));
      } else {
        for (Agreement a : versions) {
          out().println("v" + a.version() + "  " + a.start() + " to " + a.end() + "  " + String.join(",", a.categories()) + "  "
              + String.join(",", a.purposes()) + "  recorded " + a.recordedAt() + " by " + a.recordedBy());
        }
      }
    }
    return Main.OK;
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private static LocalDate today(Platform platform) {
    return LocalDate.ofInstant(platform.clock().instant(), ZoneOffset.UTC);
  }

  private static Map<String, Object> describe(Recipients.View v, LocalDate today) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", v.id());
    o.put("kind", v.kind());
    o.put("processor", v.processor());
    o.put("name", v.name());
    o.put("contact", v.contact());
    o.put("source", v.source());
    o.put("agreement", v.agreement() == null ? null : describe(v.agreement(), today, true));
    return o;
  }

  private static Map<String, Object> describe(Agreement a, LocalDate today, boolean newest) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("recipient", a.recipientId());
    o.put("version", a.version());
    o.put("categories", a.categories());
    o.put("purposes", a.purposes());
    o.put("start", a.start().toString());
    o.put("end", a.end().toString());
    o.put("data_centres", a.dataCentres());
    o.put("recorded_by", a.recordedBy());
    o.put("in_force", newest && a.covers(today));
    return o;
  }
}
