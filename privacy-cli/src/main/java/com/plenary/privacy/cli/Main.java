package com.plenary.privacy.cli;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.policy.PolicyException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Entry point of the {@code plenary} command. Exit codes: 0 success, 1 failure, 2 bad usage or bad
 * configuration. Errors are one sentence on stderr; {@code --verbose} adds the stack trace.
 */
public final class Main {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command with the given streams and returns its exit code; for tests and embedding. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Plenary());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExitCodeExceptionMapper(Main::exitCode);
    cli.setParameterExceptionHandler((ex, a) -> {
      if (ex instanceof CommandLine.UnmatchedArgumentException u && unknownCommand(u.getCommandLine(), u.getUnmatched(), err)) {
        return USAGE;
      }
      err.println("plenary: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      return USAGE;
    });
    // picocli lets words it does not know pass when --help is asked for, and shows the parent's help:
    // an unknown command is an error with or without --help
    CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
    cli.setExecutionStrategy(parsed -> {
      for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
        if (!p.unmatched().isEmpty() && unknownCommand(p.commandSpec().commandLine(), p.unmatched(), err)) {
          return USAGE;
        }
      }
      return run.execute(parsed);
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      Throwable shown = ex;
      err.println("plenary: " + sentence(shown));
      if (parsed.hasMatchedOption("--verbose") || isVerbose(cmd)) {
        ex.printStackTrace(err);
      }
      return exitCode(ex);
    });
    return cli.execute(args);
  }

  /** Reports the first of {@code unmatched} as an unknown command of {@code cmd}, in one line, when it names one; false otherwise. */
  private static boolean unknownCommand(CommandLine cmd, List<String> unmatched, PrintWriter err) {
    if (cmd.getSubcommands().isEmpty() || unmatched.isEmpty() || unmatched.get(0).startsWith("-")) {
      return false;
    }
    String name = cmd.getCommandSpec().qualifiedName();
    err.println("plenary: '" + unmatched.get(0) + "' is not a command of '" + name + "'; see '" + name + " --help'");
    return true;
  }

  private static boolean isVerbose(CommandLine cmd) {
    CommandLine c = cmd;
    while (c != null) {
      if (c.getCommand() instanceof Plenary p && p.verbose) {
        return true;
      }
      c = c.getParent();
    }
    return false;
  }

  static int exitCode(Throwable e) {
    if (e instanceof ConfigException || e instanceof InvalidInputException || e instanceof CommandLine.ParameterException) {
      return USAGE;
    }
    if (e instanceof PolicyException) {
      return USAGE;
    }
    return FAILURE;
  }

  private static String sentence(Throwable e) {
    String m = e.getMessage();
    if (e instanceof Conflict || e instanceof NotFound || e instanceof ConfigException || e instanceof InvalidInputException
        || e instanceof PolicyException || e instanceof PlenaryException) {
      return m;
    }
    return "unexpected failure (" + e.getClass().getSimpleName() + (m == null ? "" : ": " + m) + "); run with --verbose for details";
  }
}
