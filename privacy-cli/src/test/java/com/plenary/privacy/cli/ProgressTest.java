package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void theBarFillsInProportionAndSaysTheCounts() {
    assertThat(Progress.line(0, 1000, "people", "")).isEqualTo("[------------------------------]  0/1,000 people");
    assertThat(Progress.line(250, 1000, "people", "queued 240  refused 10"))
        .isEqualTo("[#######-----------------------]  250/1,000 people  queued 240  refused 10");
    assertThat(Progress.line(12_000, 12_000, "people", "")).isEqualTo("[##############################]  12,000/12,000 people");
  }

  @Test
  void aBarThatIsOffWritesNothingAndOneThatIsOnRedrawsInPlaceAndEndsItsLine() {
    StringWriter off = new StringWriter();
    Progress never = Progress.of(new PrintWriter(off), Progress.When.NEVER, 10, "people");
    never.update(5, "");
    never.finish();
    assertThat(off.toString()).isEmpty();

    StringWriter on = new StringWriter();
    Progress always = Progress.of(new PrintWriter(on), Progress.When.ALWAYS, 10, "people");
    always.update(5, "");
    always.update(10, "done");
    always.finish();
    assertThat(on.toString()).isEqualTo("\r[###############---------------]  5/10 people\r[##############################]  10/10 people  done" + System.lineSeparator());
  }

  @Test
  void standardErrorOfATestRunIsNotATerminal() {
    assertThat(Progress.stderrIsTerminal()).isFalse();
  }
}
