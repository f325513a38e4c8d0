package com.plenary.privacy.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Check the configuration and print the values in force, secrets masked.")
final class ConfigCommand implements Callable<Integer> {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    Map<String, String> values = root.loadConfig(Map.of()).describe();
    if (json) {
      Output.json(spec.commandLine().getOut(), values);
    } else {
      values.forEach((k, v) -> spec.commandLine().getOut().println(k + " = " + v));
    }
    return Main.OK;
  }
}
