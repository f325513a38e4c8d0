package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Password guessing through every sign-in path meets one throttle, also when the guesses come at once (C6). A server per test: the throttle remembers. */
class SignInThrottleHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private String mail;

  @BeforeEach
  void start() throws Exception {
    running = new Running();
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
  }

  @AfterEach
  void stop() {
    running.close();
  }

  private String register(String email, String password) throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ida\"},\"password\":\"" + password + "\"}", mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json.readTree(r.body()).get("id").asText();
  }

  private int apiSignIn(String email, String password) throws Exception {
    return running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null).statusCode();
  }

  /** Signs in through the form the way a browser does: the page first (its cookies and CSRF token), then the post. */
  static HttpResponse<String> formSignIn(Running running, String email, String password) throws Exception {
    HttpResponse<String> page = running.get("/account");
    String cookies = String.join("; ", page.headers().allValues("Set-Cookie").stream().map(c -> c.substring(0, c.indexOf(';'))).toList());
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(csrf.find()).as(page.body()).isTrue();
    String form = "csrf=" + enc(csrf.group(1)) + "&email=" + enc(email) + "&password=" + enc(password);
    return running.send("POST", "/account/sign-in", "application/x-www-form-urlencoded", form, "Cookie", cookies);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void C6_fiftyWrongPasswordsAtOnceMeetTheThrottle() throws Exception {
    String email = "ida." + System.nanoTime() + "@example.org";
    register(email, "the right passphrase");
    var pool = Executors.newFixedThreadPool(50);
    List<Callable<Integer>> guesses = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      int n = i;
      guesses.add(() -> apiSignIn(email, "guess number " + n));
    }
    Map<Integer, Long> statuses = new TreeMap<>();
    for (var f : pool.invokeAll(guesses)) {
      statuses.merge(f.get(), 1L, Long::sum);
    }
    pool.shutdown();
    // no more guesses are checked than the account allows, however many arrive together
    assertThat(statuses).containsOnlyKeys(401, 429).containsEntry(401, 5L).containsEntry(429, 45L);
    assertThat(apiSignIn(email, "the right passphrase")).isEqualTo(429);
  }

  @Test
  void C6_anAccountAtTheLimitThroughTheApiIsRefusedThroughTheFormToo() throws Exception {
    String email = "ada." + System.nanoTime() + "@example.org";
    register(email, "the right passphrase");
    for (int i = 0; i < 5; i++) {
      assertThat(apiSignIn(email, "guess number " + i)).isEqualTo(401);
    }
    assertThat(apiSignIn(email, "the right passphrase")).isEqualTo(429);
    HttpResponse<String> form = formSignIn(running, email, "the right passphrase");
    assertThat(form.statusCode()).isEqualTo(429);
    assertThat(form.headers().firstValue("Retry-After")).isPresent();
    assertThat(form.headers().firstValue("Set-Cookie").orElse("")).doesNotContain("pl_session=");
  }

  @Test
  void C6_theRightPasswordWithinTheLimitSignsInThroughEitherPath() throws Exception {
    String email = "grace." + System.nanoTime() + "@example.org";
    register(email, "the right passphrase");
    assertThat(apiSignIn(email, "a wrong guess")).isEqualTo(401);
    assertThat(formSignIn(running, email, "the right passphrase").statusCode()).isEqualTo(303);
    assertThat(apiSignIn(email, "the right passphrase")).isEqualTo(200);
  }

  @Test
  void C6_guessingTheCurrentPasswordOnThePasswordFormMeetsTheThrottleToo() throws Exception {
    String email = "ida." + System.nanoTime() + "@example.org";
    register(email, "the right passphrase");
    HttpResponse<String> signedIn = running.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"the right passphrase\"}", null);
    assertThat(signedIn.statusCode()).isEqualTo(200);
    String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    String csrf = json.readTree(signedIn.body()).get("csrf").asText();
    Map<Integer, Long> statuses = new TreeMap<>();
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> r = running.send("POST", "/account/password", "application/x-www-form-urlencoded",
          "csrf=" + enc(csrf) + "&current_password=" + enc("guess number " + i) + "&password=" + enc("a brand new passphrase"), "Cookie", cookie);
      statuses.merge(r.statusCode(), 1L, Long::sum);
      if (r.statusCode() == 429) {
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
      }
    }
    // as many wrong guesses as a sign-in allows, then refusals without a check
    assertThat(statuses).containsEntry(400, 5L).containsEntry(429, 3L);
    // the right one is refused too while the limit holds: no guess gets through by being right
    HttpResponse<String> right = running.send("POST", "/account/password", "application/x-www-form-urlencoded",
        "csrf=" + enc(csrf) + "&current_password=" + enc("the right passphrase") + "&password=" + enc("a brand new passphrase"), "Cookie", cookie);
    assertThat(right.statusCode()).isEqualTo(429);
  }
}
