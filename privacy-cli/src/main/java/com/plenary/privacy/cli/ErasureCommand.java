package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Platform;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "erasure", mixinStandardHelpOptions = true, description = "Erasure of people's data (C29, C34).")
final class ErasureCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = {"Complete every erasure that a crash interrupted: destroy the data keys it still lists and complete its record.",
          "Every start of the platform does this too; the command is for operators who want it now."})
  int resume(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      int completed = platform.resumedErasures() + platform.domain().subjects().resumeErasures();
      if (json) {
        Output.json(spec.commandLine().getOut(), Map.of("completed", completed));
      } else {
        spec.commandLine().getOut().println(completed == 0 ? "No erasure was left unfinished." : "Completed " + completed + " interrupted erasure(s).");
      }
    }
    return Main.OK;
  }
}
