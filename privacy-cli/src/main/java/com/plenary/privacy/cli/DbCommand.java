package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.store.H2Files;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "db", mixinStandardHelpOptions = true, description = "Upkeep of the databases.")
final class DbCommand {
  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Command(name = "compact", mixinStandardHelpOptions = true,
      description = {"Compact the embedded H2 files (data and key store) while no server runs: the file is cut to its live data.",
          "PostgreSQL needs no such step (VACUUM reclaims space)."})
  int compact(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    Config config = root.loadConfig(Map.of());
    List<Map<String, Object>> files = new ArrayList<>();
    if (config.databaseUrl().startsWith("jdbc:h2:")) {
      files.add(entry("data", H2Files.compactClosed(config.databaseUrl(), config.databaseUser(), config.databasePassword())));
    }
    if (config.keystoreUrl().startsWith("jdbc:h2:")) {
      files.add(entry("keys", H2Files.compactClosed(config.keystoreUrl(), config.keystoreUser(), config.keystorePassword())));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, Map.of("compacted", files));
    } else if (files.isEmpty()) {
      out.println("No embedded H2 file is configured: nothing to compact.");
    } else {
      files.forEach(f -> out.printf("%s: %,d bytes -> %,d bytes%n", f.get("store"), f.get("bytes_before"), f.get("bytes_after")));
    }
    return Main.OK;
  }

  private static Map<String, Object> entry(String store, H2Files.Compacted c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("store", store);
    m.put("file", c.file());
    m.put("bytes_before", c.bytesBefore());
    m.put("bytes_after", c.bytesAfter());
    return m;
  }
}
