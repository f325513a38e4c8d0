package com.plenary.privacy.cli;

import com.plenary.privacy.store.Credentials;
import picocli.CommandLine.Command;

@Command(name = "service", mixinStandardHelpOptions = true, description = "Manage service keys: add (the key is shown once), list, revoke.")
final class ServiceCommand extends KeyCommands {
  @Override
  Credentials.Kind kind() {
    return Credentials.Kind.SERVICE;
  }
}
