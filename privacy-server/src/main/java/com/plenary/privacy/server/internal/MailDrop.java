package com.plenary.privacy.server.internal;

import com.plenary.privacy.domain.messages.Envelope;
import com.plenary.privacy.domain.messages.MailTransport;
import com.plenary.privacy.store.OwnerOnly;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The embedded default when no SMTP server is configured: each message is written as one
 * {@code <outbox id>.eml} file in {@code data_dir/mail-drop}, owner-only, so {@code plenary serve --demo}
 * works with no mail server and a developer can open what a person would receive. A file that is
 * already there is the same message (its name is the message's id), so a repeat writes nothing.
 */
public final class MailDrop implements MailTransport {
  private final Path dir;
  private final Session session = Session.getInstance(new Properties());
  private final MimeMessages messages;

  MailDrop(Path dir, MimeMessages messages) {
    this.dir = dir;
    this.messages = messages;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public Outcome send(Envelope envelope) {
    Path file = dir.resolve(envelope.messageId() + ".eml");
    try {
      OwnerOnly.directory(dir);
      if (Files.exists(file)) {
        return Outcome.sent();
      }
      Path tmp = Files.createTempFile(dir, envelope.messageId(), ".tmp", OwnerOnly.fileAttributes());
      try (OutputStream out = Files.newOutputStream(tmp)) {
        messages.build(session, envelope).writeTo(out);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return Outcome.sent();
    } catch (IOException | MessagingException e) {
      return new Outcome(Result.TRANSIENT, e.getClass().getSimpleName());
    }
  }
}
