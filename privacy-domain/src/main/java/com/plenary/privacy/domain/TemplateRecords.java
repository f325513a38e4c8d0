package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The message gateway's templates (C16): named, versioned texts with variables. A template holds the
 * company's words, never a person's: its variables are filled when a message is made from it (what
 * the caller gives) and when it is sent (a person's field, from the vault).
 */
public interface TemplateRecords {
  /** One version of a template. */
  record Template(String name, int version, String kind, String purpose, String subject, String body, String createdBy, Instant createdAt) {}

  /** Adds the next version of the template {@code name} (1 for a new one) and answers it. */
  Template add(String name, String kind, String purpose, String subject, String body, String createdBy, Instant at);

  /** The newest version of each template, by name. */
  List<Template> newest();

  /** A template's newest version, or the version named (null: the newest). */
  Optional<Template> find(String name, Integer version);
}
