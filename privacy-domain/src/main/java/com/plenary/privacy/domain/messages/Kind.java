package com.plenary.privacy.domain.messages;

import com.plenary.privacy.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a message is to the person (C16). Transactional messages (a receipt, a password reset) are part
 * of a service the person asked for and carry no unsubscribe; service messages (a notice of a policy
 * change, an answer to a request) and marketing carry one, and an unsubscribe stops the next of them.
 */
public enum Kind {
  TRANSACTIONAL,
  SERVICE,
  MARKETING;

  /** The spelling in requests, tokens and the outbox: lower case. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether a person may unsubscribe from messages of this kind (every one but transactional). */
  public boolean unsubscribable() {
    return this != TRANSACTIONAL;
  }

  /** The kind spelled {@code id}; an unknown one is a 400 naming the field. */
  public static Kind of(String id) {
    for (Kind k : values()) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    throw new InvalidInputException("kind", "kind must be one of " + String.join(", ", Arrays.stream(values()).map(Kind::id).toList()));
  }

  /** The kind spelled {@code id}, or null. */
  public static Kind find(String id) {
    for (Kind k : values()) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    return null;
  }
}
