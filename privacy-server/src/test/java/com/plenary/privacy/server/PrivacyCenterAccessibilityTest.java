package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Accessibility: axe-core, the npm package pinned in {@code build/axe/package-lock.json} (installed by
 * {@code npm ci --prefix build/axe}, which {@code .ci/run} does), run inside the same Chromium on every
 * page of the privacy center, in English and in German. A serious or critical violation fails the test.
 * Without axe-core the test fails, saying how to install it: it never skips in silence.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrivacyCenterAccessibilityTest {
  static final Path AXE = Repo.root().resolve("build/axe/node_modules/axe-core/axe.min.js");

  private SmtpServer smtp;
  private Running running;
  private ChromeDriver browser;
  private String axe;

  @BeforeAll
  void start() throws Exception {
    if (!Files.isReadable(AXE)) {
      throw new IllegalStateException("axe-core is missing (" + AXE + "): run `npm ci --prefix build/axe` in the repository root "
          + "(.ci/run does); it installs the version pinned in build/axe/package-lock.json");
    }
    axe = Files.readString(AXE);
    smtp = new SmtpServer();
    running = new Running(smtp.config());
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (running != null) {
      running.close();
    }
    if (smtp != null) {
      smtp.close();
    }
  }

  /** The serious and critical violations axe-core finds on the page the browser shows, one line each. */
  @SuppressWarnings("unchecked")
  static List<String> seriousViolations(ChromeDriver browser, String axe) {
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    browser.executeScript(axe);
    Object result = browser.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
            + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            + ".map(v => v.impact + ' ' + v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))))"
            + ".catch(e => done(['axe failed: ' + e]));");
    return new ArrayList<>((List<String>) result);
  }

  private void everyPageIn(String languages) throws Exception {
    browser = Browser.start(languages);
    try {
      List<String> seen = new ArrayList<>();
      new PrivacyCenter(running, smtp, browser).tour(page -> {
        seen.add(page);
        assertThat(seriousViolations(browser, axe)).as("axe-core on '%s' (%s) at %s", page, languages, browser.getCurrentUrl()).isEmpty();
      });
      assertThat(seen).hasSize(14);
    } finally {
      browser.quit();
      browser = null;
    }
  }

  @Test
  void everyPageOfThePrivacyCenterHasNoSeriousOrCriticalViolationInEnglish() throws Exception {
    everyPageIn("en-GB,en");
  }

  @Test
  void everyPageOfThePrivacyCenterHasNoSeriousOrCriticalViolationInGerman() throws Exception {
    everyPageIn("de-DE,de");
  }

  @Test
  void theCheckFindsAViolationWhenThereIsOne() throws Exception {
    browser = Browser.start();
    try {
      String broken = "<!doctype html><html lang=en><title>broken</title><main><img src=x.png><form><input type=text name=q><button></button></form></main></html>";
      browser.get("data:text/html;charset=utf-8," + broken.replace(" ", "%20"));
      assertThat(String.join("\n", seriousViolations(browser, axe))).contains("image-alt").contains("button-name");
    } finally {
      browser.quit();
      browser = null;
    }
  }

  @Test
  void axeCoreIsTheVersionPinnedInTheLockFile() throws Exception {
    String lock = Files.readString(Repo.root().resolve("build/axe/package-lock.json"));
    String pinned = lock.replaceAll("(?s).*\"node_modules/axe-core\":\\s*\\{\\s*\"version\":\\s*\"([^\"]+)\".*", "$1");
    assertThat(pinned).isEqualTo("4.10.3");
    assertThat(axe).startsWith("/*! axe v" + pinned);
  }
}
