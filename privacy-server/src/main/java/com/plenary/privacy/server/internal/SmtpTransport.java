package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Envelope;
import com.plenary.privacy.domain.messages.MailTransport;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * Sends over SMTP with Jakarta Mail (Eclipse Angus), STARTTLS when configured. A 5xx reply is a
 * permanent failure; a 4xx reply or no connection is transient (the outbox tries again later). The
 * reason it reports is the reply code or the exception's class, never the server's text, which may
 * repeat the address.
 */
public final class SmtpTransport implements MailTransport {
  private final Session session;
  private final MimeMessages messages;
  private final String user;
  private final String password;

  SmtpTransport(String host, int port, boolean startTls, String user, String password, MimeMessages messages) {
    Properties p = new Properties();
    p.put("mail.transport.protocol", "smtp");
    p.put("mail.smtp.host", host);
    p.put("mail.smtp.port", String.valueOf(port));
    p.put("mail.smtp.starttls.enable", String.valueOf(startTls));
    p.put("mail.smtp.starttls.required", String.valueOf(startTls));
    p.put("mail.smtp.auth", String.valueOf(user != null));
    p.put("mail.smtp.connectiontimeout", "10000");
    p.put("mail.smtp.timeout", "30000");
    p.put("mail.smtp.writetimeout", "30000");
    this.session = Session.getInstance(p);
    this.messages = messages;
    this.user = user;
    this.password = password;
  }

  @Override
  public Outcome send(Envelope envelope) {
    try {
      var m = messages.build(session, envelope);
      if (user == null) {
        Transport.send(m);
      } else {
        Transport.send(m, user, password);
      }
      return Outcome.sent();
    } catch (MessagingException e) {
      int code = replyCode(e);
      if (code >= 500) {
        return new Outcome(Result.PERMANENT, "SMTP " + code);
      }
      return new Outcome(Result.TRANSIENT, code > 0 ? "SMTP " + code : e.getClass().getSimpleName());
    }
  }

  /** The SMTP reply code behind {@code e} (the first refusal in its chain), or 0 when there was no reply (no connection). */
  static int replyCode(Exception e) {
    for (Exception x = e; x != null; ) {
      if (x instanceof SMTPAddressFailedException a && a.getReturnCode() > 0) {
        return a.getReturnCode();
      }
      if (x instanceof SMTPSendFailedException s && s.getReturnCode() > 0) {
        return s.getReturnCode();
      }
      if (x instanceof SMTPSenderFailedException s && s.getReturnCode() > 0) {
        return s.getReturnCode();
      }
      x = x instanceof MessagingException m ? m.getNextException() : null;
    }
    return 0;
  }
}
