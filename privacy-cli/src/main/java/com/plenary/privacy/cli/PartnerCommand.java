package com.plenary.privacy.cli;

import com.plenary.privacy.store.Credentials;
import picocli.CommandLine.Command;

@Command(name = "partner", mixinStandardHelpOptions = true, description = "Manage partner keys: add (the key is shown once), list, revoke.")
final class PartnerCommand extends KeyCommands {
  @Override
  Credentials.Kind kind() {
    return Credentials.Kind.PARTNER;
  }
}
