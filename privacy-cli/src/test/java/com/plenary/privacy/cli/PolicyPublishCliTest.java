package com.plenary.privacy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.plenary.privacy.testkit.Repo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code plenary policy publish} and {@code plenary policy versions} (C36), in-process on a real embedded database. */
class PolicyPublishCliTest {
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

  private Path file(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void C36_publishChecksStoresAndListsAVersionAndRefusesBadInputChangingNothing() throws Exception {
    String shipped = Files.readString(Repo.policyFile(), StandardCharsets.UTF_8);
    String v2 = shipped.replaceFirst("(?m)^version: 1$", "version: 2")
        .replaceFirst("(?m)^  - id: develop\n", "  - id: personalise\n    text: Personalising what our services show you\n    clauses: [C15, C36]\n  - id: develop\n");
    LocalDate tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1);

    Path broken = file("broken.yaml", v2.replace("    text: Personalising what our services show you\n", "    text: Personalising\n    colour: blue\n"));
    Result invalid = run("policy", "publish", broken.toString(), "--effective", tomorrow.toString());
    assertThat(invalid.code()).isEqualTo(1);
    assertThat(invalid.err()).containsPattern("broken\\.yaml:\\d+:\\d+: .*colour").contains("nothing was published");

    Path good = file("plenary-v2.yaml", v2);
    Result past = run("policy", "publish", good.toString(), "--effective", LocalDate.now(ZoneOffset.UTC).minusDays(1).toString());
    assertThat(past.code()).isEqualTo(2);
    assertThat(past.err()).contains("in the past");
    assertThat(run("policy", "versions", "--json").json().get("versions")).hasSize(1);

    Result published = run("policy", "publish", good.toString(), "--effective", tomorrow.toString(), "--json");
    assertThat(published.code()).as(published.err()).isZero();
    assertThat(published.json().get("version").asInt()).isEqualTo(2);
    assertThat(published.json().get("status").asText()).isEqualTo("scheduled");
    assertThat(published.json().get("changes").toString()).contains("+ purposes: personalise");
    assertThat(published.json().get("needs_fresh_consent").toString()).contains("purpose personalise");

    Result again = run("policy", "publish", good.toString(), "--effective", tomorrow.toString());
    assertThat(again.code()).isEqualTo(2);
    assertThat(again.err()).contains("version 2 exists already");

    JsonNode versions = run("policy", "versions", "--json").json().get("versions");
    assertThat(versions).hasSize(2);
    assertThat(versions.get(1).get("status").asText()).isEqualTo("scheduled");
    assertThat(run("policy", "publish", "--help").out()).contains("--effective");
  }
}
