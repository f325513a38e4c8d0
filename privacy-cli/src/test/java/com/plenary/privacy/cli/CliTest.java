package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Engineers;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.UsageEvents;
import com.plenary.privacy.testkit.Repo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plenary command, run in-process with real storage in a temporary data directory. */
class CliTest {
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

  @Test
  void dbCompactCutsTheEmbeddedFileToItsLiveDataAndKeepsEveryEvent() throws Exception {
    long stored = 0;
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString()));
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      // many small commits, as the collector makes under light load: each rewrites the table's newest pages
      for (int i = 0; i < 3000; i++) {
        stored += platform.vault().usage().append(List.of(UsageEvents.Event.builder("rq-" + i).source("browser", "snippet")
            .purpose("analytics").kind("pageview").browser("CCCCCCCCCCCCCCCCCCCCCC").details(Map.of("page", "https://shop.example/p/" + i)).build()));
      }
    }
    Result r = run("db", "compact", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode data = r.json().get("compacted").get(0);
    assertThat(data.get("store").asText()).isEqualTo("data");
    assertThat(data.get("bytes_after").asLong()).isLessThan(data.get("bytes_before").asLong());
    assertThat(Files.size(Path.of(data.get("file").asText()))).isEqualTo(data.get("bytes_after").asLong());
    assertThat(r.json().get("compacted").get(1).get("store").asText()).isEqualTo("keys");
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      assertThat(platform.vault().usage().count()).isEqualTo(stored);
      assertThat(Engineers.newest(platform, 1).get(0).get("details").toString()).contains("shop.example/p/2999");
    }
    assertThat(run("db", "compact").out()).contains("data: ").contains(" bytes -> ");
  }

  @Test
  void dbCompactLeavesOtherDatabasesAlone() throws Exception {
    Path pg = dir.resolve("pg.yaml");
    Files.writeString(pg, "database:\n  url: jdbc:postgresql://127.0.0.1:5432/test\nkeystore:\n  url: jdbc:postgresql://127.0.0.1:5432/test\n");
    Result none = run("--config", pg.toString(), "db", "compact");
    assertThat(none.code()).as(none.err()).isZero();
    assertThat(none.out()).contains("nothing to compact");
    Result fresh = run("db", "compact"); // a data directory never used
    assertThat(fresh.code()).isEqualTo(1);
    assertThat(fresh.err()).contains("there is no database at");
    assertThat(dir.resolve("data").resolve("plenary.mv.db")).doesNotExist();
    Path mem = dir.resolve("mem.yaml");
    Files.writeString(mem, "database:\n  url: jdbc:h2:mem:compact-test\n");
    Result refused = run("--config", mem.toString(), "db", "compact");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("not an embedded H2 file").doesNotContain("Exception");
  }

  @Test
  void helpIsAvailableOnEveryCommand() {
    for (String[] cmd : new String[][] {{"--help"}, {"serve", "--help"}, {"service", "add", "--help"}, {"partner", "list", "--help"},
        {"staff", "token", "--help"}, {"policy", "trace", "--help"}, {"config", "--help"}}) {
      Result r = run(cmd);
      assertThat(r.code()).as(String.join(" ", cmd)).isZero();
      assertThat(r.out()).contains("Usage:");
    }
  }

  /** Every command and subcommand in picocli's tree, as the words that call it. */
  private static List<List<String>> commandTree() {
    List<List<String>> out = new ArrayList<>();
    ArrayDeque<picocli.CommandLine> todo = new ArrayDeque<>(List.of(new picocli.CommandLine(new Plenary())));
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.pop();
      List<String> words = new ArrayList<>();
      for (picocli.CommandLine at = c; at.getParent() != null; at = at.getParent()) {
        words.add(0, at.getCommandName());
      }
      out.add(words);
      todo.addAll(c.getSubcommands().values());
    }
    return out;
  }

  @Test
  void helpOnEveryCommandInTheTreeExitsZero() {
    List<List<String>> tree = commandTree();
    assertThat(tree).contains(List.of(), List.of("serve"), List.of("staff", "revoke-tokens"), List.of("audit", "verify"), List.of("consent", "verify"));
    for (List<String> words : tree) {
      List<String> args = new ArrayList<>(words);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertThat(r.code()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args)).contains("Usage: plenary" + (words.isEmpty() ? "" : " " + String.join(" ", words)));
    }
  }

  @Test
  void anUnknownCommandExits2WithOneLineNamingIt() {
    for (List<String> words : commandTree()) {
      picocli.CommandLine command = new picocli.CommandLine(new Plenary());
      for (String w : words) {
        command = command.getSubcommands().get(w);
      }
      if (command.getSubcommands().isEmpty()) {
        continue; // a leaf's words are its parameters
      }
      for (String extra : new String[] {"--help", null}) {
        List<String> args = new ArrayList<>(words);
        args.add("frobnicate");
        if (extra != null) {
          args.add(extra);
        }
        Result r = run(args.toArray(String[]::new));
        String call = String.join(" ", args);
        assertThat(r.code()).as(call).isEqualTo(2);
        assertThat(r.out()).as(call).doesNotContain("Usage:");
        assertThat(r.err().strip().lines().count()).as(call + ": " + r.err()).isEqualTo(1);
        assertThat(r.err()).as(call).contains("'frobnicate'");
      }
    }
  }

  @Test
  void badUsageExitsWith2AndOneSentence() {
    Result r = run("service", "add");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required parameter");
  }

  /** This module carries no server (privacy-app puts privacy-server beside it): serve says so, and opens no data. */
  @Test
  void serveWithoutAServerOnTheClassPathExits1WithOneSentenceAndOpensNothing() {
    Result r = run("serve", "--port", "0", "--host", "127.0.0.1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("no server is on the class path").contains("privacy-server");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  void ingestNeedsTheKafkaSinkAndItsIntegrationOnTheClassPath() throws Exception {
    Result noSink = run("ingest");
    assertThat(noSink.code()).isEqualTo(2);
    assertThat(noSink.err()).contains("collector.sink").contains("kafka");
    Path cfg = dir.resolve("kafka.yaml");
    Files.writeString(cfg, "collector:\n  sink: kafka\nkafka:\n  bootstrap_servers: 127.0.0.1:9\n");
    // this module's tests run without privacy-kafka, as a class path without it would
    Result noIntegration = run("--config", cfg.toString(), "ingest");
    assertThat(noIntegration.code()).isEqualTo(2);
    assertThat(noIntegration.err().strip().lines()).hasSize(1);
    assertThat(noIntegration.err()).contains("privacy-kafka").contains("not on the class path");
    assertThat(dir.resolve("data")).doesNotExist();
  }

  @Test
  void C16_messagesAreSentDecidedListedWithoutPersonalDataAndSuppressed() throws Exception {
    String person;
    try (Platform platform = Platform.open(Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString())), Clock.systemUTC())) {
      person = platform.domain().subjects().register(Access.service("shop", null), "shop",
          Map.of("email", "cli-person@example.org", "name", "Ada", "address", "1 Analytical Way"), null, null, List.of()).value().id();
    }
    Result marketing = run("messages", "send", "--service", "shop", "--to", person, "--kind", "marketing", "--purpose", "communicate.marketing",
        "--subject", "Offers", "--body", "Buy", "--json");
    assertThat(marketing.code()).isEqualTo(1);
    assertThat(marketing.json().get("refused").asText()).isEqualTo("marketing-needs-opt-in");
    Result sent = run("messages", "send", "--service", "shop", "--to", person, "--kind", "transactional", "--purpose", "provide",
        "--subject", "Receipt", "--body", "Thanks", "--json");
    assertThat(sent.code()).as(sent.err()).isZero();
    String id = sent.json().get("id").asText();
    Result list = run("messages", "list", "--json");
    assertThat(list.json().get("messages").get(0).get("id").asText()).isEqualTo(id);
    assertThat(list.json().get("messages").get(0).get("status").asText()).isEqualTo("queued");
    assertThat(list.out()).doesNotContain("example.org").doesNotContain("Receipt").doesNotContain("Thanks");
    assertThat(run("messages", "suppress", person, "--reason", "complaint", "--json").json().get("added").asBoolean()).isTrue();
    Result after = run("messages", "send", "--service", "shop", "--to", person, "--kind", "transactional", "--purpose", "provide",
        "--subject", "Receipt", "--body", "Thanks", "--json");
    assertThat(after.code()).isEqualTo(1);
    assertThat(after.json().get("refused").asText()).isEqualTo("suppression-list");
    assertThat(run("messages", "retry", "msg-nothing").code()).isEqualTo(1);
    assertThat(run("messages", "list", "--status", "nonsense").code()).isEqualTo(2);
  }

  @Test
  void C25_recipientsAreRegisteredAndTheirAgreementsKeptAsVersions() throws Exception {
    Result add = run("recipient", "add", "northwind", "--kind", "processor", "--name", "Northwind Mail", "--json");
    assertThat(add.code()).as(add.err()).isZero();
    assertThat(add.json().get("source").asText()).isEqualTo("registry");
    assertThat(run("recipient", "add", "northwind", "--kind", "processor", "--name", "Again").code()).as("taken").isEqualTo(1);
    Result badKind = run("recipient", "add", "southwind", "--kind", "friend", "--name", "S");
    assertThat(badKind.code()).isEqualTo(2);
    assertThat(badKind.err()).contains("processor");
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    String[] terms = {"--category", "user.contact", "--purpose", "communicate", "--start", today, "--end", today, "--our-signatory", "A. Officer",
        "--their-signatory", "B. Director", "--confidentiality", "kept", "--security", "sealed", "--data-centre", "fra-1", "--json"};
    List<String> first = new ArrayList<>(List.of("recipient", "agreement", "northwind"));
    first.addAll(List.of(terms));
    Result v1 = run(first.toArray(String[]::new));
    assertThat(v1.code()).as(v1.err()).isZero();
    assertThat(v1.json().get("version").asInt()).isEqualTo(1);
    assertThat(v1.json().get("in_force").asBoolean()).isTrue();
    Result v2 = run(first.toArray(String[]::new));
    assertThat(v2.json().get("version").asInt()).isEqualTo(2);
    Result versions = run("recipient", "agreements", "northwind", "--json");
    assertThat(versions.json().get("agreements").findValuesAsText("version")).containsExactly("2", "1");
    Result list = run("recipient", "list", "--json");
    assertThat(list.json().get("recipients").findValuesAsText("id")).contains("carrier", "northwind");
    assertThat(run("recipient", "agreements", "nobody").code()).isEqualTo(1);
  }

  @Test
  void C27_aggregateCountsWithSmallGroupsWithheldAndRefusesBadInputAndAnOverspentBudget() throws Exception {
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    Result none = run("aggregate", "--by", "day,device_type", "--from", today, "--to", today, "--json");
    assertThat(none.code()).as(none.err()).isZero();
    assertThat(none.json().get("k").asInt()).isEqualTo(10);
    assertThat(none.json().get("cells")).isEmpty();
    Result four = run("aggregate", "--by", "day,page,browser,country", "--from", today, "--to", today);
    assertThat(four.code()).isEqualTo(2);
    assertThat(four.err()).contains("one to 3 dimensions");
    assertThat(run("aggregate", "--by", "shoe_size", "--from", today, "--to", today).code()).isEqualTo(2);
    assertThat(run("aggregate", "--by", "day", "--from", today, "--to", "2020-01-01").code()).isEqualTo(2);
    assertThat(run("aggregate", "--by", "day", "--from", today, "--to", today, "--epsilon", "0").code()).isEqualTo(2);
    Result spend = run("aggregate", "--by", "day", "--from", today, "--to", today, "--recipient", "carrier", "--epsilon", "1", "--json");
    assertThat(spend.code()).as(spend.err()).isZero();
    assertThat(spend.json().get("epsilon_left").asText()).isEqualTo("0");
    Result over = run("aggregate", "--by", "day", "--from", today, "--to", today, "--recipient", "carrier", "--epsilon", "0.1");
    assertThat(over.code()).isEqualTo(1);
    assertThat(over.err()).contains("privacy budget");
  }

  @Test
  void C26_theLegalTeamRecordsApprovesAndReleasesALegalRequestOnceAndTheReportNamesNoOne() throws Exception {
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString()));
    String person;
    String creator;
    String approver;
    String officer;
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      person = platform.domain().subjects().register(Access.service("shop", null), "shop",
          Map.of("email", "legal@example.org", "name", "Ada", "address", "1 Analytical Way"), null, null, List.of()).value().id();
      creator = platform.vault().staff().add("Lena", "employee", List.of("legal"), Instant.now()).id();
      approver = platform.vault().staff().add("Luis", "employee", List.of("legal"), Instant.now()).id();
      officer = platform.vault().staff().add("Olga", "employee", List.of("privacy-officer"), Instant.now()).id();
    }
    Result made = run("legal-request", "create", "--as", creator, "--ground", "a", "--authority", "District Court", "--reference", "AZ 7",
        "--justification", "A court order", "--subject", person, "--category", "user.contact.email", "--deadline", "2099-12-31", "--json");
    assertThat(made.code()).as(made.err()).isZero();
    String id = made.json().get("id").asText();
    assertThat(made.json().get("status").asText()).isEqualTo("pending");
    Result own = run("legal-request", "approve", id, "--as", creator);
    assertThat(own.code()).as("its creator may not approve it").isEqualTo(1);
    assertThat(own.err()).contains("second");
    assertThat(run("legal-request", "approve", id, "--as", officer).code()).as("not in the legal role").isEqualTo(2);
    Result approved = run("legal-request", "approve", id, "--as", approver, "--json");
    assertThat(approved.code()).as(approved.err()).isZero();
    assertThat(approved.json().get("approved_by").asText()).isEqualTo(approver);
    Result released = run("legal-request", "release", id, "--as", approver);
    assertThat(released.code()).as(released.err()).isZero();
    assertThat(released.json().get("people").get(0).get("fields").get("email").asText()).isEqualTo("legal@example.org");
    assertThat(released.json().get("people").get(0).get("fields").has("name")).as("only the scope").isFalse();
    assertThat(run("legal-request", "release", id, "--as", approver).code()).as("released once").isEqualTo(1);
    Result report = run("legal-request", "report", "--from", "2026-01-01", "--to", "2099-01-01", "--json");
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.json().get("rows").get(0).get("released").asInt()).isEqualTo(1);
    assertThat(report.out()).doesNotContain(person).doesNotContain("legal@example.org");
    assertThat(run("legal-request", "list").out()).contains(id).contains("released");
  }

  @Test
  void C19_consentVerifyChecksTheLedgerAndExits1WhenAnEntryWasEdited() throws Exception {
    Config config = Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString()));
    String person;
    try (Platform platform = Platform.open(config, Clock.systemUTC())) {
      person = platform.domain().subjects().register(Access.service("shop", null), "shop",
          Map.of("email", "ledger@example.org", "name", "Ada", "address", "1 Analytical Way"), null, null, List.of()).value().id();
      platform.domain().consents().grant(Access.subject(person, null), person, "develop", null);
    }
    Result ok = run("consent", "verify", "--json");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.json().get("intact").asBoolean()).isTrue();
    assertThat(ok.json().get("entries").asLong()).isEqualTo(1);
    assertThat(ok.json().get("head").asText()).hasSize(64);
    try (Connection c = DriverManager.getConnection(config.databaseUrl(), config.databaseUser(), config.databasePassword())) {
      c.createStatement().executeUpdate("UPDATE consent_record SET granted = FALSE WHERE subject_id = '" + person + "'");
    }
    Result broken = run("consent", "verify");
    assertThat(broken.code()).isEqualTo(1);
    assertThat(broken.err()).contains("entry 1 was altered");
  }

  @Test
  void C16_aBulkSendFromAFileDecidesEachPersonAndDrawsProgressOnlyWhenStandardErrorIsATerminalOrAsked() throws Exception {
    List<String> people = new ArrayList<>();
    try (Platform platform = Platform.open(Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString())), Clock.systemUTC())) {
      for (int i = 0; i < 3; i++) {
        people.add(platform.domain().subjects().register(Access.service("shop", null), "shop",
            Map.of("email", "bulk-" + i + "@example.org", "name", "Ada", "address", "1 Analytical Way"), null, null, List.of()).value().id());
      }
    }
    Path file = dir.resolve("people.txt");
    Files.writeString(file, "# the people of the autumn notice\n" + String.join("\n", people) + "\n\ns-00000000-0000-4000-8000-000000000000\n" + people.get(0) + "\n");
    String[] send = {"messages", "send", "--service", "shop", "--to-file", file.toString(), "--kind", "service", "--purpose", "provide",
        "--subject", "Our new terms", "--body", "They start in May.", "--idempotency-key", "autumn-notice"};

    Result json = run(concat(send, "--json", "--progress", "always"));
    assertThat(json.code()).as(json.err()).isZero();
    assertThat(json.json().get("people").asInt()).isEqualTo(4);
    assertThat(json.json().get("queued").asInt()).isEqualTo(3);
    assertThat(json.json().get("refused").get("not-visible").asInt()).isEqualTo(1);
    assertThat(json.err()).as("nothing extra with --json").isEmpty();
    assertThat(json.out()).doesNotContain("example.org").doesNotContain("Our new terms");

    Result plain = run(send);
    assertThat(plain.code()).as(plain.err()).isZero();
    assertThat(plain.out()).contains("Queued 0 of 4").contains("refused by not-visible: 1");
    assertThat(plain.err()).as("standard error is not a terminal here").isEmpty();

    Result drawn = run(concat(send, "--progress", "always"));
    assertThat(drawn.code()).isZero();
    assertThat(drawn.err()).startsWith("\r[------------------------------]  0/4 people")
        .endsWith("\r[##############################]  4/4 people  queued 0  refused 1" + System.lineSeparator());
    assertThat(drawn.out()).contains("Queued 0 of 4");

    try (Platform platform = Platform.open(Config.load(null, Map.of(), Map.of("data_dir", dir.resolve("data").toString())), Clock.systemUTC())) {
      assertThat(platform.domain().messages().newest(null, 100)).hasSize(3).extracting(e -> e.subjectId()).containsExactlyInAnyOrderElementsOf(people);
    }
    assertThat(run("messages", "send", "--service", "shop", "--kind", "service", "--purpose", "provide", "--subject", "s", "--body", "b").code())
        .as("neither --to nor --to-file").isEqualTo(2);
    assertThat(run(concat(send, "--to", people.get(0))).code()).as("both").isEqualTo(2);
    assertThat(run(concat(send, "--progress", "sometimes")).code()).isEqualTo(2);
    Result help = run("messages", "send", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--to-file").contains("--progress").contains("terminal");
  }

  private static String[] concat(String[] args, String... more) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  @Test
  void C16_messageTemplatesAreDefinedVersionedAndListed() throws Exception {
    Result first = run("messages", "templates", "add", "order-shipped", "--kind", "transactional", "--purpose", "provide",
        "--subject", "Order {{order}} shipped", "--body", "Dear {{name}}, it comes {{day}}.", "--json");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.json().get("version").asInt()).isEqualTo(1);
    assertThat(first.json().get("variables").toString()).isEqualTo("[\"order\",\"day\"]");
    assertThat(first.json().get("fields").toString()).isEqualTo("[\"name\"]");
    assertThat(run("messages", "templates", "add", "order-shipped", "--kind", "transactional", "--purpose", "provide",
        "--subject", "Order {{order}} is on its way", "--body", "Dear {{name}}.", "--json").json().get("version").asInt()).isEqualTo(2);
    Result list = run("messages", "templates", "list", "--json");
    assertThat(list.json().get("templates").get(0).get("version").asInt()).isEqualTo(2);
    Result bad = run("messages", "templates", "add", "broken", "--kind", "service", "--purpose", "provide", "--subject", "Hi {{", "--body", "x");
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("subject");
  }

  @Test
  void C1_serviceAddPrintsTheKeyOnceAndListNeverShowsIt() throws Exception {
    Result add = run("service", "add", "mail", "--json");
    assertThat(add.code()).isZero();
    String key = add.json().get("key").asText();
    assertThat(key).startsWith("pls_");
    assertThat(add.json().get("declared_in_policy").asBoolean()).isTrue();
    Result list = run("service", "list", "--json");
    assertThat(list.out()).contains("\"mail\"").doesNotContain(key);
    assertThat(run("service", "add", "mail").code()).isEqualTo(1);
    Result revoke = run("service", "revoke", "mail", "--json");
    assertThat(revoke.json().get("revoked_at").isNull()).isFalse();
  }

  @Test
  void C4_partnerKeysAreMadeAndRevoked() throws Exception {
    Result add = run("partner", "add", "acme-ads", "--json");
    assertThat(add.json().get("key").asText()).startsWith("plp_");
    assertThat(run("partner", "revoke", "nobody").code()).isEqualTo(1);
  }

  @Test
  void C32_staffGrantsAreGivenWithinTheRoleListedAndEnded() throws Exception {
    String id = run("staff", "add", "--name", "Gus", "--type", "employee", "--role", "support", "--json").json().get("id").asText();
    Result outside = run("staff", "grant", id, "--role", "support", "--category", "user.device", "--purpose", "communicate.respond", "--for", "PT8H");
    assertThat(outside.code()).isEqualTo(2);
    assertThat(outside.err()).contains("categories");
    assertThat(run("staff", "grant", id, "--role", "support", "--category", "user.contact", "--purpose", "provide", "--for", "P91D").code()).isEqualTo(2);
    assertThat(run("staff", "grant", id, "--role", "auditor", "--category", "user", "--purpose", "protect", "--for", "PT1H").code()).isEqualTo(2);
    Result given = run("staff", "grant", id, "--role", "support", "--category", "user.contact", "--purpose", "communicate.respond", "--for", "PT8H", "--json");
    assertThat(given.code()).as(given.err()).isZero();
    assertThat(given.json().get("in_force").asBoolean()).isTrue();
    // the same view of a grant as the API gives: who granted it, and when it was revoked
    assertThat(given.json().get("granted_by").asText()).isNotBlank();
    assertThat(given.json().get("revoked_at").isNull()).isTrue();
    String grant = given.json().get("id").asText();
    assertThat(run("staff", "grants", id).out()).contains(grant).contains("in force");
    assertThat(run("staff", "ungrant", id, grant).code()).isZero();
    assertThat(run("staff", "grants", id, "--json").json().get("grants").get(0).get("in_force").asBoolean()).isFalse();
    assertThat(run("staff", "grants", id, "--json").json().get("grants").get(0).get("revoked_at").asText()).matches("\\d{4}-.*Z");
    assertThat(run("staff", "ungrant", id, grant).code()).isEqualTo(1);
  }

  @Test
  void C32_staffAddValidatesTypeAndRoleAgainstThePolicyAndIssuesTokens() throws Exception {
    Result bad = run("staff", "add", "--name", "Ann", "--type", "boss", "--role", "auditor");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--type must be one of employee, contractor, agent");
    Result badRole = run("staff", "add", "--name", "Ann", "--type", "employee", "--role", "king");
    assertThat(badRole.code()).isEqualTo(2);
    Result add = run("staff", "add", "--name", "Ann", "--type", "contractor", "--role", "support", "--json");
    String id = add.json().get("id").asText();
    Result token = run("staff", "token", id, "--json");
    assertThat(token.json().get("token").asText().split("\\.")).hasSize(3);
    run("staff", "revoke", id);
    assertThat(run("staff", "token", id).code()).isEqualTo(1);
  }

  @Test
  void aBadConfigurationFileStopsWithExit2NamingTheKey() throws Exception {
    Path cfg = dir.resolve("plenary.yaml");
    Files.writeString(cfg, "server:\n  port: 70000\n");
    Result r = run("--config", cfg.toString(), "config");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'server.port'").doesNotContain("\tat ");
    Files.writeString(cfg, "servr:\n  port: 1\n");
    assertThat(run("--config", cfg.toString(), "config").err()).contains("unknown configuration key 'servr.port'");
    Files.writeString(cfg, "server: [\n");
    assertThat(run("--config", cfg.toString(), "config").code()).isEqualTo(2);
    Files.writeString(cfg, "collector:\n  writers: 0\n");
    Result writers = run("--config", cfg.toString(), "config");
    assertThat(writers.code()).isEqualTo(2);
    assertThat(writers.err()).contains("'collector.writers'").contains("1 to 16");
    Files.writeString(cfg, "collector:\n  writers: 3\n");
    assertThat(run("--config", cfg.toString(), "config").out()).contains("collector.writers").contains("3");
    Files.writeString(cfg, "collector:\n  journal: maybe\n");
    Result journal = run("--config", cfg.toString(), "config");
    assertThat(journal.code()).isEqualTo(2);
    assertThat(journal.err()).contains("'collector.journal'").contains("auto").contains("on or off");
    Files.writeString(cfg, "collector:\n  journal_sync: sometimes\n");
    assertThat(run("--config", cfg.toString(), "config").err()).contains("'collector.journal_sync'").contains("true or false");
    Files.writeString(cfg, "collector:\n  journal: off\n");
    // YAML reads a bare off as false: it still means off
    assertThat(run("--config", cfg.toString(), "config").out()).contains("collector.journal = false (off)");
  }

  @Test
  void anUnreachableDatabaseStopsWithExit2() {
    Path cfg = dir.resolve("pg.yaml");
    try {
      Files.writeString(cfg, "database:\n  url: jdbc:postgresql://127.0.0.1:1/none\n");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    Result r = run("--config", cfg.toString(), "service", "list");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("database.url");
  }

  @Test
  void policyCheckExits0OnTheRepositoryPolicyAnd1OnABrokenOne() throws Exception {
    assertThat(run("policy", "check", Repo.policyFile().toString()).code()).isZero();
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, Files.readString(Repo.policyFile()).replace("purposes: [provide, communicate.respond, technical", "purposes: [provide, communicate.respnd, technical"));
    Result r = run("policy", "check", broken.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).containsPattern("broken.yaml:\\d+:\\d+: unknown purpose 'communicate.respnd'").contains("did you mean 'communicate.respond'");
  }

  @Test
  void C17_policyDecideRefusesTheSaleOfContactDataEvenWithConsent() throws Exception {
    Result r = run("policy", "decide", "{\"actor\":{\"kind\":\"service\",\"id\":\"shop\"},\"action\":\"disclose\",\"purpose\":\"sale\","
        + "\"recipient\":\"adbroker\",\"subject\":\"s-1\",\"categories\":[\"user.contact.email\"],"
        + "\"facts\":{\"consents\":[{\"purpose\":\"sale\",\"recipient\":\"adbroker\",\"version\":1}]}}");
    assertThat(r.code()).isZero();
    assertThat(r.json().get("effect").asText()).isEqualTo("deny");
    assertThat(r.json().get("rules").get(0).asText()).isEqualTo("no-sale-of-contact-data");
  }

  @Test
  void C36_policyDiffNamesANewPurposeAsNeedingFreshConsent() throws Exception {
    Path v2 = dir.resolve("v2.yaml");
    Files.writeString(v2, Files.readString(Repo.policyFile()).replace("version: 1", "version: 2")
        .replace("  - id: develop\n", "  - id: personalise\n    text: Personalising what you see\n    since: 2\n    clauses: [C36]\n  - id: develop\n"));
    Result r = run("policy", "diff", Repo.policyFile().toString(), v2.toString(), "--json");
    assertThat(r.code()).isZero();
    assertThat(r.json().get("changes").get("purposes").get("added").get(0).asText()).isEqualTo("personalise");
    assertThat(r.json().get("needs_fresh_consent").get(0).asText()).isEqualTo("purpose personalise");
  }

  @Test
  void everyClauseOfThePolicyHasARuleAndATest() {
    Result r = run("policy", "trace", "--root", Repo.root().toString());
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("Every clause has a rule and a test.");
  }

  @Test
  void policyTraceFailsWhenAClauseHasNoTest() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("repo"));
    Result r = run("policy", "trace", "--root", empty.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("MISSING");
  }
}
