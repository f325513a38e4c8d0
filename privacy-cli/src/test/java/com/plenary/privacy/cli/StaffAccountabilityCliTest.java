package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.testkit.Postgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plenary staff agreement}, {@code plenary staff break-glass}, {@code plenary grants} and {@code plenary incidents} (C32, C33), run
 * in-process on real storage (break-glass on H2 and on PostgreSQL).
 */
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
    return platform(null);
  }

  private Platform platform(Path config) {
    return Platform.open(Config.load(config, Map.of(), Map.of("data_dir", dir.resolve("data").toString())), Clock.systemUTC());
  }

  /** {@code args} after {@code --config FILE} when a configuration is given. */
  private Result run(Path config, String... args) {
    List<String> all = new ArrayList<>();
    if (config != null) {
      all.addAll(List.of("--config", config.toString()));
    }
    all.addAll(List.of(args));
    return run(all.toArray(String[]::new));
  }

  @Test
  void C33_breakGlassFromTheCommandLineOnH2() throws Exception {
    breakGlassFromTheCommandLine(null);
  }

  @Test
  void C33_breakGlassFromTheCommandLineOnPostgres() throws Exception {
    try (Postgres pg = Postgres.freshSchema(); Postgres keys = Postgres.freshSchema()) {
      Path config = dir.resolve("pg.yaml");
      Files.writeString(config, "database:\n  url: " + pg.url() + "\n  user: " + pg.user() + "\nkeystore:\n  url: " + keys.url() + "\n  user: " + keys.user() + "\n");
      breakGlassFromTheCommandLine(config);
    }
  }

  /**
   * The member has an agreement and no grant: their read is denied; {@code staff break-glass} opens the
   * person's data through the enforcer's use case, opens a break-glass incident, and the read through it is
   * permitted and audited naming the opening. Bad input is refused before anything is written.
   */
  private void breakGlassFromTheCommandLine(Path config) throws Exception {
    Result added = run(config, "staff", "add", "--name", "Bea", "--type", "employee", "--role", "support", "--no-agreement", "--json");
    assertThat(added.code()).as(added.err()).isZero();
    String staff = added.json().get("id").asText();
    assertThat(run(config, "staff", "agreement", staff, "--document", "nda-2026.1", "--expires", "2099-01-01").code()).isZero();
    Access bea = new Access(ActorKind.STAFF, staff, "rq-bea", null);
    String ada;
    try (Platform platform = platform(config)) {
      ada = platform.domain().subjects().register(Access.service("mail", null), "mail", Map.of("email", "ada.glass@example.org", "name", "Ada"), null, null)
          .value().id();
      assertThat(platform.domain().subjects().read(bea, ada, "communicate.respond", List.of("email")).permitted()).isFalse();
    }
    for (String[] bad : new String[][] {
        {"--minutes", "61", "--justification", "x"}, {"--minutes", "0", "--justification", "x"}, {"--justification", ""},
        {"--justification", "x".repeat(1001)}}) {
      List<String> args = new ArrayList<>(List.of("staff", "break-glass", staff, "--person", ada, "--role", "support", "--category", "user.contact",
          "--purpose", "communicate.respond"));
      args.addAll(List.of(bad));
      Result refused = run(config, args.toArray(String[]::new));
      assertThat(refused.code()).as(String.join(" ", bad)).isEqualTo(2);
    }
    assertThat(run(config, "staff", "break-glass", staff, "--person", ada, "--role", "privacy-officer", "--category", "user.contact", "--purpose",
        "communicate.respond", "--justification", "x").code()).as("not one of the member's roles").isEqualTo(2);
    assertThat(run(config, "staff", "break-glass", staff, "--person", "s-00000000-0000-0000-0000-000000000000", "--role", "support", "--category",
        "user.contact", "--purpose", "communicate.respond", "--justification", "x").code()).as("no such person").isEqualTo(1);
    assertThat(run(config, "incidents", "list", "--kind", "break-glass", "--json").json().get("incidents")).as("nothing half-written").isEmpty();
    Result opened = run(config, "staff", "break-glass", staff, "--person", ada, "--role", "support", "--category", "user.contact", "--purpose",
        "communicate.respond", "--minutes", "30", "--justification", "The account is being abused right now", "--json");
    assertThat(opened.code()).as(opened.err()).isZero();
    JsonNode glass = opened.json();
    assertThat(Duration.between(Instant.parse(glass.get("opened_at").asText()), Instant.parse(glass.get("until").asText()))).isEqualTo(Duration.ofMinutes(30));
    String incident = glass.get("incident").asText();
    JsonNode listed = run(config, "incidents", "list", "--kind", "break-glass", "--json").json().get("incidents");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).get("id").asText()).isEqualTo(incident);
    assertThat(listed.get(0).get("staff").asText()).isEqualTo(staff);
    assertThat(listed.toString()).doesNotContain("ada.glass@example.org").doesNotContain("abused");
    try (Platform platform = platform(config)) {
      assertThat(platform.domain().subjects().read(bea, ada, "communicate.respond", List.of("email")).permitted()).isTrue();
      platform.store().audit().seal();
      assertThat(platform.store().audit().about(ada, 100)).anySatisfy(e -> {
        assertThat(e.actorId()).isEqualTo(staff);
        assertThat(e.effect()).isEqualTo("permit");
        assertThat(e.rules()).contains("break-glass:" + glass.get("id").asText());
      }).anySatisfy(e -> assertThat(e.action()).isEqualTo("break-glass"));
    }
    Result text = run(config, "staff", "break-glass", staff, "--person", ada, "--role", "support", "--category", "user.contact", "--purpose",
        "communicate.respond", "--justification", "Again");
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out()).contains("Opened bg-").contains("plenary incidents list --kind break-glass");
  }

  @Test
  void C33_anAgreementIsRecordedWithItsDocumentAndExpiry() throws Exception {
    String id = run("staff", "add", "--name", "Nia", "--type", "contractor", "--role", "support", "--no-agreement", "--json").json().get("id").asText();
    Result half = run("staff", "agreement", id, "--document", "nda-2026.1");
    assertThat(half.code()).isEqualTo(2);
    assertThat(half.err()).contains("--expires");
    Result undated = run("staff", "agreement", id);
    assertThat(undated.code()).as("no agreement is filed without its expiry any more").isEqualTo(2);
    Result past = run("staff", "agreement", id, "--document", "nda-2026.1", "--signed", "2026-01-05", "--expires", "2026-01-06");
    assertThat(past.code()).isEqualTo(2);
    Result filed = run("staff", "agreement", id, "--document", "nda-2026.1", "--signed", "2026-01-05", "--expires", "2099-01-01", "--json");
    assertThat(filed.code()).as(filed.err()).isZero();
    assertThat(filed.json().get("document_version").asText()).isEqualTo("nda-2026.1");
    assertThat(filed.json().get("in_force").asBoolean()).isTrue();
  }

  @Test
  void C33_agreementsWithNoExpiryOnFileAreFlaggedInTheListingAndNewOnesNeedAnExpiry() throws Exception {
    String legacy;
    try (Platform platform = platform()) {
      // as filed before expiries were kept (and as migration V30 carried them over): no document version, no expiry
      legacy = platform.vault().staff().add("Lea", "employee", List.of("support"), platform.clock().instant().minus(Duration.ofDays(400))).id();
    }
    Result dated = run("staff", "add", "--name", "Dan", "--type", "employee", "--role", "support", "--agreement-document", "nda-2026.1",
        "--agreement-signed", "2026-01-05", "--agreement-expires", "2099-01-01", "--json");
    assertThat(dated.code()).as(dated.err()).isZero();
    assertThat(dated.json().get("agreement").get("status").asText()).isEqualTo("in force");
    String dan = dated.json().get("id").asText();
    Result none = run("staff", "add", "--name", "Nel", "--type", "employee", "--role", "support", "--json");
    assertThat(none.json().get("agreement").get("status").asText()).isEqualTo("none");
    Result noneText = run("staff", "add", "--name", "Ned", "--type", "employee", "--role", "support");
    assertThat(noneText.out()).contains("no confidentiality agreement on file yet").contains("plenary staff agreement");
    assertThat(run("staff", "add", "--name", "Sig", "--type", "employee", "--role", "support", "--agreement-signed", "2026-01-05").code())
        .as("a signature without its document and expiry").isEqualTo(2);
    Result pastExpiry = run("staff", "add", "--name", "Pat", "--type", "employee", "--role", "support", "--agreement-document", "nda-2026.1",
        "--agreement-expires", "2020-01-01");
    assertThat(pastExpiry.code()).isEqualTo(2);
    assertThat(run("staff", "list", "--json").json().get("staff").toString()).as("nothing half-added").doesNotContain("\"Pat\"");

    Result list = run("staff", "list");
    assertThat(list.out().lines().filter(l -> l.startsWith(legacy)).findFirst().orElseThrow()).contains("NO EXPIRY ON FILE").contains("active");
    assertThat(list.out().lines().filter(l -> l.startsWith(dan)).findFirst().orElseThrow()).contains("until 2099-01-01");
    JsonNode staff = run("staff", "list", "--json").json().get("staff");
    for (JsonNode m : staff) {
      if (m.get("id").asText().equals(legacy)) {
        assertThat(m.get("agreement").get("status").asText()).isEqualTo("no expiry on file");
        assertThat(m.get("agreement").get("document_version").asText()).isEqualTo("unrecorded");
        assertThat(m.get("agreement").get("expires_at").isNull()).isTrue();
      }
    }
    // once the real agreement is on file it decides, and the flag goes
    assertThat(run("staff", "agreement", legacy, "--document", "nda-2026.1", "--signed", "2026-01-05", "--expires", "2099-01-01").code()).isZero();
    assertThat(run("staff", "list").out().lines().filter(l -> l.startsWith(legacy)).findFirst().orElseThrow()).contains("until 2099-01-01");
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
    String staff = run("staff", "add", "--name", "Ida", "--type", "employee", "--role", "support", "--agreement-document", "nda-2026.1", "--agreement-expires",
        "2099-01-01", "--json").json().get("id").asText();
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
