package com.plenary.privacy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every validation error, proven by a broken policy file in {@code src/test/resources/broken}. The
 * first line of each file says what must be reported: {@code # expect: LINE:COLUMN: words}.
 */
class BrokenPolicyTest {
  static Stream<Path> files() throws IOException {
    Path dir = Path.of("src/test/resources/broken");
    return Files.list(dir).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void isRefusedWithItsPositionAndWhatToFix(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String expect = text.lines().findFirst().orElseThrow().replaceFirst("^# expect: ", "");
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> Policy.parse(text, file.getFileName().toString()));
    assertThat(e).as("%s must be refused", file.getFileName()).isNotNull();
    assertThat(e.problems()).extracting(Problem::toString)
        .anySatisfy(p -> assertThat(p).startsWith(file.getFileName() + ":" + (expect.matches("\\d+:\\d+: .*") ? expect.substring(0, expect.indexOf(": ") + 2) : ""))
            .contains(expect.matches("\\d+:\\d+: .*") ? expect.substring(expect.indexOf(": ") + 2) : expect));
  }
}
