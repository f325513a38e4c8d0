package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.subjects.Passwords;
import com.plenary.privacy.server.internal.Texts;
import com.plenary.privacy.store.Credentials;
import jakarta.mail.internet.MimeMessage;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The mails the platform writes to a person are in the language of their {@code language} field
 * (German and English exist; any other language, or none, gets English): the notice of a new policy
 * version (C36), a service's request for consent (C19), the reset link, and the mail to the owner of an
 * address a service registered someone with. Through the real API and a
 * real SMTP server (GreenMail).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class MailLanguageTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private SmtpServer smtp;
  private Running running;
  private String mail;
  private String officer;

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    smtp = new SmtpServer();
    running = Running.on(database, smtp.config());
    mail = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    officer = running.platform.issuer().issue(o.id(), Duration.ofDays(30));
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
    smtp.close();
  }

  private record Person(String id, String email) {}

  /** A person registered with Plenary Mail, with {@code language} in their language field (none when null). */
  private Person person(String language) throws Exception {
    String email = "l." + System.nanoTime() + "@example.org";
    String lang = language == null ? "" : ",\"language\":\"" + language + "\"";
    HttpResponse<String> r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Lea\"" + lang + "},\"password\":\"a long passphrase\"}",
        mail);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new Person(json.readTree(r.body()).get("id").asText(), email);
  }

  /** The subject of the mail to {@code p} whose subject one of {@code subjects} is, once it has arrived. */
  private String arrived(Person p, String... subjects) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      for (MimeMessage m : smtp.to(p.email())) {
        if (List.of(subjects).contains(m.getSubject())) {
          return m.getSubject() + "\n" + String.valueOf(m.getContent());
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no mail " + List.of(subjects) + " arrived for " + p.id());
  }

  @Test
  void C36_thePolicyChangeNoticeIsInThePersonsOwnLanguageAndEnglishOtherwise() throws Exception {
    Person german = person("de");
    Person austrian = person("de-AT");
    Person named = person("Deutsch");
    Person french = person("fr");
    Person none = person(null);
    LocalDate tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    HttpResponse<String> published = running.postJson("/api/v1/policy/versions", json.writeValueAsString(Map.of("policy", PolicyTexts.same(2),
        "effective", tomorrow.toString(), "source", "plenary-next.yaml")), officer);
    assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
    running.platform.domain().versions().notifyAll(100);
    String de = "Unsere Datenschutzerklärung ändert sich";
    String en = "Our privacy policy is changing";
    for (Person p : List.of(german, austrian, named)) {
      String got = arrived(p, de, en);
      assertThat(got).as("the notice to %s", p.id()).startsWith(de).contains("Version 2 tritt am " + tomorrow + " in Kraft");
    }
    for (Person p : List.of(french, none)) {
      assertThat(arrived(p, de, en)).as("the notice to %s", p.id()).startsWith(en).contains("Version 2 comes into force on " + tomorrow);
    }
  }

  @Test
  void C19_aServicesRequestForConsentIsAnnouncedInThePersonsLanguage() throws Exception {
    Person german = person("de");
    Person english = person("en");
    for (Person p : List.of(german, english)) {
      HttpResponse<String> r = running.postJson("/api/v1/subjects/" + p.id() + "/consent-requests",
          "{\"purpose\":\"develop\",\"reason\":\"A new feature.\"}", mail);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
    assertThat(arrived(german, "Plenary Mail bittet um Ihre Einwilligung", "Plenary Mail asks for your consent"))
        .startsWith("Plenary Mail bittet um Ihre Einwilligung").contains("Ohne Ihre Zustimmung ändert sich nichts");
    assertThat(arrived(english, "Plenary Mail bittet um Ihre Einwilligung", "Plenary Mail asks for your consent"))
        .startsWith("Plenary Mail asks for your consent").contains("Nothing changes unless you agree");
  }

  @Test
  void theMailToAnAddressAServiceRegisteredAgainIsInItsOwnersLanguage() throws Exception {
    Person german = person("de");
    Person none = person(null);
    for (Person p : List.of(german, none)) {
      // a service registers someone with an address that is taken: it is answered as for a new one, and the owner is told
      HttpResponse<String> again = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + p.email() + "\",\"name\":\"Someone\"}}", mail);
      assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
    }
    String de = "Ihre Adresse wurde bei Plenary Mail zur Registrierung angegeben";
    String en = "Your address was given to register with Plenary Mail";
    assertThat(arrived(german, de, en)).startsWith(de).contains("Der Dienst Plenary Mail hat jemanden mit Ihrer E-Mail-Adresse registriert");
    assertThat(arrived(none, de, en)).startsWith(en).contains("The service Plenary Mail registered someone with your email address");
  }

  @Test
  void aResetLinkIsMailedInThePersonsLanguageWhateverTheBrowserAsks() throws Exception {
    Person german = person("de");
    AtomicReference<Locale> given = new AtomicReference<>();
    Texts browser = Texts.of(Locale.ENGLISH);
    // as the forgotten-password page does: the person's language where they gave one, the browser's otherwise
    running.platform.domain().passwords().requestReset(german.email(), Duration.ofHours(1), (token, language) -> {
      given.set(language);
      Texts t = language == null ? browser : Texts.of(language);
      return new Passwords.Mail(t.get("mail.reset.subject"), t.format("mail.reset.body", "/account/reset/" + token, 60));
    }, "rq-language");
    assertThat(given.get()).isEqualTo(Locale.GERMAN);
    assertThat(arrived(german, "Neues Plenary-Passwort wählen", "Choose a new Plenary password")).startsWith("Neues Plenary-Passwort wählen");
  }
}
