package com.plenary.privacy.cli;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.MessageRecords;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.platform.Platform;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "messages", mixinStandardHelpOptions = true, subcommands = MessageTemplatesCommand.class,
    description = {"The message gateway's outbox (C16): list, send as a service, retry, suppress.",
        "A running server delivers what is queued; nothing here shows an address or a message's text."})
final class MessagesCommand {
  @ParentCommand
  Plenary root;

  @Spec
  CommandSpec spec;

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The newest messages: id, person, service, kind, purpose, status, attempts, dates.")
  int list(@Option(names = "--status", description = "Only this status: queued, sending, sent, failed, withdrawn, uncertain.") String status,
      @Option(names = "--limit", defaultValue = "50", description = "At most this many (default ${DEFAULT-VALUE}).") int limit,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    MessageRecords.Status s = status == null ? null : parseStatus(status);
    try (Platform platform = root.openPlatform()) {
      List<MessageRecords.Entry> entries = platform.domain().messages().newest(s, Math.max(1, Math.min(limit, 10_000)));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("messages", entries.stream().map(MessagesCommand::row).toList()));
      } else if (entries.isEmpty()) {
        out.println("No messages.");
      } else {
        for (MessageRecords.Entry e : entries) {
          out.println(String.join("  ", e.id(), e.subjectId(), e.service(), e.kind(), e.purpose(), e.status().name().toLowerCase(Locale.ROOT),
              "attempts=" + e.attempts(), "queued=" + e.queuedAt(), e.lastError() == null ? "" : "(" + e.lastError() + ")").trim());
        }
      }
    }
    return Main.OK;
  }

  /** People decided and queued in one call of the bulk use case: the bar moves once a group. */
  static final int BULK_GROUP = 500;

  @Command(name = "send", mixinStandardHelpOptions = true,
      description = {"Send a message as a service, decided as POST /api/v1/messages decides it; a refusal exits 1 naming its rule and clauses.",
          "With --to-file, the same message to many people, each decided on their own (as POST /api/v1/messages/bulk): it prints how many",
          "were queued and how many each rule refused, and draws a progress bar on standard error when that is a terminal."})
  int send(@Option(names = "--service", required = true, description = "The sending service, as the policy names it.") String service,
      @Option(names = "--to", description = "The person's id (s-…).") String subjectId,
      @Option(names = "--to-file", paramLabel = "FILE", description = "A file of people's ids (s-…), one a line, or - for standard input: a bulk send.")
      String toFile,
      @Option(names = "--kind", required = true, description = "transactional, service or marketing.") String kind,
      @Option(names = "--purpose", required = true, description = "The purpose, from the policy.") String purpose,
      @Option(names = "--subject", required = true, description = "The subject line.") String subject,
      @Option(names = "--body", required = true, description = "The text.") String body,
      @Option(names = "--idempotency-key", description = "Sending again with the same key queues nothing twice (for a bulk send, per person).")
      String idempotencyKey,
      @Option(names = "--progress", defaultValue = "auto", paramLabel = "WHEN",
          description = "For a bulk send: draw the progress bar on standard error when it is a terminal (auto, the default), always, or never.")
      String progress,
      @Option(names = "--json", description = "Print one JSON object (and no progress bar).") boolean json) {
    if ((subjectId == null) == (toFile == null)) {
      throw new ParameterException(spec.commandLine(), "name the person with --to, or many people with --to-file; one of the two");
    }
    Progress.When when = switch (progress) {
      case "auto" -> Progress.When.AUTO;
      case "always" -> Progress.When.ALWAYS;
      case "never" -> Progress.When.NEVER;
      default -> throw new ParameterException(spec.commandLine(), "--progress must be auto, always or never");
    };
    if (toFile != null) {
      List<String> people = readPeople(toFile);
      return sendBulk(service, people, new Messages.Request(null, kind, purpose, subject, body, idempotencyKey), json ? Progress.When.NEVER : when, json);
    }
    try (Platform platform = root.openPlatform()) {
      PrintWriter out = spec.commandLine().getOut();
      try {
        Messages.Accepted a = platform.domain().messages().send(Access.service(service, null),
            new Messages.Request(subjectId, kind, purpose, subject, body, idempotencyKey));
        if (json) {
          Output.json(out, Map.of("id", a.id(), "status", "queued"));
        } else {
          out.println("Queued " + a.id() + "; a running server delivers it.");
        }
        return Main.OK;
      } catch (Refused r) {
        if (json) {
          Output.json(out, Map.of("refused", r.rule(), "clauses", r.clauses(), "detail", r.getMessage()));
        } else {
          spec.commandLine().getErr().println("plenary: refused by rule " + r.rule() + " (" + String.join(", ", r.clauses()) + "): " + r.getMessage());
        }
        return Main.FAILURE;
      }
    }
  }

  private List<String> readPeople(String file) {
    List<String> lines;
    try {
      lines = file.equals("-") ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().toList()
          : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
    } catch (IOException | UncheckedIOException e) {
      throw new ParameterException(spec.commandLine(), "cannot read --to-file " + file + ": " + e.getClass().getSimpleName());
    }
    List<String> people = lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).distinct().toList();
    if (people.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--to-file " + file + " names no one: write one person's id (s-…) a line");
    }
    return people;
  }

  /** The same message to each of {@code people}, a group at a time through the domain's bulk use case; counts only, no one named. */
  private int sendBulk(String service, List<String> people, Messages.Request template, Progress.When when, boolean json) {
    PrintWriter out = spec.commandLine().getOut();
    Progress bar = Progress.of(spec.commandLine().getErr(), when, people.size(), "people");
    int queued = 0;
    Map<String, Integer> refused = new TreeMap<>();
    try (Platform platform = root.openPlatform()) {
      bar.update(0, "");
      for (int from = 0; from < people.size(); from += BULK_GROUP) {
        List<String> group = people.subList(from, Math.min(people.size(), from + BULK_GROUP));
        Messages.Bulk b = platform.domain().messages().sendBulk(Access.service(service, null), group, template);
        queued += b.queued();
        b.refused().forEach((rule, n) -> refused.merge(rule, n, Integer::sum));
        bar.update(from + group.size(), "queued " + String.format(Locale.ROOT, "%,d", queued) + "  refused "
            + String.format(Locale.ROOT, "%,d", refused.values().stream().mapToInt(Integer::intValue).sum()));
      }
    } finally {
      bar.finish();
    }
    if (json) {
      Output.json(out, Map.of("people", people.size(), "queued", queued, "refused", refused));
    } else {
      out.println("Queued " + queued + " of " + people.size() + "; a running server delivers them.");
      refused.forEach((rule, n) -> out.println("  refused by " + rule + ": " + n));
    }
    return Main.OK;
  }

  @Command(name = "retry", mixinStandardHelpOptions = true,
      description = {"Queue a failed or uncertain message again; it is decided anew before it is sent.",
          "An uncertain message may have reached the person: its Message-ID stays the same, so their mail server can drop a repeat."})
  int retry(@Parameters(paramLabel = "ID", description = "The message's id (msg-…).") String id,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      boolean done = platform.domain().messages().retry(Access.system("operator"), id);
      if (json) {
        Output.json(spec.commandLine().getOut(), Map.of("id", id, "queued", done));
      } else {
        spec.commandLine().getOut().println(done ? "Queued " + id + " again." : "No failed or uncertain message has the id " + id + ".");
      }
      return done ? Main.OK : Main.FAILURE;
    }
  }

  @Command(name = "suppress", mixinStandardHelpOptions = true,
      description = "Put a person's address on the suppression list (a complaint, a known bad address): nothing more is sent to it.")
  int suppress(@Parameters(paramLabel = "PERSON", description = "The person's id (s-…).") String subjectId,
      @Option(names = "--reason", defaultValue = "operator", description = "A short reason, such as complaint (default ${DEFAULT-VALUE}).") String reason,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    if (!reason.matches("[a-z0-9-]{1,32}")) {
      throw new ParameterException(spec.commandLine(), "--reason is 1 to 32 lower-case letters, digits or hyphens");
    }
    try (Platform platform = root.openPlatform()) {
      boolean added = platform.domain().messages().suppress(Access.system("operator"), subjectId, reason);
      if (json) {
        Output.json(spec.commandLine().getOut(), Map.of("subject", subjectId, "added", added));
      } else {
        spec.commandLine().getOut().println(added ? "Suppressed." : "Already on the suppression list.");
      }
    }
    return Main.OK;
  }

  private MessageRecords.Status parseStatus(String s) {
    for (MessageRecords.Status st : MessageRecords.Status.values()) {
      if (st.name().equalsIgnoreCase(s)) {
        return st;
      }
    }
    throw new ParameterException(spec.commandLine(), "--status must be one of queued, sending, sent, failed, withdrawn, uncertain");
  }

  private static Map<String, Object> row(MessageRecords.Entry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", e.id());
    m.put("subject", e.subjectId());
    m.put("service", e.service());
    m.put("kind", e.kind());
    m.put("purpose", e.purpose());
    m.put("status", e.status().name().toLowerCase(Locale.ROOT));
    m.put("attempts", e.attempts());
    m.put("queued_at", e.queuedAt());
    m.put("sent_at", e.sentAt());
    m.put("last_error", e.lastError());
    return m;
  }
}
