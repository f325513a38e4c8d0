package com.plenary.privacy.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.testkit.Repo;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The pages' words: German is complete, every key the templates and pages ask for exists, and the language follows Accept-Language. */
class TextsTest {
  private static final Pattern USED = Pattern.compile("\\bt\\.(?:get|format)\\(\"([a-z0-9.-]+)\"");

  private static Properties bundle(String name) throws Exception {
    Properties p = new Properties();
    try (InputStream in = Texts.class.getResourceAsStream("/i18n/" + name + ".properties")) {
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
    return p;
  }

  @Test
  void germanHasEverySentenceEnglishHas() throws Exception {
    Set<String> english = bundle("pages").stringPropertyNames();
    Set<String> german = bundle("pages_de").stringPropertyNames().stream().filter(k -> !k.startsWith("policy.")).collect(Collectors.toSet());
    assertThat(new TreeSet<>(german)).isEqualTo(new TreeSet<>(english));
  }

  @Test
  void everyKeyThePagesAskForExists() throws Exception {
    Set<String> used = new TreeSet<>();
    Path server = Repo.root().resolve("privacy-server/src/main");
    try (Stream<Path> files = Files.walk(server)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jte") || p.toString().endsWith(".java")).toList()) {
        Matcher m = USED.matcher(Files.readString(f));
        while (m.find()) {
          used.add(m.group(1));
        }
      }
    }
    assertThat(used).hasSizeGreaterThan(100);
    Set<String> keys = bundle("pages").stringPropertyNames();
    for (String k : used) {
      if (k.endsWith(".") || k.endsWith("-")) { // a prefix the page completes ("done." + what was done): some key must start with it
        assertThat(keys).as(k).anyMatch(key -> key.startsWith(k));
      } else {
        assertThat(keys).as(k).contains(k);
      }
    }
  }

  @Test
  void everySentenceIsAValidPatternAndNoneUsesAStraightApostrophe() throws Exception {
    for (String name : new String[] {"pages", "pages_de"}) {
      Properties p = bundle(name);
      for (String k : p.stringPropertyNames()) {
        String v = p.getProperty(k);
        assertThat(v).as(name + " " + k).doesNotContain("'").isNotBlank();
        new MessageFormat(v, Locale.ENGLISH); // throws on a broken pattern
      }
    }
  }

  @Test
  void theLanguageIsTheBrowsersWhereThereIsATranslationAndEnglishOtherwise() {
    assertThat(Texts.of("de-DE,de;q=0.9,en;q=0.8").lang()).isEqualTo("de");
    assertThat(Texts.of("de").get("center.title")).isEqualTo("Ihr Datenschutzcenter");
    assertThat(Texts.of("fr-FR,fr;q=0.9,de;q=0.5").lang()).isEqualTo("de");
    assertThat(Texts.of("fr-FR,fr;q=0.9").lang()).isEqualTo("en");
    assertThat(Texts.of("en-GB,de;q=0.5").lang()).isEqualTo("en");
    assertThat(Texts.of((String) null).lang()).isEqualTo("en");
    assertThat(Texts.of("*;q=x,,;;").lang()).isEqualTo("en");
    assertThat(Texts.of("en").get("center.title")).isEqualTo("Your privacy center");
  }

  @Test
  void policyTextsAreTranslatedWhereTheTranslationHasThemAndThePolicysOwnOtherwise() {
    assertThat(Texts.of("de").policy("purpose", "develop", "Developing new services")).isEqualTo("Entwicklung neuer Dienste");
    assertThat(Texts.of("en").policy("purpose", "develop", "Developing new services")).isEqualTo("Developing new services");
    assertThat(Texts.of("de").policy("purpose", "not-in-the-bundle", "As the policy says")).isEqualTo("As the policy says");
  }
}
