package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the privacy center's page tests share: a person made through the API, the forms filled in a
 * real Chromium, the reset link read from the mail GreenMail received, and a tour of every page of the
 * privacy center (each handed to a check: no horizontal scrolling at 360 px, axe-core, …).
 */
final class PrivacyCenter {
  private static final Pattern RESET_LINK = Pattern.compile("https?://[^\\s]+/account/reset/[A-Za-z0-9_-]{43}");

  final Running running;
  final SmtpServer smtp;
  final ChromeDriver browser;

  PrivacyCenter(Running running, SmtpServer smtp, ChromeDriver browser) {
    this.running = running;
    this.smtp = smtp;
    this.browser = browser;
  }

  /** A person registered by the shop through the API (email, name, address, a password); answers their id. */
  record Person(String id, String email, String password) {}

  Person registeredByTheShop(String shopKey) throws Exception {
    String email = "center." + System.nanoTime() + "@example.org";
    String password = "a long passphrase of hers";
    var r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Grace Hopper\",\"address\":\"1 Harbour Row\"},\"password\":\"" + password + "\"}", shopKey);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new Person(new ObjectMapper().readTree(r.body()).get("id").asText(), email, password);
  }

  String shopKey() {
    return running.serviceKey("shop");
  }

  void open(String path) {
    browser.get(running.uri(path).toString());
  }

  /** Clicks a submit button and waits for the next page's address to contain {@code expected} (or fails with the page's text). */
  void submit(WebElement button, String expected) {
    String before = browser.getCurrentUrl();
    WebElement html = browser.findElement(By.tagName("html"));
    // out from under the cookie banner, which sits at the bottom of the window until a choice is made
    browser.executeScript("arguments[0].scrollIntoView({block: 'center'});", button);
    button.click();
    new WebDriverWait(browser, Duration.ofSeconds(15)).withMessage(() -> browser.getCurrentUrl() + "\n" + browser.findElement(By.tagName("body")).getText())
        .until(d -> {
          boolean reloaded = !before.equals(d.getCurrentUrl()) || isStale(html);
          return reloaded && d.getCurrentUrl().contains(expected);
        });
  }

  private static boolean isStale(WebElement e) {
    try {
      e.isDisplayed();
      return false;
    } catch (StaleElementReferenceException gone) {
      return true;
    }
  }

  void fill(String css, String value) {
    WebElement e = browser.findElement(By.cssSelector(css));
    e.clear();
    e.sendKeys(value);
  }

  void signIn(String email, String password) {
    open("/account");
    fill("#si-email", email);
    fill("#si-password", password);
    submit(browser.findElement(By.cssSelector("form[action='/account/sign-in'] button")), "done=signed-in");
  }

  /** Asks for a reset link on the forgotten-password page; answers a time after the link was made (its answer came back). */
  Instant askForReset(String email) {
    open("/account/forgot");
    fill("#fg-email", email);
    submit(browser.findElement(By.cssSelector("form[action='/account/forgot'] button")), "sent=1");
    return Instant.now();
  }

  /** The newest reset link mailed to {@code email}, waiting up to 20 s for the {@code n}-th such mail. */
  String resetLink(String email, int n) throws Exception {
    Instant until = Instant.now().plusSeconds(20);
    while (Instant.now().isBefore(until)) {
      List<String> links = smtp.to(email).stream().map(PrivacyCenter::text).map(RESET_LINK::matcher).filter(Matcher::find).map(Matcher::group).toList();
      if (links.size() >= n) {
        return links.get(links.size() - 1);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no reset link was mailed to the address within 20 s; mails: " + smtp.to(email).size());
  }

  private static String text(MimeMessage m) {
    try {
      return text((Part) m);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String text(Part p) throws Exception {
    Object content = p.getContent();
    if (content instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    if (content instanceof Multipart mp) {
      for (int i = 0; i < mp.getCount(); i++) {
        BodyPart b = mp.getBodyPart(i);
        out.append(text(b)).append('\n');
      }
    }
    return out.toString();
  }

  /** Whether the page is wider than the window (it would scroll sideways). */
  boolean scrollsSideways() {
    Object wider = ((JavascriptExecutor) browser).executeScript(
        "return document.documentElement.scrollWidth > window.innerWidth || document.body.scrollWidth > window.innerWidth;");
    return Boolean.TRUE.equals(wider);
  }

  /**
   * Visits every page of the privacy center, each in the state a person meets it, and hands each to
   * {@code check} with its name: before sign-in, a refused registration (the form kept), the forgotten
   * password and its answer, the reset link's page, the cookie choices, and — signed in, with a service's
   * request for consent waiting and a message sent — the home page with and without the messages' text,
   * the readable export, the password and the erasure pages.
   */
  void tour(Consumer<String> check) throws Exception {
    String shop = shopKey();
    Person p = registeredByTheShop(shop);
    var asked = running.postJson("/api/v1/subjects/" + p.id() + "/consent-requests",
        "{\"purpose\":\"develop\",\"reason\":\"We would like to try a new gift list with you.\"}", shop);
    assertThat(asked.statusCode()).as(asked.body()).isEqualTo(201);
    browser.manage().deleteAllCookies();

    open("/account");
    check.accept("sign in or register");
    ((JavascriptExecutor) browser).executeScript("document.querySelector(\"form[action='/account/register']\").noValidate = true;");
    fill("form[action='/account/register'] input[name=email]", "not an address");
    fill("#rg-password", "short");
    browser.findElement(By.cssSelector("form[action='/account/register'] button")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> !d.findElements(By.cssSelector(".error")).isEmpty());
    check.accept("a refused registration");

    open("/account/forgot");
    check.accept("forgotten password");
    askForReset(p.email());
    check.accept("forgotten password, link sent");
    open(resetLink(p.email(), 1).replaceFirst("https?://[^/]+", ""));
    assertThat(browser.findElements(By.id("rs-password"))).isNotEmpty();
    check.accept("reset link");

    open("/privacy/cookies");
    check.accept("cookie choices");

    open("/policy");
    check.accept("the policy in force and its versions");
    open("/policy/versions/1");
    check.accept("one version of the policy");
    open("/account/no-such-page");
    assertThat(browser.findElement(By.tagName("h1")).getText()).isNotBlank();
    check.accept("a page that does not exist");

    signIn(p.email(), p.password());
    running.get("/api/v1/me/export", "Cookie", "pl_session=" + browser.manage().getCookieNamed("pl_session").getValue());
    open("/account");
    assertThat(browser.findElements(By.cssSelector("#consent-requests .ask"))).isNotEmpty();
    check.accept("my data");
    open("/account?text=1");
    check.accept("my data, with the messages' text");
    open("/account/export");
    check.accept("everything we hold");
    open("/account/password");
    check.accept("change password");
    open("/account/erase");
    check.accept("erase, the confirmation step");
  }
}
