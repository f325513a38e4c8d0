package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The forms before sign-in carry a CSRF token bound to the browser (its pl_bid cookie) under a server key: a pair an attacker picks is refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountFormCsrfTest {
  private static final String CHOSEN = "A".repeat(43);
  private Running running;
  private String email;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    String mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    email = "ada." + System.nanoTime() + "@example.org";
    HttpResponse<String> r = running.postJson("/api/v1/subjects",
        "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},\"password\":\"the right passphrase\"}", mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @AfterAll
  void stop() {
    running.close();
  }

  private HttpResponse<String> signIn(String cookies, String csrf) throws Exception {
    String form = "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8) + "&email=" + URLEncoder.encode(email, StandardCharsets.UTF_8)
        + "&password=the+right+passphrase";
    return running.send("POST", "/account/sign-in", "application/x-www-form-urlencoded", form, "Cookie", cookies);
  }

  private void assertCsrfProblem(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(new ObjectMapper().readTree(r.body()).get("type").asText()).isEqualTo("/problems/csrf");
    assertThat(r.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("pl_session=") && !c.startsWith("pl_session=;"));
  }

  @Test
  void C29_aCookieAndFormPairTheAttackerChoseIsRefused() throws Exception {
    assertCsrfProblem(signIn("pl_csrf=" + CHOSEN, CHOSEN));
    assertCsrfProblem(signIn("pl_csrf=" + CHOSEN + "; pl_bid=" + CHOSEN.substring(0, 22), CHOSEN));
    assertCsrfProblem(signIn("pl_bid=" + CHOSEN.substring(0, 22), CHOSEN.substring(0, 22)));
    assertCsrfProblem(signIn("", CHOSEN));
  }

  @Test
  void C29_theTokenOfOneBrowserDoesNotServeAnother() throws Exception {
    HttpResponse<String> page = running.get("/account");
    String token = page.body().replaceAll("(?s).*name=\"csrf\" value=\"([^\"]+)\".*", "$1");
    HttpResponse<String> other = running.get("/account");
    String otherCookies = String.join("; ", other.headers().allValues("Set-Cookie").stream().map(c -> c.substring(0, c.indexOf(';'))).toList());
    assertCsrfProblem(signIn(otherCookies, token));
  }

  @Test
  void C6_theRealFormSignsIn() throws Exception {
    HttpResponse<String> r = SignInThrottleHttpTest.formSignIn(running, email, "the right passphrase");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/account?done=signed-in");
  }
}
