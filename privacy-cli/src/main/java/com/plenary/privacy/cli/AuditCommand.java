package com.plenary.privacy.cli;

import com.plenary.privacy.audit.NoteException;
import com.plenary.privacy.audit.NoteVerifier;
import com.plenary.privacy.platform.Platform;
import java.nio.file.Path;
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

  @Command(name = "verify", mixinStandardHelpOptions = true, description = {
      "Check the audit log; exit 1 when an entry was altered, removed, inserted or reordered, or the log was cut short or forked.",
      "Without --url: the chain, the Merkle tree and every signed checkpoint in the data directory.",
      "With --url and --key: a running server from outside, trusting only its public key: the newest checkpoint's signature, its consistency "
          + "with the last checkpoint this verifier saw (kept in --state), and with --entries the root recomputed from every entry."})
  int verify(@Option(names = "--json", description = "Print one JSON object.") boolean json,
      @Option(names = "--url", description = "The server to check from outside, e.g. https://privacy.example.com.") String url,
      @Option(names = "--key", description = "The server's checkpoint key: the C2SP verifier key (name+id+key), or a file holding it.") String key,
      @Option(names = "--state", description = "Where the last checkpoint seen is kept (default: ~/.plenary/audit-verify/<key id>.checkpoint).") Path state,
      @Option(names = "--entries", description = "Also download every entry and recompute the Merkle root (needs --token of an auditor or privacy officer).")
      boolean entries,
      @Option(names = "--token", description = "A bearer token of an auditor or privacy officer, for --entries (or PLENARY_TOKEN).") String token) {
    if (url != null || key != null) {
      if (url == null || key == null) {
        spec.commandLine().getErr().println("--url and --key go together: the server to check and the public key it is checked with");
        return Main.USAGE;
      }
      NoteVerifier verifier;
      try {
        verifier = RemoteAudit.verifierKey(key);
      } catch (NoteException e) {
        spec.commandLine().getErr().println("--key is not a verifier key: " + e.getMessage());
        return Main.USAGE;
      }
      String bearer = token != null ? token : System.getenv("PLENARY_TOKEN");
      if (entries && bearer == null) {
        spec.commandLine().getErr().println("--entries needs --token (or PLENARY_TOKEN): a bearer token of an auditor or privacy officer");
        return Main.USAGE;
      }
      RemoteAudit.Result r = new RemoteAudit(url, verifier, state != null ? state : RemoteAudit.defaultState(verifier), bearer).check(entries);
      if (json) {
        Output.json(spec.commandLine().getOut(), r);
      } else {
        (r.intact() ? spec.commandLine().getOut() : spec.commandLine().getErr()).println(r.detail());
      }
      return r.intact() ? Main.OK : Main.FAILURE;
    }
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
