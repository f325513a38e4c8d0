package com.plenary.privacy.cli;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.Credentials;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** add, list and revoke for service and partner keys; the key is shown once, on add. */
abstract class KeyCommands {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  abstract Credentials.Kind kind();

  Plenary root() {
    return root;
  }

  @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a ${PARENT-COMMAND-NAME} and print its new key once.")
  int add(@Parameters(paramLabel = "NAME", description = "The name, as the policy declares it.") String name,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return add(name, json, spec.commandLine().getOut());
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List them (never their keys).")
  int list(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return list(json, spec.commandLine().getOut());
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key at once.")
  int revoke(@Parameters(paramLabel = "ID|NAME") String idOrName,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    return revoke(idOrName, json, spec.commandLine().getOut());
  }

  int add(String name, boolean json, PrintWriter out) {
    if (!NAME.matcher(name).matches()) {
      throw new InvalidInputException("name", "the " + kind().id() + " name must be 1-64 lower-case letters, digits and dashes, starting with a letter");
    }
    try (Platform platform = root().openPlatform()) {
      boolean declared = kind() == Credentials.Kind.SERVICE ? platform.policy().service(name) != null
          : platform.policy().partners().stream().anyMatch(p -> p.id().equals(name));
      var issued = platform.store().credentials().issue(kind(), name);
      if (json) {
        Map<String, Object> m = describe(issued.credential());
        m.put("key", issued.key());
        m.put("declared_in_policy", declared);
        Output.json(out, m);
      } else {
        out.println("Added " + kind().id() + " '" + name + "' (" + issued.credential().id() + ").");
        out.println("Key (shown once, keep it secret): " + issued.key());
        if (!declared) {
          out.println("Note: the policy declares no " + kind().id() + " '" + name + "', so every decision about its use of personal data is a denial (C1).");
        }
      }
    }
    return Main.OK;
  }

  int list(boolean json, PrintWriter out) {
    try (Platform platform = root().openPlatform()) {
      List<Credentials.Credential> all = platform.store().credentials().list(kind());
      if (json) {
        Output.json(out, Map.of(kind().id() + "s", all.stream().map(KeyCommands::describe).toList()));
      } else if (all.isEmpty()) {
        out.println("No " + kind().id() + "s yet; add one with 'plenary " + kind().id() + " add NAME'.");
      } else {
        out.printf("%-40s %-20s %-10s %-8s%n", "ID", "NAME", "PREFIX", "STATE");
        for (var c : all) {
          out.printf("%-40s %-20s %-10s %-8s%n", c.id(), c.name(), c.keyPrefix(), c.active() ? "active" : "revoked");
        }
      }
    }
    return Main.OK;
  }

  int revoke(String idOrName, boolean json, PrintWriter out) {
    try (Platform platform = root().openPlatform()) {
      var c = platform.store().credentials().revoke(kind(), idOrName);
      if (json) {
        Output.json(out, describe(c));
      } else {
        out.println("Revoked " + kind().id() + " '" + c.name() + "' (" + c.id() + "); its key no longer works.");
      }
    }
    return Main.OK;
  }

  static Map<String, Object> describe(Credentials.Credential c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("kind", c.kind().id());
    m.put("name", c.name());
    m.put("key_prefix", c.keyPrefix());
    m.put("created_at", c.createdAt());
    m.put("revoked_at", c.revokedAt());
    return m;
  }
}
