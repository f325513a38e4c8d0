package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.store.Credentials;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The privacy center in a real Chromium: register, see, correct, consent, export, erase, sign in again. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountPageTest {
  private Running running;
  private ChromeDriver browser;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    running.close();
  }

  /** Clicks a submit button and waits for the page that follows to say {@code done} (or fails with its text). */
  private void submit(WebElement button, String done) {
    button.click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).withMessage(() -> browser.getCurrentUrl() + "\n" + browser.findElement(By.tagName("body")).getText())
        .until(d -> d.getCurrentUrl().contains("done=" + done));
  }

  private void fill(WebDriver d, String id, String value) {
    var e = d.findElement(By.id(id));
    e.clear();
    e.sendKeys(value);
  }

  @Test
  void C34_C35_aPersonRegistersSeesCorrectsExportsAndErasesTheirData() {
    String email = "page." + System.nanoTime() + "@example.org";
    browser.get(running.uri("/account").toString());
    assertThat(browser.getTitle()).contains("privacy center");
    var registration = browser.findElement(By.cssSelector("form[action='/account/register']"));
    registration.findElement(By.name("email")).sendKeys(email);
    registration.findElement(By.name("name")).sendKeys("Margaret Hamilton");
    registration.findElement(By.name("password")).sendKeys("apollo guidance computer");
    submit(registration.findElement(By.cssSelector("button[type=submit]")), "check-mail");
    // the same answer as for an address that is registered already (issue 13, defect 6): the mail says which
    assertThat(browser.findElement(By.cssSelector(".done")).getText()).contains("Check your mail");
    var signInAfter = browser.findElement(By.cssSelector("form[action='/account/sign-in']"));
    signInAfter.findElement(By.name("email")).sendKeys(email);
    signInAfter.findElement(By.name("password")).sendKeys("apollo guidance computer");
    submit(signInAfter.findElement(By.cssSelector("button")), "signed-in");
    assertThat(browser.findElement(By.tagName("table")).getText()).contains("Margaret Hamilton").contains(email);
    Cookie session = browser.manage().getCookieNamed("pl_session");
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSameSite()).isEqualToIgnoringCase("Lax");
    assertThat(browser.getCurrentUrl()).doesNotContain(email).doesNotContain("Margaret");

    fill(browser, "f-name", "Margaret H. Hamilton");
    submit(browser.findElement(By.cssSelector("form[action='/account/correct'] button")), "corrected");
    assertThat(browser.findElement(By.cssSelector(".done")).getText()).contains("corrected");
    assertThat(browser.findElement(By.tagName("table")).getText()).contains("Margaret H. Hamilton");

    submit(browser.findElements(By.cssSelector("form[action='/account/consents'] button")).get(0), "consent");
    assertThat(browser.findElement(By.cssSelector(".done")).getText()).contains("recorded");

    browser.get(running.uri("/account/export").toString());
    String export = browser.findElement(By.tagName("main")).getText();
    // a readable page: tables in words, the policy's purposes by their names, no JSON
    assertThat(export).contains("Margaret H. Hamilton").contains("Communicating with you").contains("correction").doesNotContain("\"purpose\"")
        .doesNotContain("{");
    assertThat(browser.findElements(By.cssSelector("main section table")).size()).isGreaterThan(3);

    browser.get(running.uri("/account/erase").toString());
    browser.findElement(By.name("confirm")).click();
    submit(browser.findElement(By.cssSelector("form[action='/account/erase'] button")), "erased");
    assertThat(browser.findElement(By.cssSelector(".done")).getText()).contains("erased");

    var signIn = browser.findElement(By.cssSelector("form[action='/account/sign-in']"));
    signIn.findElement(By.name("email")).sendKeys(email);
    signIn.findElement(By.name("password")).sendKeys("apollo guidance computer");
    signIn.findElement(By.cssSelector("button")).click();
    var error = new WebDriverWait(browser, Duration.ofSeconds(10))
        .until(d -> d.findElements(By.cssSelector(".error")).stream().findFirst().orElse(null));
    assertThat(error.getText()).contains("not right");
  }

  @Test
  void C19_aServicesRequestForConsentIsGrantedInThePrivacyCenterWithTheHashOfTheTextShown() throws Exception {
    String shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    String email = "asked." + System.nanoTime() + "@example.org";
    var registered = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Grace\",\"address\":\"1 Harbour Row\"},\"password\":\"a long passphrase of hers\"}", shop);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String id = new ObjectMapper().readTree(registered.body()).get("id").asText();
    String read = "/api/v1/subjects/" + id + "?purpose=develop&fields=email";
    var asked = running.postJson("/api/v1/subjects/" + id + "/consent-requests",
        "{\"purpose\":\"develop\",\"reason\":\"We would like to try a new gift list with you.\"}", shop);
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(201);
    assertThat(running.get(read, "Authorization", "Bearer " + shop).statusCode()).isEqualTo(403);

    browser.manage().deleteAllCookies();
    browser.get(running.uri("/account").toString());
    var signIn = browser.findElement(By.cssSelector("form[action='/account/sign-in']"));
    signIn.findElement(By.name("email")).sendKeys(email);
    signIn.findElement(By.name("password")).sendKeys("a long passphrase of hers");
    submit(signIn.findElement(By.cssSelector("button")), "signed-in");
    WebElement ask = browser.findElement(By.cssSelector("#consent-requests .ask"));
    String shown = ask.findElement(By.tagName("p")).getText();
    assertThat(shown).contains("Plenary Shop asks for your consent").contains("Developing new services").contains("gift list");
    assertThat(browser.findElement(By.id("consent-requests")).getText()).doesNotContain("develop").doesNotContain("C19");
    submit(ask.findElement(By.cssSelector("button[value=grant]")), "consent");
    assertThat(browser.findElements(By.id("consent-requests"))).isEmpty();

    assertThat(running.get(read, "Authorization", "Bearer " + shop).statusCode()).isEqualTo(200);
    var consents = running.platform.domain().consents().of(Access.subject(id, null), id);
    assertThat(consents).singleElement().satisfies(c -> {
      assertThat(c.purpose()).isEqualTo("develop");
      assertThat(c.channel()).isEqualTo("privacy-center");
      assertThat(c.shownSha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(shown.getBytes(StandardCharsets.UTF_8))));
    });
    // withdrawn on the same page: the service's next read is denied
    submit(browser.findElement(By.cssSelector("form[action='/account/consents'] input[value=develop]")).findElement(By.xpath("..")).findElement(By.tagName("button")),
        "consent");
    // the page was at "?done=consent" already, so wait for the definite signal: the row now offers to give the consent again
    new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
        .until(d -> d.findElements(By.cssSelector("form[action='/account/consents'] input[value=develop]"))
        .stream().anyMatch(i -> i.findElement(By.xpath("..")).findElement(By.cssSelector("input[name=granted]")).getAttribute("value").equals("true")));
    assertThat(running.get(read, "Authorization", "Bearer " + shop).statusCode()).isEqualTo(403);
  }

  @Test
  void aFormPostWithoutItsCsrfTokenIsRefused() throws Exception {
    int before = running.platform.keyStore().count();
    var r = running.send("POST", "/account/register", "application/x-www-form-urlencoded", "email=a%40example.org&name=A&password=aaaaaaaaaaaa");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(running.platform.keyStore().count()).isEqualTo(before);
  }
}
