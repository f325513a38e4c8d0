package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Envelope;
import com.plenary.privacy.domain.messages.MailTransport;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * Sends over SMTP with Jakarta Mail (Eclipse Angus), STARTTLS when configured; a batch goes over one
 * connection, kept open for the next ({@link #sendAll}). Thread-safe: senders side by side each take a
 * connection of their own. A 5xx reply is a
 * permanent failure; a 4xx reply or no connection is transient (the outbox tries again later). The
 * reason it reports is the reply code or the exception's class, never the server's text, which may
 * repeat the address.
 */
public final class SmtpTransport implements MailTransport {
  private static final String LOCAL_NAME = localName();
  /** A connection idle this long is closed: mail servers drop idle clients after a minute or more. */
  static final Duration IDLE_CLOSE = Duration.ofSeconds(30);
  private final Deque<Idle> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;
  private final Session session;
  private final MimeMessages messages;
  private final String host;
  private final int port;
  private final String user;
  private final String password;

  SmtpTransport(String host, int port, boolean startTls, String user, String password, MimeMessages messages) {
    this.host = host;
    this.port = port;
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
    // the name this host gives in EHLO, looked up once: left to Angus, every new connection asks the resolver again
    p.put("mail.smtp.localhost", LOCAL_NAME);
    this.session = Session.getInstance(p);
    this.messages = messages;
    this.user = user;
    this.password = password;
  }

  /**
   * Sends the envelopes over one SMTP connection, one transaction ({@code MAIL FROM … DATA}) each, and
   * answers each one's outcome. The connection is kept open for the next batch (a mail server's greeting
   * and {@code EHLO} cost more than a message), one for each sender using it at once; a kept connection
   * is asked with {@code NOOP} before it is used (a mail server may have dropped it, and a message sent
   * on a dead connection would cost an attempt), and one idle longer than {@link #IDLE_CLOSE} is closed
   * and opened anew. When the connection cannot be opened none was handed
   * over: each gets the connection's outcome. When it drops between messages it is opened again for the rest.
   */
  @Override
  public List<Outcome> sendAll(List<Envelope> envelopes) {
    List<Outcome> out = new ArrayList<>(envelopes.size());
    Transport t;
    try {
      t = take();
    } catch (MessagingException e) {
      Outcome o = outcome(e);
      envelopes.forEach(x -> out.add(o));
      return out;
    }
    boolean healthy = true;
    for (Envelope e : envelopes) {
      if (t == null) {
        out.add(new Outcome(Result.TRANSIENT, "no connection"));
        continue;
      }
      try {
        MimeMessage m = messages.build(session, e);
        try {
          t.sendMessage(m, m.getAllRecipients());
        } catch (IllegalStateException notConnected) {
          // the server closed the connection after the message before: nothing of this one was sent
          close(t);
          t = connect();
          t.sendMessage(m, m.getAllRecipients());
        }
        out.add(Outcome.sent());
      } catch (MessagingException x) {
        out.add(outcome(x));
        if (!(x instanceof SendFailedException)) {
          // not a refusal of this message: the connection may be gone; the next message opens a new one
          close(t);
          try {
            t = connect();
          } catch (MessagingException again) {
            t = null;
            healthy = false;
          }
        }
      }
    }
    if (t != null && healthy && !closed) {
      idle.push(new Idle(t, System.nanoTime()));
    } else {
      close(t);
    }
    return out;
  }

  /** Closes the connections kept open. Sends after it open new ones and close them again. */
  @Override
  public void close() {
    closed = true;
    for (Idle i = idle.poll(); i != null; i = idle.poll()) {
      close(i.transport());
    }
  }

  /** A connection kept open, and since when it waits. */
  private record Idle(Transport transport, long since) {}

  /** An open connection: one kept from an earlier batch that still answers, or a new one. */
  private Transport take() throws MessagingException {
    for (Idle i = idle.poll(); i != null; i = idle.poll()) {
      long waited = System.nanoTime() - i.since();
      if (waited < IDLE_CLOSE.toNanos() && i.transport().isConnected()) {
        return i.transport();
      }
      close(i.transport());
    }
    return connect();
  }

  private Transport connect() throws MessagingException {
    Transport t = session.getTransport("smtp");
    t.connect(host, port, user, user == null ? null : password);
    return t;
  }

  private static void close(Transport t) {
    if (t != null) {
      try {
        t.close();
      } catch (MessagingException ignored) {
        // closing a connection that is gone
      }
    }
  }

  private static Outcome outcome(MessagingException e) {
    int code = replyCode(e);
    if (code >= 500) {
      return new Outcome(Result.PERMANENT, "SMTP " + code);
    }
    return new Outcome(Result.TRANSIENT, code > 0 ? "SMTP " + code : e.getClass().getSimpleName());
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

  private static String localName() {
    try {
      String name = InetAddress.getLocalHost().getCanonicalHostName();
      return name == null || name.isBlank() ? "localhost" : name;
    } catch (UnknownHostException e) {
      return "localhost";
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
