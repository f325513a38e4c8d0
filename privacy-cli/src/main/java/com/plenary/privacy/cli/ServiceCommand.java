package com.plenary.privacy.cli;

import com.plenary.privacy.store.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "service", mixinStandardHelpOptions = true,
    description = "Manage service keys: add (the key is shown once), list, revoke.")
final class ServiceCommand extends KeyCommands {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  Credentials.Kind kind() {
    return Credentials.Kind.SERVICE;
  }

  @Override
  Plenary root() {
    return root;
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a service and print its new key once.")
  int add(@Parameters(paramLabel = "NAME", description = "The service's name, as the policy declares it.") String name,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return add(name, json, spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List services (never their keys).")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return list(json, spec.commandLine().getOut());
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a service's key at once.")
  int revoke(@Parameters(paramLabel = "ID|NAME") String idOrName,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return revoke(idOrName, json, spec.commandLine().getOut());
  }
}
