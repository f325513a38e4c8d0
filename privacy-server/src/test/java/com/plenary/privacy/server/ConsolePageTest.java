package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin console in a real Chromium: a privacy officer signs in with a staff token, approves the
 * access request a support agent made, finds the incident a denied read opened and closes it with an
 * outcome, and makes a review report, which an auditor signs off (the domain has reviews signed off by an
 * auditor who is not the privacy officer). The charts are drawn by the webjar's uPlot under the server's
 * CSP. Every page of the console passes axe-core with no serious or critical violation, and none scrolls
 * sideways at 360 px.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsolePageTest {
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private ChromeDriver browser;
  private String shop;
  private String officer;
  private String auditor;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    officer = running.platform.vault().staff().add("Olga Officer", "employee", List.of("privacy-officer"), Instant.now()).id();
    auditor = running.platform.vault().staff().add("Aud Auditor", "contractor", List.of("auditor"), Instant.now()).id();
  }

  @BeforeEach
  void open() throws Exception {
    browser = Browser.start("en-GB,en");
  }

  @AfterEach
  void close() {
    if (browser != null) {
      browser.quit();
    }
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private String token(String staffId) {
    return running.platform.issuer().issue(staffId, Duration.ofMinutes(30));
  }

  private void go(String path) {
    browser.get(running.uri(path).toString());
  }

  /** Clicks {@code button} and waits for an address that contains {@code expected}. */
  private void submit(WebElement button, String expected) {
    String before = browser.getCurrentUrl();
    WebElement html = browser.findElement(By.tagName("html"));
    browser.executeScript("arguments[0].scrollIntoView({block: 'center'});", button);
    button.click();
    new WebDriverWait(browser, Duration.ofSeconds(15)).withMessage(() -> browser.getCurrentUrl() + "\n" + browser.findElement(By.tagName("body")).getText())
        .until(d -> (!before.equals(d.getCurrentUrl()) || stale(html)) && d.getCurrentUrl().contains(expected));
  }

  private static boolean stale(WebElement e) {
    try {
      e.isDisplayed();
      return false;
    } catch (StaleElementReferenceException gone) {
      return true;
    }
  }

  private void signIn(String staffId) {
    go("/console/sign-in");
    browser.findElement(By.id("token")).sendKeys(token(staffId));
    submit(browser.findElement(By.cssSelector("form[action='/console/sign-in'] button")), "/console");
    assertThat(browser.getCurrentUrl()).endsWith("/console");
  }

  private void signOut() {
    submit(browser.findElement(By.cssSelector("form.who button")), "/console/sign-in");
  }

  private String main() {
    return browser.findElement(By.tagName("main")).getText();
  }

  /** A support agent who asks for access through the API, and whose read without a grant is denied (opening an incident). */
  private record Setting(String support, String grant, String incident) {}

  private Setting setting() throws Exception {
    String support = running.platform.vault().staff().add("Sam Support " + System.nanoTime(), "employee", List.of("support"), Instant.now()).id();
    String supportToken = token(support);
    HttpResponse<String> asked = running.postJson("/api/v1/grant-requests", "{\"role\":\"support\",\"categories\":[\"user.contact\"],"
        + "\"purposes\":[\"communicate.respond\"],\"justification\":\"Ticket 4711: the customer asked us to check their address\"}", supportToken);
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(201);
    String grant = json.readTree(asked.body()).get("id").asText();
    HttpResponse<String> ada = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"console-page-" + System.nanoTime() + "@example.org\",\"name\":\"Ada Secretname\",\"address\":\"1 Hidden Road\"}}", shop);
    String person = json.readTree(ada.body()).get("id").asText();
    HttpResponse<String> read = running.send("GET", "/api/v1/subjects/" + person + "?purpose=communicate.respond&fields=email", null, "",
        "Authorization", "Bearer " + supportToken);
    assertThat(read.statusCode()).isEqualTo(403);
    String incident = running.platform.domain().incidents().list(new IncidentRecords.Filter("open", null, support, null, null, 10)).get(0).id();
    running.platform.store().audit().seal();
    return new Setting(support, grant, incident);
  }

  /**
   * The officer's round, handing every page it meets to {@code check}: sign-in, the home with its charts,
   * audit search and an inclusion proof, the access requests (one approved), the incidents (one closed),
   * the reviews (one made), the report, legal requests, the data map, recipients, a page that refuses a
   * role; then the auditor's sign-off.
   */
  private void tour(Setting s, Consumer<String> check) {
    go("/console");
    assertThat(browser.getCurrentUrl()).as("a page without a session leads to sign-in").endsWith("/console/sign-in");
    check.accept("sign-in");
    signIn(officer);
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector("#chart-events canvas")).isEmpty());
    assertThat(browser.findElements(By.cssSelector(".chart canvas"))).as("uPlot drew every chart under the CSP").hasSize(3);
    check.accept("home");

    browser.findElement(By.linkText("Audit log")).click();
    browser.findElement(By.id("q-effect")).sendKeys("Denied");
    submit(browser.findElement(By.cssSelector("form.search button")), "effect=deny");
    assertThat(main()).contains(s.support());
    check.accept("audit search");
    WebElement proof = browser.findElement(By.cssSelector("a[href^='/console/audit/proof?seq=']"));
    submit(proof, "/console/audit/proof");
    assertThat(main()).contains("root hash").contains("The newest signed checkpoint");
    check.accept("inclusion proof");

    go("/console/grants");
    assertThat(main()).contains("Ticket 4711");
    check.accept("access requests");
    submit(browser.findElement(By.cssSelector("form[action='/console/grants/" + s.grant() + "/approve'] button")), "done=approved");
    assertThat(browser.findElement(By.cssSelector("p.done")).getText()).isEqualTo("Approved.");
    assertThat(running.platform.domain().staff().grants(s.support()).get(0).status()).isEqualTo("approved");
    check.accept("access requests, one approved");

    go("/console/incidents");
    WebElement row = browser.findElement(By.id("item-" + s.incident()));
    assertThat(row.getText()).contains(s.support()).contains("Denied attempt").doesNotContain("Secretname");
    check.accept("incidents");
    new Select(browser.findElement(By.id("close-" + s.incident() + "-outcome"))).selectByVisibleText("Training");
    browser.findElement(By.id("close-" + s.incident() + "-note")).sendKeys("Talked it through; refresher booked");
    submit(browser.findElement(By.cssSelector("form[action='/console/incidents/" + s.incident() + "/close'] button")), "done=closed");
    assertThat(browser.findElement(By.id("item-" + s.incident())).getText()).contains("Closed: Training");
    assertThat(running.platform.domain().incidents().find(s.incident()).outcome()).isEqualTo("training");
    check.accept("incidents, one closed");

    go("/console/reviews");
    check.accept("reviews");
    submit(browser.findElement(By.cssSelector("form[action='/console/reviews'] button")), "done=created");
    String review = running.platform.domain().reviews().list().get(0).id();
    assertThat(browser.findElements(By.cssSelector("form[action='/console/reviews/" + review + "/sign-off']"))).as("not for a privacy officer").isEmpty();
    check.accept("reviews, one made");
    go("/console/reviews/" + review);
    check.accept("review report");

    for (String page : List.of("/console/legal-requests", "/console/data-map", "/console/recipients")) {
      go(page);
      assertThat(browser.findElement(By.tagName("h1")).getText()).isNotBlank();
      check.accept(page);
    }
    signOut();
    assertThat(browser.findElement(By.cssSelector("p.done")).getText()).isEqualTo("You are signed out.");

    signIn(s.support());
    assertThat(browser.findElements(By.cssSelector(".chart"))).as("no figures for support").isEmpty();
    check.accept("home of a support agent");
    go("/console/incidents");
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not for your role");
    check.accept("a page not for the role");
    signOut();

    signIn(auditor);
    go("/console/reviews");
    browser.findElement(By.id("sign-off-" + review + "-note")).sendKeys("Checked against the data map");
    submit(browser.findElement(By.cssSelector("form[action='/console/reviews/" + review + "/sign-off'] button")), "done=signed-off");
    assertThat(browser.findElement(By.id("item-" + review)).getText()).contains("Signed off by " + auditor);
    assertThat(running.platform.domain().reviews().find(review).signedOffBy()).isEqualTo(auditor);
    check.accept("reviews, one signed off");
    signOut();
  }

  @Test
  void aPrivacyOfficerApprovesARequestClosesAnIncidentAndAnAuditorSignsOffTheReview() throws Exception {
    List<String> seen = new ArrayList<>();
    tour(setting(), seen::add);
    assertThat(seen).hasSize(17);
  }

  @Test
  void everyConsolePageHasNoSeriousOrCriticalAccessibilityViolation() throws Exception {
    if (!Files.isReadable(PrivacyCenterAccessibilityTest.AXE)) {
      throw new IllegalStateException("axe-core is missing (" + PrivacyCenterAccessibilityTest.AXE + "): run `npm ci --prefix build/axe`");
    }
    String axe = Files.readString(PrivacyCenterAccessibilityTest.AXE);
    tour(setting(), page -> assertThat(PrivacyCenterAccessibilityTest.seriousViolations(browser, axe))
        .as("axe-core on '%s' at %s", page, browser.getCurrentUrl()).isEmpty());
  }

  @Test
  void atA360PixelWideScreenNoConsolePageScrollsSideways() throws Exception {
    Setting s = setting();
    browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 360, "height", 740, "deviceScaleFactor", 2, "mobile", true));
    tour(s, page -> {
      assertThat(((Number) ((JavascriptExecutor) browser).executeScript("return window.innerWidth;")).intValue()).as("%s is laid out wider than the screen", page).isEqualTo(360);
      Object wider = browser.executeScript("return document.documentElement.scrollWidth > window.innerWidth || document.body.scrollWidth > window.innerWidth;");
      assertThat(wider).as("%s scrolls sideways at 360 px", page).isEqualTo(false);
      @SuppressWarnings("unchecked")
      List<String> small = (List<String>) browser.executeScript(
          "return [...document.querySelectorAll('main button, main select, main input:not([type=hidden])')]"
              + ".filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80));");
      assertThat(small).as("%s: controls under 44 px high", page).isEmpty();
    });
  }
}
