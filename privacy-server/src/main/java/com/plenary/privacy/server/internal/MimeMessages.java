package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Envelope;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Date;

/**
 * Turns an outbox {@link Envelope} into the MIME message both transports send. Every attempt of one
 * message carries the same {@code Message-ID} (the outbox id at the From address's domain), so a mail
 * server or reader can tell a repeat. Every message of a kind one can unsubscribe from carries
 * {@code List-Unsubscribe} with the one-click HTTPS link and a mailto (RFC 2369) and
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click} (RFC 8058); the link's token names the
 * person's pseudonymous id and the kind, never the address.
 */
final class MimeMessages {
  private final InternetAddress from;
  private final String domain;
  private final String baseUrl;
  private final UnsubscribeTokens tokens;
  private final Clock clock;

  /** {@code baseUrl}: where people reach the platform, such as {@code https://privacy.example}, without a trailing slash. */
  MimeMessages(String from, String baseUrl, UnsubscribeTokens tokens, Clock clock) {
    try {
      this.from = new InternetAddress(from, true);
    } catch (MessagingException e) {
      throw new IllegalArgumentException("mail.from is not an address", e);
    }
    String address = this.from.getAddress();
    this.domain = address.substring(address.indexOf('@') + 1);
    this.baseUrl = baseUrl;
    this.tokens = tokens;
    this.clock = clock;
  }

  /** The header value of the message's Message-ID. */
  String messageId(Envelope e) {
    return "<" + e.messageId() + "@" + domain + ">";
  }

  MimeMessage build(Session session, Envelope e) throws MessagingException {
    String id = messageId(e);
    MimeMessage m = new MimeMessage(session) {
      @Override
      protected void updateMessageID() throws MessagingException {
        setHeader("Message-ID", id);
      }
    };
    m.setFrom(from);
    m.setRecipient(Message.RecipientType.TO, new InternetAddress(e.to(), true));
    m.setSubject(e.subject(), "UTF-8");
    m.setText(e.body(), "UTF-8");
    m.setSentDate(Date.from(clock.instant()));
    if (e.kind().unsubscribable()) {
      String token = tokens.token(e.subjectId(), e.kind());
      String mailto = "mailto:unsubscribe@" + domain + "?subject=" + URLEncoder.encode("unsubscribe " + token, StandardCharsets.UTF_8).replace("+", "%20");
      m.setHeader("List-Unsubscribe", "<" + baseUrl + "/unsubscribe/" + token + ">, <" + mailto + ">");
      m.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }
    m.saveChanges();
    return m;
  }
}
