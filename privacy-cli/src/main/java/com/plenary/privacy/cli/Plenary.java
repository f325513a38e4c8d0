package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top of the {@code plenary} command: global options shared by every subcommand. */
@Command(name = "plenary", mixinStandardHelpOptions = true, version = "plenary 0.1.0",
    description = "The Plenary Privacy Platform: makes the privacy policy true at run time.",
    subcommands = {ServeCommand.class, ServiceCommand.class, PartnerCommand.class, StaffCommand.class, RecipientCommand.class, AggregateCommand.class,
        LegalRequestCommand.class, PolicyCommand.class, KeysCommand.class, RetentionCommand.class, ErasureCommand.class, MessagesCommand.class, AuditCommand.class, ConsentCommand.class,
        DbCommand.class, ConfigCommand.class, GrantsCommand.class, IncidentsCommand.class, IngestCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure", "2:bad usage or bad configuration"})
public final class Plenary implements Runnable {
  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Configuration file (default: ./plenary.yaml when it exists).")
  Path config;

  @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Data directory for the embedded database and keys (default: ./data).")
  Path dataDir;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show stack traces with errors.")
  boolean verbose;

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The configuration: file, then environment, then these options and {@code overrides}. */
  Config loadConfig(Map<String, String> overrides) {
    Path file = config;
    if (file == null && Files.isRegularFile(Path.of("plenary.yaml"))) {
      file = Path.of("plenary.yaml");
    }
    Map<String, String> all = new HashMap<>(overrides);
    if (dataDir != null) {
      all.put("data_dir", dataDir.toString());
    }
    return Config.load(file, System.getenv(), all);
  }

  Platform openPlatform() {
    return Platform.open(loadConfig(Map.of()), Clock.systemUTC());
  }
}
