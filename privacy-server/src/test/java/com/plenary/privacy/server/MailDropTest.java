package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * With no SMTP server configured (the embedded default, {@code plenary serve --demo}), messages are
 * kept as {@code .eml} files in {@code data_dir/mail-drop}, readable by their owner only; and the
 * outbox itself holds neither the address nor the text in plain (C16, C29).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MailDropTest {
  private final ObjectMapper json = new ObjectMapper();
  private Running running;
  private String shop;

  @BeforeAll
  void start() throws Exception {
    running = new Running();
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
  }

  @AfterAll
  void stop() {
    running.close();
  }

  @Test
  void C16_withoutSmtpAMessageIsAnOwnerOnlyEmlFileInTheMailDropAndTheOutboxHoldsNothingInPlain() throws Exception {
    String email = "drop" + System.nanoTime() + "@example.org";
    var reg = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\",\"address\":\"1 Analytical Way\"}}", shop);
    assertThat(reg.statusCode()).as(reg.body()).isEqualTo(201);
    String person = json.readTree(reg.body()).get("id").asText();
    var r = running.postJson("/api/v1/messages", json.writeValueAsString(Map.of("subject_id", person, "kind", "service", "purpose", "provide",
        "subject", "Zanzibar notice", "body", "Quixotic body text")), shop);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    String id = json.readTree(r.body()).get("id").asText();
    Path file = running.dir.resolve("mail-drop").resolve(id + ".eml");
    long end = System.nanoTime() + 10_000_000_000L;
    while (!Files.exists(file) && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    String eml = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(eml).contains("To: " + email).contains("Subject: Zanzibar notice").contains("Message-ID: <" + id + "@plenary.invalid>")
        .contains("List-Unsubscribe: <http://127.0.0.1:" + running.server.port() + "/unsubscribe/").contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));

    // the outbox row, read as the database holds it: no address, no subject, no body
    try (Connection c = DriverManager.getConnection(running.platform.config().databaseUrl(), "sa", "");
        ResultSet rs = c.createStatement().executeQuery("SELECT * FROM message_outbox WHERE id = '" + id + "'")) {
      assertThat(rs.next()).isTrue();
      StringBuilder row = new StringBuilder();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        Object v = rs.getObject(i);
        row.append(v instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(v)).append('|');
      }
      for (String plain : List.of(email, "Zanzibar", "Quixotic")) {
        assertThat(row.toString()).doesNotContain(plain);
      }
    }
  }
}
