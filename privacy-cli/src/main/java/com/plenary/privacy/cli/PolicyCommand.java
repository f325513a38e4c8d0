package com.plenary.privacy.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.DecisionRequest;
import com.plenary.privacy.decision.DecisionRequests;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.domain.versions.PolicyVersions;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.PolicyDiff;
import com.plenary.privacy.policy.PolicyException;
import com.plenary.privacy.policy.Problem;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "policy", mixinStandardHelpOptions = true,
    description = "Work with policy files: check, decide, diff, trace.")
final class PolicyCommand {
  private static final Pattern TEST_NAME = Pattern.compile("\\b((?:C\\d+_)+)\\w*\\s*\\(");
  private static final Pattern GOLDEN_CLAUSES = Pattern.compile("(?m)^clauses:\\s*\\[([^\\]]*)]");

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @ParentCommand
  Plenary root;

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Check a policy file; print each problem as file:line:column. Exit 0 when valid, 1 when not.")
  int check(@Parameters(paramLabel = "FILE") Path file) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(file)) {
      err.println("plenary: no policy file at " + file);
      return Main.FAILURE;
    }
    try {
      Policy p = Policy.load(file);
      out.println(file + ": valid policy '" + p.name() + "' version " + p.version() + " (" + p.purposes().size() + " purposes, "
          + p.categories().size() + " categories, " + p.services().size() + " services, " + p.rules().size() + " rules, "
          + p.prohibitions().size() + " prohibitions)");
      return Main.OK;
    } catch (PolicyException e) {
      for (Problem problem : e.problems()) {
        err.println(problem);
      }
      err.println(e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems") + " in " + file);
      return Main.FAILURE;
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = {"Publish a new version of the policy (C36): check it, store it with its text, and put it in force on every node at the start of DATE (UTC).",
          "Everyone registered is told once; what it adds needs people's fresh consent. Exit 0 when published, 1 when the file has problems (each as file:line:column)."})
  int publish(@Parameters(paramLabel = "FILE") Path file,
      @Option(names = "--effective", required = true, paramLabel = "DATE", description = "The day it comes into force: today or later.") LocalDate effective,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(file)) {
      err.println("plenary: no policy file at " + file);
      return Main.FAILURE;
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    try (Platform platform = root.openPlatform()) {
      PolicyVersions.Published p;
      try {
        p = platform.domain().versions().publish(Access.system("cli"), text, file.toString(), effective);
      } catch (PolicyException e) {
        for (Problem problem : e.problems()) {
          err.println(problem);
        }
        err.println(e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems") + " in " + file + "; nothing was published");
        return Main.FAILURE;
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", p.version().version());
        m.put("effective", p.version().effective().toString());
        m.put("status", p.version().status());
        m.put("text_sha256", p.version().textSha256());
        m.put("changes", p.diff().lines());
        m.put("needs_fresh_consent", p.diff().needsFreshConsent());
        Output.json(out, m);
      } else {
        out.println("Published version " + p.version().version() + " of '" + p.version().name() + "', in force from " + p.version().effective()
            + (p.version().status().equals("in-force") ? " (in force now)" : "") + ". Changes against version " + p.diff().fromVersion() + ":");
        if (p.diff().isEmpty()) {
          out.println("No changes.");
        }
        p.diff().lines().forEach(out::println);
        if (!p.diff().needsFreshConsent().isEmpty()) {
          out.println("Needs fresh consent before it applies (C36): " + String.join(", ", p.diff().needsFreshConsent()));
        }
        out.println("Everyone registered is told through the message gateway by the running servers.");
      }
    }
    return Main.OK;
  }

  @Command(name = "versions", mixinStandardHelpOptions = true, description = "List every version of the policy: its effective date, where it stands, and whether everyone was told.")
  int versions(@Option(names = "--json", description = "Print one JSON object.") boolean json) {
    try (Platform platform = root.openPlatform()) {
      List<PolicyVersions.Version> all = platform.domain().versions().list();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PolicyVersions.Version v : all) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("version", v.version());
          m.put("effective", v.effective() == null ? null : v.effective().toString());
          m.put("status", v.status());
          m.put("notified_at", v.notifiedAt() == null ? null : v.notifiedAt().toString());
          rows.add(m);
        }
        Output.json(out, Map.of("versions", rows));
      } else {
        for (PolicyVersions.Version v : all) {
          out.printf("%-8s %-12s %-10s %s%n", "v" + v.version(), v.effective() == null ? "" : v.effective(), v.status(),
              v.publishedAt() == null ? "(the policy file)" : v.notifiedAt() == null ? "notice under way" : "everyone told " + v.notifiedAt());
        }
      }
    }
    return Main.OK;
  }

  @Command(name = "decide", mixinStandardHelpOptions = true,
      description = {"Preview the decision on a request (or a list of them) given as JSON, with the facts it states; '-' reads standard input.",
          "A policy author's what-if on the policy file: it reads no data and grants nothing."})
  int decide(@Parameters(paramLabel = "JSON") String request,
      @Option(names = "--policy", paramLabel = "FILE", description = "Policy file (default: the bundled policy).") Path policyFile) throws IOException {
    Policy policy = policyFile == null ? Policy.bundled() : Policy.load(policyFile);
    String text = request.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : request;
    Object raw;
    try {
      raw = Output.JSON.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("JSON", "the request is not well-formed JSON");
    }
    List<DecisionRequest> requests = DecisionRequests.listFromObject(raw, Instant.now());
    Enforcer enforcer = Enforcer.forPreview(policy);
    List<Map<String, Object>> out = new ArrayList<>();
    for (DecisionRequest r : requests) {
      out.add(enforcer.preview(r).toMap());
    }
    Output.pretty(spec.commandLine().getOut(), raw instanceof List<?> ? Map.of("decisions", out) : out.get(0));
    return Main.OK;
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = "What changed from policy A to policy B, and which changes need fresh consent (C36).")
  int diff(@Parameters(index = "0", paramLabel = "A") Path a, @Parameters(index = "1", paramLabel = "B") Path b,
      @Option(names = "--json", description = "Print one JSON object.") boolean json) {
    PolicyDiff d = PolicyDiff.between(Policy.load(a), Policy.load(b));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("from_version", d.fromVersion());
      m.put("to_version", d.toVersion());
      Map<String, Object> changes = new TreeMap<>();
      d.changes().forEach((k, v) -> changes.put(k, Map.of("added", v.added(), "removed", v.removed())));
      m.put("changes", changes);
      m.put("needs_fresh_consent", d.needsFreshConsent());
      Output.json(out, m);
      return Main.OK;
    }
    out.println("Policy version " + d.fromVersion() + " -> " + d.toVersion());
    if (d.isEmpty()) {
      out.println("No changes.");
    }
    d.lines().forEach(out::println);
    if (!d.needsFreshConsent().isEmpty()) {
      out.println("Needs fresh consent before it applies (C36): " + String.join(", ", d.needsFreshConsent()));
    }
    return Main.OK;
  }

  @Command(name = "trace", mixinStandardHelpOptions = true,
      description = "Map every clause C1-C36 to the policy rules that enforce it and the tests that prove it. Exit 1 when a clause has no rule or no test.")
  int trace(@Option(names = "--policy", paramLabel = "FILE", description = "Policy file (default: the bundled policy).") Path policyFile,
      @Option(names = "--root", paramLabel = "DIR", defaultValue = ".", description = "Repository root to search for tests (default: .).") Path root,
      @Option(names = "--clauses", defaultValue = "36", description = "Highest clause number (default: 36).") int highest,
      @Option(names = "--markdown", description = "Print a Markdown table.") boolean markdown) throws IOException {
    Policy policy = policyFile == null ? Policy.bundled() : Policy.load(policyFile);
    Map<String, TreeSet<String>> tests = findTests(root);
    PrintWriter out = spec.commandLine().getOut();
    int missing = 0;
    if (markdown) {
      out.println("| clause | rules | tests |");
      out.println("|---|---|---|");
    }
    for (int i = 1; i <= highest; i++) {
      String clause = "C" + i;
      List<String> rules = policy.clauseMap().getOrDefault(clause, List.of());
      TreeSet<String> proofs = tests.getOrDefault(clause, new TreeSet<>());
      boolean ok = !rules.isEmpty() && !proofs.isEmpty();
      if (!ok) {
        missing++;
      }
      if (markdown) {
        out.println("| " + clause + " | " + String.join("<br>", rules) + " | " + String.join("<br>", proofs) + " |");
      } else {
        out.printf("%-4s %-7s rules: %s%n     %-7s tests: %s%n", clause, ok ? "ok" : "MISSING",
            rules.isEmpty() ? "(none)" : String.join(", ", rules), "", proofs.isEmpty() ? "(none)" : summarise(proofs));
      }
    }
    if (missing > 0) {
      spec.commandLine().getErr().println(missing + " of " + highest + " clauses have no rule or no test");
      return Main.FAILURE;
    }
    if (!markdown) {
      out.println("Every clause has a rule and a test.");
    }
    return Main.OK;
  }

  private static String summarise(TreeSet<String> proofs) {
    List<String> shown = proofs.stream().limit(4).toList();
    return String.join(", ", shown) + (proofs.size() > shown.size() ? " and " + (proofs.size() - shown.size()) + " more" : "");
  }

  /** Test methods named after clauses (C17_…) and golden decision files, by clause. */
  static Map<String, TreeSet<String>> findTests(Path root) throws IOException {
    Map<String, TreeSet<String>> out = new TreeMap<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().contains("src" + File.separator + "test")
          && !p.toString().contains(File.separator + "target" + File.separator)).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".java")) {
          String cls = name.substring(0, name.length() - 5);
          Matcher m = TEST_NAME.matcher(Files.readString(f, StandardCharsets.UTF_8));
          while (m.find()) {
            String prefix = m.group(1);
            String method = m.group(0).replaceAll("\\s*\\($", "");
            for (String c : prefix.split("_")) {
              out.computeIfAbsent(c, k -> new TreeSet<>()).add(cls + "." + method);
            }
          }
        } else if (name.endsWith(".yaml") && f.toString().contains("golden")) {
          Matcher m = GOLDEN_CLAUSES.matcher(Files.readString(f, StandardCharsets.UTF_8));
          if (m.find()) {
            for (String c : m.group(1).split(",")) {
              out.computeIfAbsent(c.trim(), k -> new TreeSet<>()).add("golden/" + name);
            }
          }
        }
      }
    }
    return out;
  }
}
