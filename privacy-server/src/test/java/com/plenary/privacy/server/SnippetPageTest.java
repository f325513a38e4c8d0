package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.platform.Engineers;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The snippet and the cookie banner in a real Chromium (C8, C9, C20, C21). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SnippetPageTest {
  private static final Set<String> ESSENTIAL = Set.of("pl_bid", "pl_session", "pl_csrf", "pl_consent");
  private Running running;
  private ChromeDriver browser;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  @BeforeEach
  void openBrowser() throws Exception {
    browser = Browser.start();
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  private long events() {
    return running.platform.vault().usage().count();
  }

  private Set<String> cookieNames() {
    return browser.manage().getCookies().stream().map(Cookie::getName).collect(Collectors.toSet());
  }

  /** Waits until the snippet on the page has decided about its page view, and returns what it did ("sent" or "withheld"). */
  private String tracked() {
    return new WebDriverWait(browser, Duration.ofSeconds(10))
        .until(d -> d.findElement(By.tagName("html")).getAttribute("data-plenary-tracked"));
  }

  @Test
  void C20_refuseAllLeavesOnlyEssentialCookiesAndStoresNoAnalyticsEvent() throws Exception {
    long before = events();
    browser.get(running.uri("/privacy/cookies").toString());
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("plenary-refuse")).isEmpty());
    assertThat(browser.findElement(By.id("plenary-banner")).getText()).contains("Accept all").contains("Refuse all");
    browser.findElement(By.id("plenary-refuse")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.id("plenary-banner")).isEmpty());
    browser.navigate().refresh();
    assertThat(tracked()).isEqualTo("withheld");
    assertThat(ESSENTIAL).containsAll(cookieNames());
    assertThat(browser.manage().getCookieNamed("pl_consent").getValue()).isEqualTo("v1.p0.a0");
    assertThat(events()).isEqualTo(before);
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Off for you");
  }

  @Test
  void C20_withGlobalPrivacyControlAcceptAllStillStoresNoAnalyticsEvent() throws Exception {
    browser.executeCdpCommand("Network.enable", Map.of());
    browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Sec-GPC", "1")));
    browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument",
        Map.of("source", "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"));
    long before = events();
    browser.get(running.uri("/privacy/cookies").toString());
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("plenary-accept")).isEmpty());
    assertThat(browser.findElement(By.id("plenary-banner")).getText()).contains("Global Privacy Control");
    browser.findElement(By.id("plenary-accept")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.id("plenary-banner")).isEmpty());
    browser.navigate().refresh();
    assertThat(tracked()).isEqualTo("withheld");
    assertThat(ESSENTIAL).containsAll(cookieNames());
    assertThat(browser.manage().getCookieNamed("pl_consent").getValue()).endsWith(".a0");
    assertThat(events()).isEqualTo(before);
  }

  @Test
  @SuppressWarnings("unchecked")
  void C9_acceptAllStoresThePageViewWithItsParsedAttributes() throws Exception {
    long before = events();
    browser.get(running.uri("/privacy/cookies").toString());
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.id("plenary-accept")).isEmpty());
    assertThat(browser.findElement(By.id("plenary-banner")).getAttribute("textContent")).contains("acme_vid").contains("acme-ads").contains("395 days");
    browser.findElement(By.id("plenary-accept")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> "sent".equals(d.findElement(By.tagName("html")).getAttribute("data-plenary-tracked")));
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> events() > before);
    Map<String, Object> stored = Engineers.newest(running.platform, 1).get(0);
    Map<String, Object> details = (Map<String, Object>) stored.get("details");
    assertThat(details.get("page").toString()).endsWith("/privacy/cookies");
    assertThat(details.get("browser").toString()).containsIgnoringCase("chrom");
    assertThat(details).containsEntry("os", "Linux").containsKey("screen").containsKey("language");
    assertThat(cookieNames()).contains("pl_bid", "pl_consent", "pl_an");
    browser.navigate().refresh();
    assertThat(browser.findElements(By.id("plenary-banner"))).as("a choice, once made, is honoured on the next visit").isEmpty();
  }
}
