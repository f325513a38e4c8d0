package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests that break HTTP itself, sent over a raw socket: whatever Jetty's parser or the body reader
 * refuses is a 4xx {@code application/problem+json} (never Jetty's HTML page), and is logged at most
 * as one WARN line, never as an ERROR with a stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpEdgeTest {
  private static final byte[] BAD_CHUNKS = "zz\r\nhello\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
  private final ObjectMapper json = new ObjectMapper();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private Running running;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  @BeforeEach
  void listen() {
    logged.list.clear();
    logged.start();
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logged);
  }

  @AfterEach
  void unlisten() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
  }

  private RawHttp.Response send(String head, byte[] body) throws Exception {
    return RawHttp.exchange(running.server.port(), head, body);
  }

  private void assertProblem(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(json.readTree(r.body()).get("status").asInt()).isEqualTo(status);
  }

  private void assertProblem(RawHttp.Response r, int status) throws Exception {
    assertThat(r.status()).as(r.head()).isEqualTo(status);
    assertThat(r.contentType()).as(r.head()).startsWith("application/problem+json");
    JsonNode p = json.readTree(r.body());
    assertThat(p.get("status").asInt()).isEqualTo(status);
    assertThat(p.get("type").asText()).startsWith("/problems/");
    assertThat(p.get("title").asText()).isNotBlank();
    assertThat(r.body()).doesNotContainIgnoringCase("jetty").doesNotContain("<html").doesNotContain("Exception");
    assertThat(r.headers()).doesNotContainKey("server");
    assertThat(r.headers().get("x-content-type-options")).isEqualTo("nosniff");
    assertThat(p.get("instance").asText()).isEqualTo("urn:request:" + r.headers().get("x-request-id"));
  }

  /** Nothing above WARN was logged, no WARN carries a stack trace, and there is at most {@code warns} WARN lines. */
  private void assertLoggedAtMostWarnLines(int warns) {
    List<ILoggingEvent> loud = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList();
    assertThat(loud).as("log events at WARN or above").allSatisfy(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.WARN);
      assertThat(e.getThrowableProxy()).as("a stack trace with: " + e.getFormattedMessage()).isNull();
      assertThat(e.getFormattedMessage()).doesNotContain("\n");
    }).hasSizeLessThanOrEqualTo(warns);
  }

  @Test
  void aBrowserAskingForAPageThatDoesNotExistGetsAPageInItsLanguageAndAProgramGetsAProblem() throws Exception {
    String html = "text/html,application/xhtml+xml,*/*;q=0.8";
    HttpResponse<String> page = running.get("/account/no-such-page", "Accept", html);
    assertThat(page.statusCode()).isEqualTo(404);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.body()).contains("Page not found").contains("<a href=\"/account\">")
        .contains(page.headers().firstValue("X-Request-Id").orElseThrow()).doesNotContain("/problems/");
    HttpResponse<String> german = running.get("/console/no-such-page", "Accept", html, "Accept-Language", "de-DE,de;q=0.9");
    assertThat(german.statusCode()).isEqualTo(404);
    assertThat(german.body()).contains("Seite nicht gefunden").contains("lang=\"de\"");
    // a page of its own stays as it is: an unsubscribe link that is not valid says so
    HttpResponse<String> link = running.get("/unsubscribe/not-a-token", "Accept", html);
    assertThat(link.statusCode()).isEqualTo(404);
    assertThat(link.body()).contains("This unsubscribe link is not valid");
    // programs get problem+json: the API whatever they accept, and anything without text/html in Accept
    assertProblem(running.get("/api/v1/no-such-thing", "Accept", html), 404);
    assertProblem(running.get("/account/no-such-page"), 404);
    assertProblem(running.send("POST", "/account/no-such-page", "application/x-www-form-urlencoded", "a=b", "Accept", html), 404);
  }

  @Test
  void aMalformedChunkedBodyIsA400ProblemAndNoErrorInTheLog() throws Exception {
    for (String path : List.of("/api/v1/session", "/collect", "/privacy/cookie-choices")) {
      assertProblem(send("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", BAD_CHUNKS), 400);
    }
    assertProblem(send("POST /account/sign-in HTTP/1.1\r\nHost: localhost\r\nCookie: pl_bid=" + "b".repeat(22)
        + "\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked", BAD_CHUNKS), 400);
    assertLoggedAtMostWarnLines(4);
  }

  @Test
  void aBodyJustOverTheLimitSentWithoutAskingFirstGetsThe413NotAReset() throws Exception {
    // a client that does not ask "Expect: 100-continue" sends its whole body; the answer must reach it every time
    String big = "{\"email\":\"" + "x".repeat(1_048_576 + 10) + "\"}";
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = running.postJson("/api/v1/session", big, null);
      assertThat(r.statusCode()).isEqualTo(413);
      assertThat(json.readTree(r.body()).get("type").asText()).isEqualTo("/problems/too-large");
    }
  }

  @Test
  void aBodyThatEndsBeforeItsLengthIsA400Problem() throws Exception {
    assertProblem(send("POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100",
        "{\"email\":".getBytes(StandardCharsets.UTF_8)), 400);
    assertLoggedAtMostWarnLines(1);
  }

  @Test
  void multipartThatIsNotMultipartOnTheAccountFormsIsA400Problem() throws Exception {
    String csrf = "c".repeat(43);
    for (String form : List.of("/account/sign-in", "/account/register", "/account/correct", "/account/consents", "/account/erase", "/account/sign-out")) {
      for (String type : List.of("multipart/form-data; boundary=xyz", "multipart/form-data")) {
        RawHttp.Response r = send("POST " + form + " HTTP/1.1\r\nHost: localhost\r\nCookie: pl_bid=" + csrf + "; pl_session=nope\r\nContent-Type: " + type
            + "\r\nContent-Length: 11", "hello world".getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(form + " " + type).isBetween(400, 499);
        assertThat(r.contentType()).as(form + " " + type).startsWith("application/problem+json");
      }
    }
    assertProblem(send("POST /account/sign-in HTTP/1.1\r\nHost: localhost\r\nCookie: pl_bid=" + csrf + "\r\nContent-Type: multipart/form-data; boundary=xyz"
        + "\r\nContent-Length: 11", "hello world".getBytes(StandardCharsets.UTF_8)), 400);
    assertLoggedAtMostWarnLines(12);
  }

  @Test
  void aNulOrBadUtf8InThePathIsA400Problem() throws Exception {
    for (String path : List.of("/api/v1/subjects/%00", "/api/v1/subjects/a%00b", "/api/v1/subjects/%C3%28", "/api/v1/%FF", "/account/%C3%28", "/%00")) {
      assertProblem(send("GET " + path + " HTTP/1.1\r\nHost: localhost", new byte[0]), 400);
    }
    assertLoggedAtMostWarnLines(0);
  }

  @Test
  void aUriTooLongIs414Problem() throws Exception {
    assertProblem(send("GET /api/v1/subjects/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: localhost", new byte[0]), 414);
    assertProblem(send("GET /api/v1/policy?purpose=" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: localhost", new byte[0]), 414);
  }

  @Test
  void headersTooLargeAre431Problem() throws Exception {
    assertProblem(send("GET /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(20_000), new byte[0]), 431);
    assertProblem(send("GET /api/v1/whoami HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + "b".repeat(20_000), new byte[0]), 431);
  }

  @Test
  void requestsTheParserCannotReadAreProblemsToo() throws Exception {
    assertProblem(send("GET /api/v1/policy HTTP/1.1", new byte[0]), 400); // no Host
    assertProblem(send("GARBAGE", new byte[0]), 400);
    assertProblem(send("GET /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc", new byte[0]), 400);
    assertProblem(send("POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked", BAD_CHUNKS), 400);
    assertProblem(send("GET /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nBad Header Name: x", new byte[0]), 400);
    assertProblem(send("GET /api/v1/policy HTTP/9.9\r\nHost: localhost", new byte[0]), 505);
    RawHttp.Response star = send("OPTIONS * HTTP/1.1\r\nHost: localhost", new byte[0]);
    assertProblem(star, star.status());
    assertThat(star.status()).isBetween(400, 499);
    assertProblem(send("GET /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nHost: other", new byte[0]), 400);
    assertProblem(send("GET /api/v1/policy HTTP/1.1\r\nHost: localhost\r\nX-Nul: a\u0000b", new byte[0]), 400);
  }

  @Test
  void theServerStillAnswersAfterwards() throws Exception {
    send("POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", BAD_CHUNKS);
    RawHttp.Response ok = send("GET /health/live HTTP/1.1\r\nHost: localhost", new byte[0]);
    assertThat(ok.status()).isEqualTo(200);
  }
}
