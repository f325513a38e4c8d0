package com.plenary.privacy.cli;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.crypto.LocalMasterKey;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage the encryption keys (C29).")
final class KeysCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a new master key and re-wrap every person's data key under it, in batches, while the server keeps serving.")
  int rotate(@Option(names = "--batch", defaultValue = "500", description = "Keys re-wrapped per batch (default 500).") int batch,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      if (!(platform.keys().master() instanceof LocalMasterKey local)) {
        throw new PlenaryException("the master key is not the local keyset; rotate it in its key service, then run this again to re-wrap");
      }
      int before = local.currentVersion();
      int version = local.rotate();
      int rewrapped = platform.vault().rewrapAll(Math.max(1, Math.min(batch, 10_000)));
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("previous_version", before);
        m.put("version", version);
        m.put("rewrapped", rewrapped);
        Output.json(spec.commandLine().getOut(), m);
      } else {
        spec.commandLine().getOut().println("New master key " + version + " (was " + before + "); re-wrapped " + rewrapped + " data keys.");
      }
    }
    return Main.OK;
  }
}
