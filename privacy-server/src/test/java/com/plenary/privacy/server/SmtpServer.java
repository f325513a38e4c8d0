package com.plenary.privacy.server;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.mail.MailAddress;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.smtp.SmtpManager;
import com.icegreen.greenmail.smtp.SmtpState;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A real SMTP server for the tests: GreenMail on a fixed free port (so it can be stopped and started
 * again at the same address), which answers {@code 550} to any recipient whose address starts with
 * {@code bounce-}, as a mail server does for a mailbox that does not exist.
 */
final class SmtpServer implements AutoCloseable {
  final int port;
  private final GreenMail green;

  SmtpServer() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    green = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP)) {
      @Override
      protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers mgr) {
        Managers bouncing = new Managers() {
          private final SmtpManager smtp = new SmtpManager(getImapHostManager(), getUserManager()) {
            @Override
            public String checkRecipient(SmtpState state, MailAddress rcpt) {
              return rcpt.getEmail().startsWith("bounce-") ? "550 5.1.1 mailbox unavailable" : super.checkRecipient(state, rcpt);
            }
          };

          @Override
          public SmtpManager getSmtpManager() {
            return smtp;
          }
        };
        managers = bouncing;
        return super.createServices(config, bouncing);
      }
    };
    green.start();
  }

  /** The platform's settings that send to this server. */
  Map<String, String> config() {
    return Map.of("mail.smtp.host", "127.0.0.1", "mail.smtp.port", String.valueOf(port), "mail.smtp.starttls", "false",
        "mail.from", "Plenary <no-reply@plenary.test>", "mail.retry_base", "PT0.2S");
  }

  void stop() {
    green.stop();
  }

  void start() {
    green.start();
  }

  /** Every message received, for anyone. */
  List<MimeMessage> received() {
    return List.of(green.getReceivedMessages());
  }

  /** Every message received for {@code address}. */
  List<MimeMessage> to(String address) throws MessagingException {
    List<MimeMessage> out = new ArrayList<>();
    for (MimeMessage m : green.getReceivedMessages()) {
      Address[] rcpt = m.getAllRecipients();
      if (rcpt != null && Arrays.stream(rcpt).anyMatch(a -> a.toString().contains(address))) {
        out.add(m);
      }
    }
    return out;
  }

  @Override
  public void close() {
    green.stop();
  }
}
