package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A new policy version in a real Chromium (C36): once a version with a new purpose is published and its
 * effective date has come, the person's next visit to the privacy center shows what changed and asks for
 * their consent; the purpose stays denied through the API until they give it. The policy page shows every
 * version and what changed, in words and without the policy's internal names.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PolicyChangePageTest {
  private final ObjectMapper json = new ObjectMapper();
  private final MutableClock clock = MutableClock.startingNow();
  private Running running;
  private ChromeDriver browser;

  @BeforeAll
  void start() throws Exception {
    running = Running.on("h2", Map.of(), clock);
    browser = Browser.start();
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    running.close();
  }

  @Test
  void C36_afterANewPurposeTakesEffectTheNextVisitShowsTheChangeAndAsksForConsent() throws Exception {
    String mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    String officer = running.platform.issuer().issue(o.id(), Duration.ofDays(30));
    String email = "change." + System.nanoTime() + "@example.org";
    var registered = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ines\"},\"password\":\"a long passphrase of hers\"}",
        mail);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String id = json.readTree(registered.body()).get("id").asText();
    String read = "/api/v1/subjects/" + id + "?purpose=personalise&fields=email";

    LocalDate tomorrow = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1);
    var published = running.postJson("/api/v1/policy/versions", json.writeValueAsString(Map.of("policy", PolicyTexts.withNewPurpose(2),
        "effective", tomorrow.toString())), officer);
    assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
    clock.advance(Duration.ofDays(1).plusMinutes(1));
    assertThat(running.get(read, "Authorization", "Bearer " + mail).statusCode()).isEqualTo(403);

    browser.manage().deleteAllCookies();
    browser.get(running.uri("/account").toString());
    var signIn = browser.findElement(By.cssSelector("form[action='/account/sign-in']"));
    signIn.findElement(By.name("email")).sendKeys(email);
    signIn.findElement(By.name("password")).sendKeys("a long passphrase of hers");
    signIn.findElement(By.cssSelector("button")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).withMessage(() -> browser.getCurrentUrl() + "\n" + browser.findElement(By.tagName("body")).getText())
        .until(d -> d.getCurrentUrl().contains("/account/policy-changes"));
    String page = browser.findElement(By.tagName("main")).getText();
    assertThat(page).contains("Our privacy policy changed").contains("Version 2").contains("Personalising what our services show you")
        .doesNotContain("personalise").doesNotContain("C36");
    // the prompt is a page of the privacy center like the others: axe-core finds no serious or critical violation on it
    assertThat(PrivacyCenterAccessibilityTest.seriousViolations(browser, Files.readString(PrivacyCenterAccessibilityTest.AXE))).as("axe-core on the prompt")
        .isEmpty();

    // putting it off changes nothing: the purpose stays denied
    browser.findElement(By.cssSelector("button[value=later]")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("later=1"));
    assertThat(running.get(read, "Authorization", "Bearer " + mail).statusCode()).isEqualTo(403);

    // the next visit asks again; the person consents
    browser.get(running.uri("/account").toString());
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("/account/policy-changes"));
    browser.findElement(By.cssSelector("input[name=purpose][value=personalise]")).click();
    browser.findElement(By.cssSelector("button[value=agree]")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("done=policy"));
    assertThat(running.get(read, "Authorization", "Bearer " + mail).statusCode()).isEqualTo(200);

    // and is not asked again
    browser.get(running.uri("/account").toString());
    assertThat(browser.getCurrentUrl()).doesNotContain("policy-changes");

    // the policy page: the version in force, its history and what changed, in words
    browser.get(running.uri("/policy").toString());
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("Version 2").contains("Personalising what our services show you")
        .doesNotContain("C15");
    browser.findElement(By.linkText("Version 2")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().endsWith("/policy/versions/2"));
    assertThat(browser.findElement(By.cssSelector("ul.changes")).getText()).contains("A new purpose: Personalising what our services show you")
        .doesNotContain("personalise");
  }
}
