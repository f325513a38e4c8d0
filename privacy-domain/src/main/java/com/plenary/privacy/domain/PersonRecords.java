package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A person's registration and fields. Values cross this port in plain text; the store seals them
 * with the person's own data key and indexes the email blindly, so neither is ever stored in plain.
 */
public interface PersonRecords {
  /** What is kept about a person beside their fields. */
  record Person(String id, String homeRegion, int policyVersion, Instant registeredAt) {}

  /** One stored field, opened. */
  record StoredField(String field, String category, String value, Instant updatedAt) {}

  /** Makes the person, their data key and their first service; {@code passwordHash} may be null. */
  void create(Person person, String email, String passwordHash, String service);

  boolean exists(String id);

  boolean registeredWith(String id, String service);

  /** Which of {@code ids} are registered with {@code service}: {@link #registeredWith} for a group, in one look-up. */
  Set<String> registeredWith(Collection<String> ids, String service);

  /** Which of {@code ids} exist. */
  Set<String> existing(Collection<String> ids);

  /** Which of {@code ids} have given the field {@code field}. */
  Set<String> havingField(Collection<String> ids, String field);

  /** The person registered with this email, looked up through its blind index. */
  Optional<String> idByEmail(String email);

  /** A person's password as it is kept (a one-way hash), for signing in; {@code hash} is null for a person who has none. */
  record PasswordOnFile(String subjectId, String hash) {}

  /** The password on file of the person registered with this email, looked up through its blind index. */
  Optional<PasswordOnFile> passwordByEmail(String email);

  /** The person's password as it is kept (a one-way hash); null for a person who has none. */
  String passwordHash(String id);

  /** Replaces the person's password (a one-way hash, made before the transaction). */
  void setPassword(String id, String passwordHash);

  /** Ends every session of the person (signed in anywhere); answers how many. */
  int endSessions(String id);

  /** A mailed link to reset a forgotten password, known only by the SHA-256 of its token. */
  record PasswordReset(String subjectId, Instant expiresAt) {}

  /**
   * Keeps a new reset link of the person (its token's SHA-256) until {@code expiresAt}; the person's
   * earlier links stop working, and links of anyone that expired before {@code at} are deleted.
   */
  void addPasswordReset(String tokenHash, String id, Instant at, Instant expiresAt);

  /** The reset link with this token hash, locked to the end of the transaction (so it is used once); empty when there is none. */
  Optional<PasswordReset> passwordReset(String tokenHash);

  /** When the person's newest reset link was made; empty when they have none. */
  Optional<Instant> lastPasswordReset(String id);

  /** Deletes every reset link of the person: a used link never works again. */
  void endPasswordResets(String id);

  /** Whether someone other than {@code except} (null: anyone) is registered with this email. */
  boolean emailTaken(String email, String except);

  /** Adds a field of a person just created (its email indexed as the person was made). */
  void add(String id, String field, String category, String value, Instant at);

  /** Sets (or replaces) one field's value; {@code email} also moves the person's blind email index. */
  void put(String id, String field, String category, String value, Instant at);

  /** The names of the fields the person has given, with their categories. */
  Map<String, String> fieldCategories(String id);

  /** Opens one field's value; only after a decision that permits its category. */
  String open(String id, String field);

  /**
   * {@link #open} for a group: the field of each of {@code ids} that has it, opened, by person (the
   * group's data keys read in one look-up); only after decisions that permit its category for each.
   */
  Map<String, String> openAll(Collection<String> ids, String field);

  Person person(String id);

  /** Every field, opened, for the person's export. */
  List<StoredField> fields(String id);

  List<String> services(String id);

  /** Counts of the person's fields by category. */
  Map<String, Integer> countByCategory(String id);

  /** Deletes the person's row and everything that hangs from it in the database (fields, sessions, consents). */
  void delete(String id);
}
