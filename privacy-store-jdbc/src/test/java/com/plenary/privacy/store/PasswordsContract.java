package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.MessageRecords.Entry;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Work;
import com.plenary.privacy.domain.subjects.Passwords;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Passwords changed and reset by a mailed link ({@link Passwords}), through the store: the link's token
 * kept only as its hash, working once and until it expires, every session ended, the reset audited.
 * Every test here runs on H2 and on PostgreSQL ({@link H2PasswordsTest}, {@link PostgresPasswordsTest}).
 */
abstract class PasswordsContract {
  private static final Access ACCOUNT = Access.service("account", "rq-test");
  private static final Duration HOUR = Duration.ofHours(1);

  abstract Storage storage();

  abstract Domain domain();

  abstract Vault vault();

  abstract MutableClock clock();

  /** The data database's JDBC URL and user, for looking at the rows behind the platform's back. */
  abstract String url();

  abstract String user();

  private record Person(String id, String email) {}

  private Person person(String password) {
    String email = "pw." + System.nanoTime() + "@example.org";
    var out = domain().subjects().register(ACCOUNT, "account", Map.of("email", email), password, null);
    assertThat(out.permitted()).isTrue();
    return new Person(out.value().id(), email);
  }

  /** Asks for a reset link for {@code email}; answers the token mailed, or null when no mail was made. */
  private String askFor(String email) {
    AtomicReference<String> token = new AtomicReference<>();
    domain().passwords().requestReset(email, HOUR, t -> {
      token.set(t);
      return new Passwords.Mail("Choose a new password", "Open https://privacy.example/account/reset/" + t);
    }, "rq-reset");
    return token.get();
  }

  private List<String> resetRows(String subjectId) throws Exception {
    List<String> out = new ArrayList<>();
    try (var c = DriverManager.getConnection(url(), user(), "");
        var s = c.prepareStatement("SELECT token_hash FROM password_reset WHERE subject_id = ?")) {
      s.setString(1, subjectId);
      try (var rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aResetLinkIsKeptAsItsHashMailedAsATransactionalMessageAndWorksOnce() throws Exception {
    Person p = person("the old passphrase");
    var session = vault().startSession(p.id());
    String token = askFor(p.email());
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(resetRows(p.id())).containsExactly(sha256(token));
    List<Entry> mail = storage().inTransaction(w -> w.messages().of(p.id(), 10));
    assertThat(mail).singleElement().satisfies(m -> {
      assertThat(m.kind()).isEqualTo("transactional");
      assertThat(m.service()).isEqualTo("account");
    });
    assertThat(domain().passwords().resetWorks(token)).isTrue();

    assertThat(domain().passwords().reset(token, "a brand new passphrase", "rq-1")).isTrue();
    assertThat(domain().subjects().signIn(p.email(), "a brand new passphrase", "rq-2")).contains(p.id());
    assertThat(domain().subjects().signIn(p.email(), "the old passphrase", "rq-3")).isEmpty();
    assertThat(vault().session(session.getKey())).as("every session ends with a reset").isEmpty();
    assertThat(resetRows(p.id())).isEmpty();
    // once only
    assertThat(domain().passwords().resetWorks(token)).isFalse();
    assertThat(domain().passwords().reset(token, "a third passphrase!", "rq-4")).isFalse();
    assertThat(domain().subjects().signIn(p.email(), "a brand new passphrase", "rq-5")).contains(p.id());
    // audited as the person's own use of their account, in the same transaction as the change
    List<Work.Trail> trail = storage().inTransaction(w -> w.trailOf(p.id(), 100));
    assertThat(trail).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("reset-password");
      assertThat(e.decision()).isEqualTo("permit");
      assertThat(e.by()).contains(p.id());
    });
    assertThat(trail).anySatisfy(e -> assertThat(e.action()).isEqualTo("reset-link"));
  }

  @Test
  void aLinkPastItsLifetimeChangesNothing() throws Exception {
    Person p = person("the old passphrase");
    String token = askFor(p.email());
    clock().advance(HOUR.plusSeconds(1));
    assertThat(domain().passwords().resetWorks(token)).isFalse();
    assertThat(domain().passwords().reset(token, "a brand new passphrase", "rq-1")).isFalse();
    assertThat(domain().subjects().signIn(p.email(), "the old passphrase", "rq-2")).contains(p.id());
  }

  @Test
  void onlyTheNewestLinkWorksAndAtMostOneIsMailedAMinute() {
    Person p = person("the old passphrase");
    String first = askFor(p.email());
    assertThat(askFor(p.email())).as("a second link within a minute is not sent").isNull();
    assertThat(domain().passwords().resetWorks(first)).isTrue();
    clock().advance(Passwords.RESET_INTERVAL.plusSeconds(1));
    String second = askFor(p.email());
    assertThat(domain().passwords().resetWorks(first)).isFalse();
    assertThat(domain().passwords().reset(first, "a brand new passphrase", "rq-1")).isFalse();
    assertThat(domain().passwords().reset(second, "a brand new passphrase", "rq-2")).isTrue();
  }

  @Test
  void anUnknownAddressGetsNoLinkAndNothingIsStored() throws Exception {
    int before;
    try (var c = DriverManager.getConnection(url(), user(), ""); var s = c.createStatement(); var rs = s.executeQuery("SELECT COUNT(*) FROM password_reset")) {
      rs.next();
      before = rs.getInt(1);
    }
    assertThat(askFor("nobody." + System.nanoTime() + "@example.org")).isNull();
    try (var c = DriverManager.getConnection(url(), user(), ""); var s = c.createStatement(); var rs = s.executeQuery("SELECT COUNT(*) FROM password_reset")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(before);
    }
  }

  @Test
  void aNewPasswordThatBreaksTheRuleIsRefusedAndTheLinkStillWorks() {
    Person p = person("the old passphrase");
    String token = askFor(p.email());
    assertThatThrownBy(() -> domain().passwords().reset(token, "short", "rq-1")).isInstanceOf(InvalidInputException.class)
        .satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("password"));
    assertThat(domain().passwords().resetWorks(token)).isTrue();
  }

  @Test
  void aChangeNeedsTheCurrentPasswordAndEndsEverySession() {
    Person p = person("the old passphrase");
    var session = vault().startSession(p.id());
    Access me = Access.subject(p.id(), "rq-c");
    assertThatThrownBy(() -> domain().passwords().change(me, p.id(), "not the passphrase", "a brand new passphrase"))
        .isInstanceOf(InvalidInputException.class).satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("current_password"));
    assertThat(vault().session(session.getKey())).isPresent();
    var changed = domain().passwords().change(me, p.id(), "the old passphrase", "a brand new passphrase");
    assertThat(changed.permitted()).as("%s", changed.decision()).isTrue();
    assertThat(vault().session(session.getKey())).isEmpty();
    assertThat(domain().subjects().signIn(p.email(), "a brand new passphrase", "rq-2")).contains(p.id());
    List<Work.Trail> trail = storage().inTransaction(w -> w.trailOf(p.id(), 100));
    assertThat(trail).anySatisfy(e -> assertThat(e.action()).isEqualTo("change-password"));
  }

  @Test
  void erasingThePersonDeletesTheirLinks() throws Exception {
    Person p = person("the old passphrase");
    String token = askFor(p.email());
    assertThat(resetRows(p.id())).hasSize(1);
    domain().subjects().erase(Access.subject(p.id(), "rq-e"), p.id());
    assertThat(resetRows(p.id())).isEmpty();
    assertThat(domain().passwords().resetWorks(token)).isFalse();
  }
}
