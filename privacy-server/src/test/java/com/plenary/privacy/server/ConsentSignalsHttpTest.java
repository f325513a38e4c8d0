package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.ConsentRecords.Entry;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consent ledger's channels {@code banner} and {@code gpc} (C19, C20), through real HTTP on H2 and
 * PostgreSQL: a signed-in person's cookie choices are ledger entries with channel banner, and a
 * {@code Sec-GPC: 1} header on their request withdraws marketing and sharing with third parties (channel
 * gpc), keeping what it does not opt out of; a signal repeated writes nothing more.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class ConsentSignalsHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String shop;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private String[] person() throws Exception {
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"g." + System.nanoTime()
        + "@example.org\",\"name\":\"Gil\",\"address\":\"2 Signal Street\"}}", shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json.readTree(r.body()).get("id").asText();
    var s = running.platform.vault().startSession(id);
    return new String[] {id, "pl_session=" + s.getKey(), s.getValue().csrf()};
  }

  private List<Entry> ledger(String id) {
    return running.platform.vault().storage().inTransaction(w -> w.consents().ledger(id));
  }

  private List<String> described(String id) {
    return ledger(id).stream().map(e -> (e.granted() ? "+" : "-") + e.purpose() + (e.recipient() == null ? "" : ">" + e.recipient()) + "@" + e.channel())
        .toList();
  }

  private void choose(String[] p, boolean preferences, boolean analytics) throws Exception {
    HttpResponse<String> r = running.send("POST", "/privacy/cookie-choices", "application/json",
        "{\"preferences\":" + preferences + ",\"analytics\":" + analytics + "}", "Cookie", p[1]);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  @Test
  void C19_C20_theBannersChoicesOfASignedInPersonAreLedgerEntriesWithChannelBanner() throws Exception {
    String[] p = person();
    choose(p, true, true);
    assertThat(described(p[0])).containsExactlyInAnyOrder("+convenience@banner", "+improve.analytics@banner");
    choose(p, true, true);
    assertThat(ledger(p[0])).hasSize(2);
    choose(p, true, false);
    assertThat(described(p[0])).containsExactlyInAnyOrder("+convenience@banner", "+improve.analytics@banner", "-improve.analytics@banner");

    // before sign-in, the banner writes nothing to anyone's ledger
    HttpResponse<String> anonymous = running.send("POST", "/privacy/cookie-choices", "application/json", "{\"preferences\":true,\"analytics\":true}");
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(ledger(p[0])).hasSize(3);
  }

  @Test
  void C20_C24_globalPrivacyControlWithdrawsMarketingAndThirdPartySharingOnly() throws Exception {
    String[] p = person();
    for (String body : List.of("{\"purpose\":\"communicate.marketing\"}", "{\"purpose\":\"develop\",\"recipient\":\"adbroker\"}",
        "{\"purpose\":\"develop\",\"recipient\":\"mailer\"}", "{\"purpose\":\"develop\"}")) {
      HttpResponse<String> r = running.send("POST", "/api/v1/me/consents", "application/json", body, "Cookie", p[1], "X-CSRF-Token", p[2]);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
    assertThat(running.get("/account", "Cookie", p[1], "Sec-GPC", "1").statusCode()).isEqualTo(200);
    assertThat(described(p[0])).containsExactlyInAnyOrder("+communicate.marketing@api", "+develop>adbroker@api", "+develop>mailer@api", "+develop@api",
        "-communicate.marketing@gpc", "-develop>adbroker@gpc");
    // the signal again, on any request of theirs: nothing more is written
    assertThat(running.get("/api/v1/me/consents", "Cookie", p[1], "Sec-GPC", "1").statusCode()).isEqualTo(200);
    assertThat(ledger(p[0])).hasSize(6);
  }
}
