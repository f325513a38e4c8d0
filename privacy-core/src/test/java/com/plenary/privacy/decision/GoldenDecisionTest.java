package com.plenary.privacy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.policy.Obligation;
import com.plenary.privacy.policy.Policy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Golden decisions on Plenary's policy: each file in {@code src/test/resources/golden} is a request
 * and the decision it must get, with the rules that decided. Adding a case is adding a file.
 */
class GoldenDecisionTest {
  static final Path DIR = Path.of("src/test/resources/golden");
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
  static final DecisionEngine ENGINE = DecisionEngine.compile(Policy.bundled());

  static Stream<Path> cases() throws IOException {
    return Files.list(DIR).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> read(Path file) throws IOException {
    return (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file, StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void decidesAsRecorded(Path file) throws IOException {
    Map<String, Object> golden = read(file);
    Map<String, Object> expect = (Map<String, Object>) golden.get("expect");
    Decision d = ENGINE.decide(DecisionRequests.fromMap(golden.get("request"), NOW));
    String why = file.getFileName() + " -> " + d.toMap();
    assertThat(d.effect().name().toLowerCase()).as(why).isEqualTo(expect.get("effect"));
    if (expect.containsKey("rules")) {
      assertThat(d.rules()).as(why).isEqualTo(expect.get("rules"));
    }
    if (expect.containsKey("rules_include")) {
      assertThat(d.rules()).as(why).containsAll((List<String>) expect.get("rules_include"));
    }
    if (expect.containsKey("permitted")) {
      assertThat(d.permitted()).as(why).isEqualTo(expect.get("permitted"));
    }
    if (expect.containsKey("obligations_include")) {
      assertThat(d.obligations().stream().map(Obligation::id)).as(why).containsAll((List<String>) expect.get("obligations_include"));
    }
    assertThat(d.obligations()).as("every decision is audited").contains(Obligation.AUDIT);
    assertThat(d.reasons()).as("every decision says why").isNotEmpty().allSatisfy(r -> assertThat(r.clauses()).isNotEmpty());
  }

  @Test
  @SuppressWarnings("unchecked")
  void thereAreAtLeast150CasesCoveringEveryDecisionClause() throws IOException {
    List<Path> files = cases().toList();
    assertThat(files).hasSizeGreaterThanOrEqualTo(150);
    TreeSet<String> covered = new TreeSet<>();
    for (Path f : files) {
      covered.addAll((List<String>) (List<?>) read(f).get("clauses"));
    }
    List<String> decisionClauses = IntStream.rangeClosed(1, 36).filter(i -> !List.of(10, 12, 13, 21, 22, 29, 30, 31).contains(i))
        .mapToObj(i -> "C" + i).toList();
    assertThat(covered).containsAll(decisionClauses);
  }
}
