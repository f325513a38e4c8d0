package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Platform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "consent", mixinStandardHelpOptions = true, description = "The append-only consent ledger (C19, C24).")
final class ConsentCommand {
  @ParentCommand
  Plenary root;

  @Spec
  CommandSpec spec;

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check the consent ledger's chain; exit 1 when an entry was altered, removed (other than by an erasure), inserted or reordered. "
          + "Prints the head's hash: keep it, and a later check shows the ledger was not rewritten since.")
  int verify(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      var v = platform.store().consentLedger().verify();
      if (json) {
        Output.json(spec.commandLine().getOut(), v);
      } else {
        (v.intact() ? spec.commandLine().getOut() : spec.commandLine().getErr()).println(v.detail());
      }
      return v.intact() ? Main.OK : Main.FAILURE;
    }
  }
}
