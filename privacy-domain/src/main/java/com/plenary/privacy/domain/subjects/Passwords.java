package com.plenary.privacy.domain.subjects;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Decision;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Outcome;
import com.plenary.privacy.domain.PersonRecords.PasswordReset;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Use;
import com.plenary.privacy.domain.Visibility;
import com.plenary.privacy.domain.Vocabulary;
import com.plenary.privacy.domain.messages.Kind;
import com.plenary.privacy.domain.messages.Messages;
import com.plenary.privacy.domain.Enforcer;
import com.plenary.privacy.policy.Action;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * A person's password: changed by them (knowing the current one), or reset through a link mailed to
 * their address when they forgot it. Each change is the person's own use of their account, decided and
 * audited by the enforcer in the transaction that makes it; every session of the person ends with it.
 *
 * <p>A reset link carries 256 random bits; only their SHA-256 is stored, with the time the link stops
 * working. It works once (the reset deletes the person's links) and only the newest one works; at most
 * one is mailed to a person within {@link #RESET_INTERVAL}. Asking
 * for a link answers nothing: the same for an address that is registered and one that is not (the mail
 * goes to the address's owner only, through the message gateway as a transactional message).
 */
public final class Passwords {
  /** At most one reset link is mailed to a person within this time, however often it is asked for (no mailbox flooding). */
  public static final Duration RESET_INTERVAL = Duration.ofMinutes(1);

  /** The longest a reset link may live. */
  public static final Duration MAX_RESET_LIFETIME = Duration.ofDays(1);

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{43}");

  /** The mail that carries a reset link: made by the front end (it knows the person's language and its own address). */
  public record Mail(String subject, String body) {}

  private final Storage storage;
  private final Enforcer enforcer;
  private final Visibility visibility;
  private final Messages messages;

  public Passwords(Storage storage, Enforcer enforcer, Visibility visibility, Messages messages) {
    this.storage = storage;
    this.enforcer = enforcer;
    this.visibility = visibility;
    this.messages = messages;
  }

  /**
   * Changes the person's password when {@code current} is theirs; ends every session of theirs (the
   * caller starts a new one). A wrong current password is an {@link InvalidInputException} naming
   * {@code current_password}; a new one that breaks the rule names {@code password}.
   */
  public Outcome<Boolean> change(Access by, String subjectId, String current, String next) {
    if (next == null) {
      throw new InvalidInputException("password", "the password must be 10 to 200 characters");
    }
    Subjects.checkPassword(next);
    String onFile = storage.inTransaction(w -> {
      visibility.require(w, by, subjectId, "change-password", Vocabulary.PROVIDE);
      return w.people().passwordHash(subjectId);
    });
    // slow on purpose, outside any transaction; a person without a password (they sign in through a service) has none to give
    boolean right = current != null && current.length() <= Subjects.MAX_PASSWORD && storage.checkPassword(current, onFile);
    if (!right) {
      throw new InvalidInputException("current_password", "the current password is not right");
    }
    String hash = storage.hashPassword(next);
    return storage.inTransaction(w -> {
      Decision d = enforcer.decide(w, by, Use.of("change-password", Action.USE, Vocabulary.PROVIDE, subjectId, List.of(Vocabulary.ACCOUNT)));
      if (!d.permits()) {
        return Outcome.<Boolean>denied(d);
      }
      w.people().setPassword(subjectId, hash);
      w.people().endPasswordResets(subjectId);
      w.people().endSessions(subjectId);
      return new Outcome<>(d, Boolean.TRUE);
    });
  }

  /**
   * Mails a reset link to the person registered with {@code email}, if there is one, as a
   * transactional message made by {@code mail} from the link's token; the link works for
   * {@code lifetime}. Answers nothing, and does the same for an unknown address, so no caller learns
   * whether an address is registered.
   */
  public void requestReset(String email, Duration lifetime, Function<String, Mail> mail, String requestId) {
    requestReset(email, lifetime, (token, language) -> mail.apply(token), requestId);
  }

  /**
   * As {@link #requestReset(String, Duration, Function, String)}, with the mail made in the person's own
   * language: {@code mail} is given the token and the language of the person's {@code language} field, or
   * null when they gave none (the front end then writes in its own choice, the browser's language or English).
   */
  public void requestReset(String email, Duration lifetime, BiFunction<String, Locale, Mail> mail, String requestId) {
    if (lifetime.isNegative() || lifetime.isZero() || lifetime.compareTo(MAX_RESET_LIFETIME) > 0) {
      throw new IllegalArgumentException("lifetime must be more than zero and at most " + MAX_RESET_LIFETIME);
    }
    if (email == null || email.isBlank() || email.length() > Subjects.MAX_EMAIL) {
      throw new InvalidInputException("email", "give the email address you registered with");
    }
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Optional<String> person = storage.inTransaction(w -> {
      Optional<String> id = w.people().idByEmail(email.trim());
      if (id.isEmpty()) {
        return id;
      }
      Instant now = enforcer.clock().instant();
      if (w.people().lastPasswordReset(id.get()).filter(last -> last.isAfter(now.minus(RESET_INTERVAL))).isPresent()) {
        return Optional.<String>empty(); // one was just sent: the answer is the same, no second mail
      }
      Decision d = enforcer.decide(w, Access.service(Messages.PLATFORM_SERVICE, requestId),
          Use.of("reset-link", Action.USE, Vocabulary.PROVIDE, id.get(), List.of(Vocabulary.ACCOUNT)));
      if (!d.permits()) {
        return Optional.<String>empty();
      }
      w.people().addPasswordReset(hash(token), id.get(), now, now.plus(lifetime));
      return id;
    });
    if (person.isPresent()) {
      messages.notice(person.get(), null, Kind.TRANSACTIONAL, language -> {
        Mail m = mail.apply(token, language);
        return new Messages.Text(m.subject(), m.body());
      }, requestId);
    }
  }

  /** Whether {@code token} is a reset link that still works (for the page that asks for the new password; changes nothing). */
  public boolean resetWorks(String token) {
    if (token == null || !TOKEN.matcher(token).matches()) {
      return false;
    }
    Instant now = enforcer.clock().instant();
    return storage.inTransaction(w -> w.people().passwordReset(hash(token)).filter(r -> r.expiresAt().isAfter(now)).isPresent());
  }

  /**
   * Sets the password of the person whose reset link {@code token} is, if the link still works: the
   * reset is decided and audited as the person's own use of their account, every link of theirs stops
   * working, and every session of theirs ends. Answers false, changing nothing, for a link that is
   * unknown, used or expired; a new password that breaks the rule is an {@link InvalidInputException}.
   */
  public boolean reset(String token, String next, String requestId) {
    if (next == null) {
      throw new InvalidInputException("password", "the password must be 10 to 200 characters");
    }
    Subjects.checkPassword(next);
    if (token == null || !TOKEN.matcher(token).matches()) {
      return false;
    }
    String hash = storage.hashPassword(next); // slow on purpose: before the transaction
    return storage.inTransaction(w -> {
      Optional<PasswordReset> link = w.people().passwordReset(hash(token));
      Instant now = enforcer.clock().instant();
      if (link.isEmpty() || !link.get().expiresAt().isAfter(now)) {
        return false;
      }
      String id = link.get().subjectId();
      Decision d = enforcer.decide(w, Access.subject(id, requestId), Use.of("reset-password", Action.USE, Vocabulary.PROVIDE, id, List.of(Vocabulary.ACCOUNT)));
      if (!d.permits()) {
        return false;
      }
      w.people().setPassword(id, hash);
      w.people().endPasswordResets(id);
      w.people().endSessions(id);
      return true;
    });
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
