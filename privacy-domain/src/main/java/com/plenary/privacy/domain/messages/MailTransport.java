package com.plenary.privacy.domain.messages;

/**
 * The port a message leaves the platform through: an SMTP server, or the mail drop of a server with
 * none configured. An adapter sends one envelope and says how it went; it never retries by itself
 * (the outbox does, with back-off) and never logs the address or the text.
 */
public interface MailTransport {
  /** How a send went: accepted; refused for now (a 4xx reply, no connection), so try again later; or refused for good (a 5xx reply). */
  enum Result { SENT, TRANSIENT, PERMANENT }

  /** The answer to one send, with a short reason for operators that holds no personal value (an SMTP reply code, an exception's class). */
  record Outcome(Result result, String reason) {
    public static Outcome sent() {
      return new Outcome(Result.SENT, null);
    }
  }

  Outcome send(Envelope envelope);
}
