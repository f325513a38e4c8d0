package com.plenary.privacy.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.server.PlenaryServer;
import com.plenary.privacy.store.Credentials;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The client against a real platform on a free port; retries and timeouts against real sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlenaryClientTest {
  private Platform platform;
  private PlenaryServer server;
  private PlenaryClient mail;

  @BeforeAll
  void start() throws Exception {
    platform = Platform.open(Config.load(null, Map.of(), Map.of("data_dir", Files.createTempDirectory("plenary-client").toString(),
        "server.port", "0", "server.host", "127.0.0.1")), Clock.systemUTC());
    server = PlenaryServer.start(platform);
    String key = platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    mail = PlenaryClient.builder(URI.create("http://127.0.0.1:" + server.port())).serviceKey(key).build();
  }

  @AfterAll
  void stop() {
    server.stop();
    platform.close();
  }

  @Test
  void C2_C14_registersAPersonAndReadsTheirFieldsForAPurpose() {
    var reg = mail.register(Map.of("email", "client." + System.nanoTime() + "@example.org", "name", "Ada"), null);
    assertThat(reg.id()).startsWith("s-");
    assertThat(reg.declined()).contains("phone");
    var read = mail.read(reg.id(), "provide", "name");
    assertThat(read.fields()).containsEntry("name", "Ada");
    assertThat(read.clauses()).contains("C14");
  }

  @Test
  void C19_aDenialComesBackWithItsClausesAndRules() {
    var reg = mail.register(Map.of("email", "deny." + System.nanoTime() + "@example.org", "name", "Bo"), null);
    PolicyDeniedException e = catchThrowableOfType(PolicyDeniedException.class, () -> mail.read(reg.id(), "develop"));
    assertThat(e.clauses()).contains("C19");
    assertThat(e.rules()).contains("service-consented-use");
  }

  @Test
  void C2_invalidInputNamesTheField() {
    InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
        () -> mail.register(Map.of("email", "x@example.org", "name", "X", "favourite_colour", "blue"), null));
    assertThat(e.field()).isEqualTo("favourite_colour");
  }

  @Test
  void C3_recordsEventsAndAsksForDecisions() {
    var reg = mail.register(Map.of("email", "ev." + System.nanoTime() + "@example.org", "name", "Cy"), null);
    long before = platform.vault().usage().count();
    assertThat(mail.recordEvents(List.of(Map.of("subject", reg.id(), "type", "open", "page", "https://mail.example/inbox")))).isEqualTo(1);
    assertThat(platform.vault().usage().count()).isEqualTo(before + 1);
    var d = mail.decide("read", "provide", reg.id(), List.of("user.contact.email"));
    assertThat(d.permits()).isTrue();
    assertThat(d.rules()).containsExactly("service-declared-use");
    assertThat(mail.decide("use", "develop", reg.id(), List.of("user.contact.email")).permits()).isFalse();
  }

  @Test
  void retriesWhileThePlatformRefusesConnectionsThenSucceeds() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    HttpServer late = HttpServer.create();
    late.createContext("/api/v1/decisions", ex -> {
      byte[] b = "{\"effect\":\"permit\",\"permitted\":[],\"rules\":[],\"clauses\":[],\"obligations\":[]}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    PlenaryClient client = PlenaryClient.builder(URI.create("http://127.0.0.1:" + port)).serviceKey("pls_x").retries(6).backoff(Duration.ofMillis(100)).build();
    Thread starter = new Thread(() -> {
      try {
        Thread.sleep(400);
        late.bind(new InetSocketAddress("127.0.0.1", port), 0);
        late.start();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    starter.start();
    try {
      assertThat(client.decide("read", "provide", null, List.of("user.name")).permits()).isTrue();
    } finally {
      starter.join();
      late.stop(0);
    }
  }

  @Test
  void honoursServiceUnavailableWithRetryAfterAndGivesUpAfterItsRetries() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer busy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    busy.createContext("/", ex -> {
      calls.incrementAndGet();
      byte[] b = "{\"type\":\"/problems/overloaded\",\"status\":503,\"detail\":\"behind\"}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/problem+json");
      ex.getResponseHeaders().add("Retry-After", "0");
      ex.sendResponseHeaders(503, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    busy.start();
    try {
      PlenaryClient client = PlenaryClient.builder(URI.create("http://127.0.0.1:" + busy.getAddress().getPort())).serviceKey("pls_x")
          .retries(2).backoff(Duration.ofMillis(10)).build();
      PlenaryClientException e = catchThrowableOfType(PlenaryClientException.class, () -> client.recordEvents(List.of(Map.of("subject", "s-1"))));
      assertThat(e.status()).isEqualTo(503);
      assertThat(calls.get()).isEqualTo(3);
    } finally {
      busy.stop(0);
    }
  }

  @Test
  void aSlowPlatformTimesOut() throws Exception {
    HttpServer slow = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    slow.createContext("/", ex -> {
      try {
        Thread.sleep(2_000);
      } catch (InterruptedException ignored) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    slow.start();
    try {
      PlenaryClient client = PlenaryClient.builder(URI.create("http://127.0.0.1:" + slow.getAddress().getPort())).serviceKey("pls_x")
          .timeout(Duration.ofMillis(200)).retries(0).build();
      assertThatThrownBy(() -> client.register(Map.of("email", "t@example.org"), null)).isInstanceOf(PlenaryClientException.class)
          .hasMessageContaining("did not answer");
    } finally {
      slow.stop(0);
    }
  }
}
