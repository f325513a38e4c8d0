package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.policy.Cookie;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The privacy center in a real Chromium against a real server on port 0, with mail through GreenMail:
 * cookie choices, registration and export, correction, consent, a forgotten password, erasure, what is
 * off, a 360 px screen, and German for a browser that asks for it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrivacyCenterPageTest {
  private SmtpServer smtp;
  private Running running;
  private ChromeDriver browser;
  private PrivacyCenter center;

  @BeforeAll
  void start() throws Exception {
    smtp = new SmtpServer();
    running = new Running(smtp.config());
    browser = Browser.start("en-GB,en");
    center = new PrivacyCenter(running, smtp, browser);
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

  private String registerOnThePage(String email, String name, String password) {
    browser.manage().deleteAllCookies();
    center.open("/account");
    WebElement form = browser.findElement(By.cssSelector("form[action='/account/register']"));
    form.findElement(By.name("email")).sendKeys(email);
    if (name != null) {
      form.findElement(By.name("name")).sendKeys(name);
    }
    form.findElement(By.name("password")).sendKeys(password);
    center.submit(form.findElement(By.cssSelector("button[type=submit]")), "done=check-mail");
    return email;
  }

  private String email(String who) {
    return who + "." + System.nanoTime() + "@example.org";
  }

  private JsonNode exportThroughTheApi() throws Exception {
    String session = browser.manage().getCookieNamed("pl_session").getValue();
    var r = running.get("/api/v1/me/export", "Cookie", "pl_session=" + session);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }

  @Test
  void C20_refusingAllInTheBannerLeavesOnlyEssentialCookies() {
    browser.manage().deleteAllCookies();
    center.open("/privacy/cookies");
    WebElement refuse = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.id("plenary-refuse")).stream().findFirst().orElse(null));
    refuse.click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.manage().getCookieNamed("pl_consent") != null);
    assertThat(browser.manage().getCookieNamed("pl_consent").getValue()).isEqualTo("v1.p0.a0");
    // pages visited after the choice, the signed-in ones included, set nothing more
    center.open("/privacy/cookies");
    center.open("/account");
    Set<String> essential = running.platform.policy().cookies().stream().filter(c -> c.cookieClass().equals("essential")).map(Cookie::name)
        .collect(Collectors.toSet());
    assertThat(browser.manage().getCookies()).isNotEmpty().allSatisfy(c -> assertThat(essential).as(c.getName()).contains(c.getName()));
    assertThat(browser.manage().getCookieNamed("pl_an")).isNull();
    assertThat(browser.manage().getCookieNamed("pl_prefs")).isNull();
    // C21: the cookie page says what is off
    center.open("/privacy/cookies");
    assertThat(browser.findElement(By.id("off")).getText()).contains("Off for you");
  }

  @Test
  void C34_whatAPersonEnteredWhenRegisteringIsInTheirExport() throws Exception {
    String email = registerOnThePage(email("export"), "Katherine Johnson", "orbital mechanics by hand");
    center.signIn(email, "orbital mechanics by hand");
    JsonNode export = exportThroughTheApi();
    assertThat(export.at("/profile/email/value").asText()).isEqualTo(email);
    assertThat(export.at("/profile/name/value").asText()).isEqualTo("Katherine Johnson");
    center.open("/account/export");
    String page = browser.findElement(By.tagName("main")).getText();
    assertThat(page).contains("Katherine Johnson").contains(email).contains("Everything we hold about you");
    assertThat(browser.getCurrentUrl()).doesNotContain(email);
  }

  @Test
  void C35_aCorrectedFieldShowsCorrectedAndTheCorrectionIsAudited() throws Exception {
    String email = registerOnThePage(email("correct"), "Dorothy Vaughn", "fortran for the whole team");
    center.signIn(email, "fortran for the whole team");
    center.fill("#f-name", "Dorothy J. Vaughan");
    center.submit(browser.findElement(By.cssSelector("form[action='/account/correct'] button")), "done=corrected");
    assertThat(browser.findElement(By.id("values")).getText()).contains("Dorothy J. Vaughan").doesNotContain("Dorothy Vaughn");
    assertThat(browser.findElement(By.id("requests")).getText()).contains("Correction of your data");
    JsonNode export = exportThroughTheApi();
    List<JsonNode> corrections = new ArrayList<>();
    export.get("accesses").forEach(a -> {
      if (a.get("action").asText().equals("correct")) {
        corrections.add(a);
      }
    });
    assertThat(corrections).singleElement().satisfies(a -> {
      assertThat(a.get("decision").asText()).isEqualTo("permit");
      assertThat(a.get("by").asText()).contains(export.at("/subject/id").asText());
    });
  }

  @Test
  void C19_aConsentWithdrawnInThePrivacyCenterDeniesTheServicesNextDecision() throws Exception {
    String shop = center.shopKey();
    PrivacyCenter.Person p = center.registeredByTheShop(shop);
    String ask = "{\"action\":\"read\",\"purpose\":\"develop\",\"subject\":\"" + p.id() + "\",\"categories\":[\"user.contact.email\"]}";
    assertThat(effect(running.postJson("/api/v1/decisions", ask, shop).body())).isEqualTo("deny");
    browser.manage().deleteAllCookies();
    center.signIn(p.email(), p.password());
    center.submit(consentButton("develop"), "done=consent");
    assertThat(effect(running.postJson("/api/v1/decisions", ask, shop).body())).isEqualTo("permit");
    consentButton("develop").click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
        .until(d -> consentRow("develop").findElement(By.cssSelector("input[name=granted]")).getAttribute("value").equals("true"));
    assertThat(effect(running.postJson("/api/v1/decisions", ask, shop).body())).isEqualTo("deny");
  }

  private WebElement consentRow(String purpose) {
    return browser.findElement(By.cssSelector("form[action='/account/consents'] input[name=purpose][value='" + purpose + "']")).findElement(By.xpath(".."));
  }

  private WebElement consentButton(String purpose) {
    return consentRow(purpose).findElement(By.tagName("button"));
  }

  private static String effect(String decision) throws Exception {
    return new ObjectMapper().readTree(decision).get("effect").asText();
  }

  @Test
  void aForgottenPasswordsLinkWorksOnceEndsEverySessionAndTheAnswerNeverSaysWhetherTheAddressIsRegistered() throws Exception {
    String email = registerOnThePage(email("forgot"), "Mary Jackson", "the first passphrase");
    center.signIn(email, "the first passphrase");
    String oldSession = browser.manage().getCookieNamed("pl_session").getValue();
    browser.manage().deleteAllCookies();

    String unknown = email("nobody");
    center.askForReset(unknown);
    String answerForUnknown = browser.findElement(By.tagName("main")).getText();
    center.askForReset(email);
    assertThat(browser.findElement(By.tagName("main")).getText()).isEqualTo(answerForUnknown).contains("If this address is registered");
    String link = center.resetLink(email, 1);
    assertThat(smtp.to(unknown)).isEmpty();
    assertThat(link).startsWith(running.uri("/account/reset/").toString());

    browser.get(link);
    center.fill("#rs-password", "the second passphrase");
    center.submit(browser.findElement(By.cssSelector("form[action^='/account/reset/'] button")), "done=reset");
    assertThat(running.get("/api/v1/me", "Cookie", "pl_session=" + oldSession).statusCode()).as("the session from before the reset").isEqualTo(401);
    center.signIn(email, "the second passphrase");

    // once only: the same link again changes nothing
    browser.manage().deleteAllCookies();
    browser.get(link);
    assertThat(browser.findElement(By.id("reset-invalid")).getText()).contains("does not work");
    assertThat(browser.findElements(By.id("rs-password"))).isEmpty();
    center.signIn(email, "the second passphrase");
  }

  @Test
  void aResetLinkPastItsLifetimeDoesNotWork() throws Exception {
    try (Running shortLived = new Running(withLifetime("PT2S"))) {
      PrivacyCenter other = new PrivacyCenter(shortLived, smtp, browser);
      browser.manage().deleteAllCookies();
      other.open("/account");
      String email = email("late");
      WebElement form = browser.findElement(By.cssSelector("form[action='/account/register']"));
      form.findElement(By.name("email")).sendKeys(email);
      form.findElement(By.name("password")).sendKeys("the first passphrase");
      other.submit(form.findElement(By.cssSelector("button[type=submit]")), "done=check-mail");
      Instant asked = other.askForReset(email);
      String link = other.resetLink(email, 1);
      long wait = Duration.between(Instant.now(), asked.plusMillis(2_500)).toMillis();
      if (wait > 0) {
        Thread.sleep(wait);
      }
      browser.get(link);
      assertThat(browser.getPageSource()).as(link).contains("id=\"reset-invalid\"").doesNotContain("id=\"rs-password\"");
      other.signIn(email, "the first passphrase");
    }
  }

  private Map<String, String> withLifetime(String lifetime) {
    Map<String, String> config = new HashMap<>(smtp.config());
    config.put("auth.password_reset.lifetime", lifetime);
    return config;
  }

  @Test
  void erasingAnAccountNeedsTheConfirmationStep() throws Exception {
    String email = registerOnThePage(email("erase"), "Annie Easley", "centaur rocket code");
    center.signIn(email, "centaur rocket code");
    center.submit(browser.findElement(By.id("erase-start")), "/account/erase");
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("cannot be undone");
    // a post without the box ticked (the browser's own check taken away) erases nothing and says why
    ((JavascriptExecutor) browser).executeScript("document.getElementById('erase-confirm').removeAttribute('required');");
    browser.findElement(By.cssSelector("form[action='/account/erase'] button")).click();
    WebElement error = new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector(".error")).stream().findFirst().orElse(null));
    assertThat(error.getText()).contains("Tick the box");
    center.open("/account");
    assertThat(browser.findElement(By.id("values")).getText()).contains("Annie Easley");

    center.open("/account/erase");
    browser.findElement(By.id("erase-confirm")).click();
    center.submit(browser.findElement(By.cssSelector("form[action='/account/erase'] button")), "done=erased");
    assertThat(browser.findElement(By.cssSelector(".done")).getText()).contains("erased");
    center.fill("#si-email", email);
    center.fill("#si-password", "centaur rocket code");
    browser.findElement(By.cssSelector("form[action='/account/sign-in'] button")).click();
    assertThat(new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector(".error")).stream().findFirst().orElse(null)).getText())
        .contains("not right");
  }

  @Test
  void C21_C22_whatIsOffBecauseOfADeclinedFieldOrRefusedCookiesIsSaidInASentence() {
    String email = registerOnThePage(email("declined"), null, "no name given here");
    center.open("/privacy/cookies");
    center.submit(browser.findElement(By.id("refuse-all")), "saved=1");
    center.signIn(email, "no name given here");
    String off = browser.findElement(By.id("off")).getText();
    assertThat(off).contains("Plenary Mail is not available to you, because you have not given: Name.")
        .contains("You refused analytics cookies").contains("You refused preference cookies")
        .doesNotContain("C21").doesNotContain("C22").doesNotContain("user.");
  }

  @Test
  void atA360PixelWideScreenNoPageScrollsSidewaysAndEveryControlIsBigEnoughToTouch() throws Exception {
    browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", 360, "height", 740, "deviceScaleFactor", 2, "mobile", true));
    List<String> seen = new ArrayList<>();
    try {
      center.tour(page -> {
        seen.add(page);
        assertThat(((Number) ((JavascriptExecutor) browser).executeScript("return window.innerWidth;")).intValue()).isEqualTo(360);
        assertThat(center.scrollsSideways()).as("%s scrolls sideways at 360 px", page).isFalse();
        @SuppressWarnings("unchecked")
        List<String> small = (List<String>) ((JavascriptExecutor) browser).executeScript(
            "return [...document.querySelectorAll('main button, main select, main input:not([type=hidden]):not([type=checkbox])')]"
                + ".filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80));");
        assertThat(small).as("%s: controls under 44 px high", page).isEmpty();
      });
    } finally {
      browser.executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    }
    assertThat(seen).hasSize(14);
  }

  @Test
  void germanIsShownToABrowserThatAsksForIt() throws Exception {
    ChromeDriver german = Browser.start("de-DE,de");
    try {
      PrivacyCenter de = new PrivacyCenter(running, smtp, german);
      PrivacyCenter.Person p = de.registeredByTheShop(de.shopKey());
      de.open("/account");
      assertThat(german.findElement(By.tagName("html")).getAttribute("lang")).isEqualTo("de");
      assertThat(german.findElement(By.tagName("h1")).getText()).isEqualTo("Ihr Datenschutzcenter");
      assertThat(german.findElement(By.cssSelector("form[action='/account/register'] button")).getText()).isEqualTo("Registrieren");
      de.signIn(p.email(), p.password());
      String page = german.findElement(By.tagName("main")).getText();
      assertThat(page).contains("Meine Daten").contains("Ihre Einwilligungen").contains("Entwicklung neuer Dienste").contains("Ihre Anträge")
          .doesNotContain("Your consents");
      de.open("/privacy/cookies");
      assertThat(german.findElement(By.id("refuse-all")).getText()).isEqualTo("Alle ablehnen");
      de.open("/account/forgot");
      assertThat(german.findElement(By.tagName("h1")).getText()).isEqualTo("Passwort vergessen");
    } finally {
      german.quit();
    }
    // and English where the browser asks for a language there is no translation for
    var french = running.get("/account", "Accept-Language", "fr-FR,fr;q=0.9");
    assertThat(french.body()).contains("<html lang=\"en\">").contains("Your privacy center");
    assertThat(french.headers().firstValue("Content-Language")).hasValue("en");
  }
}
