package com.plenary.privacy.domain.messages;

import java.util.Objects;

/**
 * One message as it leaves: its stable {@code Message-ID} local part (the outbox id, the same on every
 * attempt), the address opened from the person's fields for this send only, the text, and what the
 * transport needs to offer an unsubscribe (the person's pseudonymous id and the kind; never the address).
 */
public record Envelope(String messageId, String to, String subject, String body, Kind kind, String subjectId, String purpose, String service) {
  public Envelope {
    Objects.requireNonNull(messageId, "messageId == null");
    Objects.requireNonNull(to, "to == null");
    Objects.requireNonNull(kind, "kind == null");
  }

  @Override
  public String toString() {
    return "Envelope{" + messageId + " " + kind.id() + " " + purpose + "}"; // no address, no text
  }
}
