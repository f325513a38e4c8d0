package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The outbox of messages to people, their unsubscriptions and the suppression list (C16). Subjects
 * and bodies cross this port in plain text; the store seals them with the person's own data key (or,
 * for the one text of a bulk send that names nobody's field, once with a key of the text's own:
 * {@link #addAllShared}). No address is ever stored here: the sender opens it from the person's
 * fields at send time.
 */
public interface MessageRecords {
  /** Where a message is: queued (waiting or backing off), sending (handed to the mail server), sent, failed, withdrawn, uncertain. */
  enum Status { QUEUED, SENDING, SENT, FAILED, WITHDRAWN, UNCERTAIN }

  /** A message as it is queued; {@code idempotencyKey} is a one-way hash of the caller's key, or null. */
  record Queued(String id, String subjectId, String service, String kind, String purpose, String idempotencyKey, String subject, String body,
      Instant queuedAt) {}

  /** A message as the outbox keeps it, without its subject and body. */
  record Entry(String id, String subjectId, String service, String kind, String purpose, Status status, int attempts, Instant queuedAt,
      Instant nextAttemptAt, Instant sentAt, String lastError) {}

  /**
   * Takes the lock on the person that every send for them holds until its transaction ends, so that a
   * count of their recent messages and the queueing of one more cannot interleave with another send's.
   */
  void lockPerson(String subjectId);

  /**
   * {@link #lockPerson} for a group: takes the locks of {@code subjectIds} in the order of their ids (so
   * two groups never wait on each other in a circle) and answers those that exist.
   */
  Set<String> lockPeople(Collection<String> subjectIds);

  /** The messages a service queued under any of these idempotency key hashes, by key hash. */
  Map<String, Entry> byIdempotencyKeys(String service, Collection<String> idempotencyKeys);

  /** {@link #countSince} for a group: only people with at least one such message are in the answer. */
  Map<String, Integer> countsSince(Collection<String> subjectIds, String kind, Instant since);

  /** Queues {@code messages} in one batch, each sealed with its person's key (the keys read in one batch). */
  void addAll(List<Queued> messages, Instant firstAttempt);

  /**
   * {@link #addAll} for a group of messages with one and the same subject and body, a text that names
   * no field of any person (the words of a bulk send, given once by the caller): the text is sealed
   * once, with a data key of its own, and each message names it instead of holding a copy sealed with
   * its person's key. Only for such a text: what ties a person to it is their message, deleted with
   * them; the text goes once no message names it ({@link #forgetUnusedTexts}).
   *
   * @throws IllegalArgumentException when the messages do not all have the same subject and body
   */
  void addAllShared(List<Queued> messages, Instant firstAttempt);

  /**
   * Deletes the shared texts ({@link #addAllShared}) written before {@code before} that no message
   * names any more (all their people were erased), at most {@code limit}; answers their ids, whose
   * data keys the caller destroys once this has committed.
   */
  List<String> forgetUnusedTexts(Instant before, int limit);

  /** Which of {@code subjectIds} have unsubscribed from {@code kind}. */
  Set<String> unsubscribed(Collection<String> subjectIds, String kind);

  /** Which of {@code subjectIds} are on the suppression list. */
  Set<String> suppressed(Collection<String> subjectIds);

  /** The message a service queued under this idempotency key hash, if any. */
  Optional<Entry> byIdempotencyKey(String service, String idempotencyKey);

  /** How many messages of {@code kind} were queued for the person at or after {@code since} (any status but withdrawn). */
  int countSince(String subjectId, String kind, Instant since);

  void add(Queued message, Instant firstAttempt);

  /** The ids of messages due for an attempt at {@code now}, oldest first, at most {@code limit}. */
  List<String> due(Instant now, int limit);

  /**
   * As {@link #due(Instant, int)}, only of the share {@code shard} (0 to {@code shards - 1}) of the
   * outbox: every message falls in exactly one share, so senders that each take their own never reach
   * for the same message.
   */
  List<String> due(Instant now, int limit, int shard, int shards);

  /** Locks the message and answers it when it is still queued; empty when another sender took it or it is gone. */
  Optional<Entry> claim(String id);

  /** Opens the message's subject and body; only after a decision that permits its delivery. */
  Map.Entry<String, String> open(Entry message);

  /**
   * {@link #claim} for a group: locks those of {@code ids} that are still queued and answers them, in
   * the order of {@code ids}; the others (taken by another sender, being claimed by one on any node right
   * now, or gone) are left out without waiting for them.
   */
  List<Entry> claimAll(List<String> ids);

  /** {@link #open} for a group, by message id; only after decisions that permit each delivery. */
  Map<String, Map.Entry<String, String>> openAll(List<Entry> messages);

  /** A move of one message, as {@link #mark} takes it. */
  record Mark(String id, Status status, int attempts, Instant next, Instant sentAt, String error) {}

  /** {@link #mark} for a group, in one batch. */
  void markAll(List<Mark> marks);

  /** Moves the message to {@code status}; {@code attempts} and {@code next} as they now are, {@code error} a short reason or null. */
  void mark(String id, Status status, int attempts, Instant next, Instant sentAt, String error);

  Optional<Entry> entry(String id);

  /** The messages to the person, newest first, at most {@code limit}. */
  List<Entry> of(String subjectId, int limit);

  /** The newest messages of every person, newest first, at most {@code limit}; for operators. */
  List<Entry> newest(Status status, int limit);

  /** Records that the person wants no more messages of {@code kind}; answers false when they had said so already. */
  boolean unsubscribe(String subjectId, String kind, Instant at);

  /** Takes back an unsubscription (the person subscribes again from their privacy center). */
  boolean resubscribe(String subjectId, String kind);

  /** The kinds the person has unsubscribed from. */
  List<String> unsubscribed(String subjectId);

  /** Puts the person's address on the suppression list (a hard bounce, a complaint, an operator); false when it was there. */
  boolean suppress(String subjectId, String reason, Instant at);

  boolean suppressed(String subjectId);

  /** Counts of messages by status, and the queue time of the oldest message still queued (null when none). */
  record Stats(Map<Status, Long> byStatus, Instant oldestQueued) {}

  Stats stats();

  /** Messages left in {@link Status#SENDING} by a sender that stopped before it knew the answer: marked uncertain; returns how many. */
  int markInterruptedUncertain(Instant before);

  /** The person's messages older than the message {@code before} (null: from the newest), newest first by id, at most {@code limit}. */
  List<Entry> page(String subjectId, String before, int limit);

  /** The person's messages still waiting to be sent (queued, or handed to the mail server and not yet answered), newest first, at most {@code limit}. */
  List<Entry> waiting(String subjectId, int limit);
}
