package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Platform;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "retention", mixinStandardHelpOptions = true, description = "Retention of content (C11).")
final class RetentionCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Delete everything past its retention now and report what was deleted.")
  int run(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      Map<String, Integer> deleted = platform.domain().subjects().runRetention();
      if (json) {
        Output.json(spec.commandLine().getOut(), Map.of("deleted", deleted));
      } else if (deleted.isEmpty()) {
        spec.commandLine().getOut().println("Nothing is past its retention.");
      } else {
        deleted.forEach((category, n) -> spec.commandLine().getOut().println("Deleted " + n + " item(s) of " + category));
      }
    }
    return Main.OK;
  }
}
