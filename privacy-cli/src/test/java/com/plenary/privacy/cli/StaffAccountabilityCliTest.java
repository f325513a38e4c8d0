package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.ActorKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plenary staff agreement}, {@code plenary grants} and {@code plenary incidents} (C32, C33), run in-process on real storage. */
class StaffAccountabilityCliTest {
  @TempDir
  Path dir;

  record Result(int code, String out, String err) {
    JsonNode json() throws Exception {
      return Output.JSON.readTree(out);
    }
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString()));
    all.addAll(List.of(args));
    int code = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  private Platform platform() {
    return Platform.open(Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString())), Clock.systemUTC());
  }

  @Test
  void C33_anAgreementIsRecordedWithItsDocumentAndExpiry() throws Exception {
    String id = run("staff", "add", "--name", "Nia", "--type", "contractor", "--role", "support", "--no-agreement", "--json").json().get("id").asText();
    Result half = run("staff", "agreement", id, "--document", "nda-2026.1");
    assertThat(half.code()).isEqualTo(2);
    assertThat(half.err()).contains("--document and --expires go together");
    Result past = run("staff", "agreement", id, "--document", "nda-2026.1", "--signed", "2026-01-05", "--expires", "2026-01-06");
    assertThat(past.code()).isEqualTo(2);
    Result filed = run("staff", "agreement", id, "--document", "nda-2026.1", "--signed", "2026-01-05", "--expires", "2099-01-01", "--json");
    assertThat(filed.code()).as(filed.err()).isZero();
    assertThat(filed.json().get("document_version").asText()).isEqualTo("nda-2026.1");
    assertThat(filed.json().get("in_force").asBoolean()).isTrue();
  }

  @Test
  void C32_grantsAreRequestedListedApprovedAndRejectedAtTheCommandLine() throws Exception {
    String id = run("staff", "add", "--name", "Gus", "--type", "employee", "--role", "support", "--json").json().get("id").asText();
    Result noWhy = run("grants", "request", id, "--role", "support", "--category", "user.contact", "--purpose", "communicate.respond", "--for", "PT8H",
        "--justification", "");
    assertThat(noWhy.code()).isEqualTo(2);
    assertThat(noWhy.err()).contains("justification");
    Result asked = run("grants", "request", id, "--role", "support", "--category", "user.contact", "--purpose", "communicate.respond", "--for", "PT8H",
        "--justification", "Ticket 12", "--json");
    assertThat(asked.code()).as(asked.err()).isZero();
    String grant = asked.json().get("id").asText();
    assertThat(asked.json().get("status").asText()).isEqualTo("requested");
    assertThat(run("grants", "list").out()).contains(grant);
    Result approved = run("grants", "approve", grant, "--json");
    assertThat(approved.code()).as(approved.err()).isZero();
    assertThat(approved.json().get("in_force").asBoolean()).isTrue();
    assertThat(run("grants", "approve", grant).code()).as("decided already").isEqualTo(1);
    assertThat(run("grants", "list", "--status", "approved", "--json").json().get("grants").toString()).contains(grant);
    String other = run("grants", "request", id, "--role", "support", "--category", "user.contact", "--purpose", "provide", "--for", "PT1H",
        "--justification", "Ticket 13", "--json").json().get("id").asText();
    assertThat(run("grants", "reject", other, "--json").json().get("status").asText()).isEqualTo("rejected");
    assertThat(run("grants", "list", "--status", "maybe").code()).isEqualTo(2);
  }

  @Test
  void C33_incidentsAreListedAndClosedWithAnOutcome() throws Exception {
    String staff = run("staff", "add", "--name", "Ida", "--type", "employee", "--role", "support", "--json").json().get("id").asText();
    try (Platform platform = platform()) {
      String ada = platform.domain().subjects().register(Access.service("mail", null), "mail", Map.of("email", "ada.cli@example.org", "name", "Ada"), null, null)
          .value().id();
      var denied = platform.domain().subjects().read(new Access(ActorKind.STAFF, staff, "rq-cli", null), ada, "communicate.respond", List.of("email"));
      assertThat(denied.permitted()).isFalse();
    }
    Result list = run("incidents", "list", "--status", "open", "--json");
    assertThat(list.code()).as(list.err()).isZero();
    JsonNode incident = list.json().get("incidents").get(0);
    assertThat(incident.get("staff").asText()).isEqualTo(staff);
    assertThat(list.out()).doesNotContain("ada.cli@example.org");
    String id = incident.get("id").asText();
    assertThat(run("incidents", "list").out()).contains(id).contains("staff-need-to-know");
    Result bad = run("incidents", "close", id, "--outcome", "promotion", "--note", "x");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("outcome");
    Result closed = run("incidents", "close", id, "--outcome", "disciplinary-referral", "--note", "Referred to HR", "--json");
    assertThat(closed.code()).as(closed.err()).isZero();
    assertThat(closed.json().get("outcome").asText()).isEqualTo("disciplinary-referral");
    assertThat(run("incidents", "close", id, "--outcome", "no-action", "--note", "again").code()).isEqualTo(1);
    assertThat(run("incidents", "list", "--status", "closed", "--json").json().get("incidents").toString()).contains(id);
  }
}
