package com.plenary.privacy.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar for long commands, redrawn in place with a carriage return on a terminal:
 * {@code [############------------------]  4,000/10,000 people  queued 3,990  refused 10}. A bar that is
 * off writes nothing, so scripts and {@code --json} see only the command's own output. Not thread-safe.
 */
final class Progress {
  static final int WIDTH = 30;

  /** When to draw: on a terminal only (the default), always, or never. */
  enum When { AUTO, ALWAYS, NEVER }

  private final PrintWriter err;
  private final boolean on;
  private final long total;
  private final String unit;
  private boolean drawn;

  private Progress(PrintWriter err, boolean on, long total, String unit) {
    this.err = err;
    this.on = on;
    this.total = total;
    this.unit = unit;
  }

  /** A bar on {@code err} for {@code total} {@code unit}, drawn as {@code when} says; {@code AUTO} draws only when standard error is a terminal. */
  static Progress of(PrintWriter err, When when, long total, String unit) {
    boolean on = switch (when) {
      case ALWAYS -> true;
      case NEVER -> false;
      case AUTO -> stderrIsTerminal();
    };
    return new Progress(err, on, total, unit);
  }

  boolean on() {
    return on;
  }

  /** Redraws the bar: {@code done} of the total, and what is said after it. */
  void update(long done, String after) {
    if (!on) {
      return;
    }
    err.print("\r" + line(done, total, unit, after));
    err.flush();
    drawn = true;
  }

  /** Ends the bar's line, so what follows starts on a line of its own. */
  void finish() {
    if (on && drawn) {
      err.println();
      err.flush();
    }
  }

  /** The bar's text for {@code done} of {@code total}. */
  static String line(long done, long total, String unit, String after) {
    int filled = total == 0 ? WIDTH : (int) (WIDTH * Math.min(done, total) / total);
    String counts = String.format(Locale.ROOT, "%,d/%,d", done, total);
    return "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "]  " + counts + " " + unit + (after.isEmpty() ? "" : "  " + after);
  }

  /**
   * Whether the process's standard error is a terminal. Java 17 cannot ask of standard error alone: on
   * Linux its descriptor's link names the device ({@code /dev/pts/…}, {@code /dev/tty…}); elsewhere a
   * console (standard input and output both terminals) is taken as a yes.
   */
  static boolean stderrIsTerminal() {
    Path fd = Path.of("/proc/self/fd/2");
    if (Files.isSymbolicLink(fd)) {
      try {
        String target = Files.readSymbolicLink(fd).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      } catch (Exception e) {
        return false;
      }
    }
    return System.console() != null;
  }
}
