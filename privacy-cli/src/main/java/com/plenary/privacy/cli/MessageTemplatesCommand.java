package com.plenary.privacy.cli;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.messages.Templates;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "templates", mixinStandardHelpOptions = true,
    description = {"The message gateway's templates (C16): define a template or its next version, list them.",
        "A {{variable}} that names a person's field (such as {{name}}) is filled from the vault when the message is sent."})
final class MessageTemplatesCommand {
  @ParentCommand
  MessagesCommand messages;

  @Spec
  CommandSpec spec;

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Define the template NAME, or its next version.")
  int add(@Parameters(paramLabel = "NAME", description = "The template's name: lower-case letters, digits, dots, dashes.") String name,
      @Option(names = "--kind", required = true, description = "transactional, service or marketing.") String kind,
      @Option(names = "--purpose", required = true, description = "The purpose, from the policy.") String purpose,
      @Option(names = "--subject", required = true, description = "The subject line, with {{variables}}.") String subject,
      @Option(names = "--body", required = true, description = "The text, with {{variables}}.") String body,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = messages.root.openPlatform()) {
      Templates.Described d = platform.domain().messages().templates().define(Access.system("operator"), name, kind, purpose, subject, body);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, row(d));
      } else {
        out.println("Template " + name + " version " + d.template().version() + "; variables " + d.variables() + ", filled from the person's record " + d.fields());
      }
    }
    return Main.OK;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The newest version of every template: name, version, kind, purpose, variables.")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = messages.root.openPlatform()) {
      List<Templates.Described> all = platform.domain().messages().templates().list();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Output.json(out, Map.of("templates", all.stream().map(MessageTemplatesCommand::row).toList()));
      } else if (all.isEmpty()) {
        out.println("No templates.");
      } else {
        for (Templates.Described d : all) {
          out.println(String.join("  ", d.template().name(), "v" + d.template().version(), d.template().kind(), d.template().purpose(),
              "variables=" + String.join(",", d.variables()), "fields=" + String.join(",", d.fields())));
        }
      }
    }
    return Main.OK;
  }

  private static Map<String, Object> row(Templates.Described d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.template().name());
    m.put("version", d.template().version());
    m.put("kind", d.template().kind());
    m.put("purpose", d.template().purpose());
    m.put("variables", d.variables());
    m.put("fields", d.fields());
    return m;
  }
}
