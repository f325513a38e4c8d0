package com.plenary.privacy.server;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A real headless Chromium (Debian's chromium and chromium-driver), driven by Selenium. Where they
 * are missing the page tests are skipped, naming the packages — except under CI=true, where they fail.
 */
final class Browser {
  static final String CHROMIUM = System.getenv().getOrDefault("PLENARY_TEST_CHROMIUM", "/usr/bin/chromium");
  static final String DRIVER = System.getenv().getOrDefault("PLENARY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");

  private Browser() {}

  static ChromeDriver start() throws Exception {
    return start(null);
  }

  /** A browser that asks for pages in {@code acceptLanguages} (as its Accept-Language header, e.g. {@code "de-DE,de"}); null for Chromium's own. */
  static ChromeDriver start(String acceptLanguages) throws Exception {
    if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(DRIVER))) {
      String message = "Chromium or ChromeDriver is missing (" + CHROMIUM + ", " + DRIVER + "); install Debian's chromium and chromium-driver";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(message + "; under CI=true the page tests must run");
      }
      Assumptions.abort(message);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1200,900",
        "--user-data-dir=" + Files.createTempDirectory("plenary-chromium"));
    if (acceptLanguages != null) {
      options.setExperimentalOption("prefs", Map.of("intl.accept_languages", acceptLanguages));
      options.addArguments("--lang=" + acceptLanguages.split(",")[0]);
    }
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER)).usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    return driver;
  }
}
