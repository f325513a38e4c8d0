package com.plenary.privacy.cli;

import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.aggregates.Aggregates;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "aggregate", mixinStandardHelpOptions = true,
    description = "Aggregate statistics (C27): distinct people or events by one to three dimensions over whole days; groups smaller than the policy's k are "
        + "withheld, with the groups that would give them away. Decided and audited as an aggregate use of the operator.")
final class AggregateCommand implements Callable<Integer> {
  @ParentCommand
  Plenary root;

  @Spec
  CommandSpec spec;

  private static final Access CLI = Access.system("cli");

  @Option(names = "--by", required = true, split = ",", paramLabel = "DIMENSION",
      description = "One to three of: country, age_band, language, device_type, browser, page, day (comma-separated).")
  List<String> dimensions;

  @Option(names = "--from", required = true, paramLabel = "DATE", description = "The first day (UTC).")
  LocalDate from;

  @Option(names = "--to", required = true, paramLabel = "DATE", description = "The last day (UTC), included.")
  LocalDate to;

  @Option(names = "--purpose", defaultValue = "improve", description = "The purpose the statistics serve (default: ${DEFAULT-VALUE}).")
  String purpose;

  @Option(names = "--count", defaultValue = "people", description = "people (distinct) or events (default: ${DEFAULT-VALUE}).")
  String count;

  @Option(names = "--recipient", description = "The recipient the result is given to, recorded with the release.")
  String recipient;

  @Option(names = "--epsilon", description = "Add discrete Laplace noise of this ε (a decimal such as 0.5), charged to the month's budget.")
  BigDecimal epsilon;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() {
    try (Platform platform = root.openPlatform()) {
      Outcome<Aggregates.Result> out = platform.domain().aggregates().count(CLI, new Aggregates.Query(count, dimensions, from, to, purpose, recipient, epsilon));
      if (!out.permitted()) {
        Decision d = out.decision();
        spec.commandLine().getErr().println("denied by the policy: rules " + d.rules() + ", clauses " + d.clauses());
        return Main.FAILURE;
      }
      Aggregates.Result r = out.value();
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("count", r.count());
        m.put("dimensions", r.dimensions());
        m.put("from", r.from().toString());
        m.put("to", r.to().toString());
        m.put("recipient", r.recipient());
        m.put("k", r.k());
        m.put("cells", r.cells().stream().map(c -> Map.of("values", c.values(), "count", c.count())).toList());
        m.put("withheld", r.withheld());
        m.put("total", r.total());
        m.put("epsilon_left", r.noise() == null ? null : r.noise().epsilonLeft().toPlainString());
        Output.json(out(), m);
      } else {
        out().println(String.join("\t", r.dimensions()) + "\t" + r.count());
        for (Aggregates.Cell c : r.cells()) {
          out().println(String.join("\t", c.values()) + "\t" + c.count());
        }
        out().println("# " + r.cells().size() + " groups shown, " + r.withheld() + " withheld (k = " + r.k() + ")"
            + (r.noise() == null ? "" : "; noise ε " + r.noise().epsilon().toPlainString() + ", " + r.noise().epsilonLeft().toPlainString() + " left this month"));
      }
    }
    return Main.OK;
  }

  private PrintWriter out() {
    return spec.commandLine().getOut();
  }
}
