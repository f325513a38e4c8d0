package com.plenary.privacy.domain.messages;

import java.util.ArrayList;
import java.util.List;

/**
 * The port a message leaves the platform through: an SMTP server, or the mail drop of a server with
 * none configured. An adapter sends one envelope and says how it went; it never retries by itself
 * (the outbox does, with back-off) and never logs the address or the text.
 */
public interface MailTransport extends AutoCloseable {
  /** How a send went: accepted; refused for now (a 4xx reply, no connection), so try again later; or refused for good (a 5xx reply). */
  enum Result { SENT, TRANSIENT, PERMANENT }

  /** The answer to one send, with a short reason for operators that holds no personal value (an SMTP reply code, an exception's class). */
  record Outcome(Result result, String reason) {
    public static Outcome sent() {
      return new Outcome(Result.SENT, null);
    }
  }

  Outcome send(Envelope envelope);

  /**
   * Sends {@code envelopes} in order, over one connection where the transport can, and answers one
   * outcome for each, in the same order. A failure of one is its outcome, never an exception: an
   * exception leaves the caller not knowing which were handed over. This default sends them one by one,
   * and counts a send that throws as a transient failure (it was not accepted).
   */
  default List<Outcome> sendAll(List<Envelope> envelopes) {
    List<Outcome> out = new ArrayList<>(envelopes.size());
    for (Envelope e : envelopes) {
      Outcome o;
      try {
        o = send(e);
      } catch (RuntimeException x) {
        o = new Outcome(Result.TRANSIENT, x.getClass().getSimpleName());
      }
      out.add(o);
    }
    return out;
  }

  /** Lets go of what the transport keeps open between sends (connections); a send after it still works. */
  @Override
  default void close() {}
}
