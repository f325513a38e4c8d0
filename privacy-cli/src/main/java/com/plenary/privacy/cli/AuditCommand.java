package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Platform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "The tamper-evident audit trail (C29).")
final class AuditCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check the whole chain; exit 1 when an entry was altered, removed or reordered.")
  int verify(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var v = platform.store().audit().verify();
      if (json) {
        Output.json(spec.commandLine().getOut(), v);
      } else {
        (v.intact() ? spec.commandLine().getOut() : spec.commandLine().getErr()).println(v.detail());
      }
      return v.intact() ? Main.OK : Main.FAILURE;
    }
  }
}
