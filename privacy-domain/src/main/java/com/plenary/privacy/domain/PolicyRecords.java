package com.plenary.privacy.domain;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * The policy versions published (C36) and people's answers to them. A version is never changed once
 * stored, except for the progress of its notice to everyone registered; an acceptance is never changed.
 */
public interface PolicyRecords {
  /**
   * One published version: its number, name, the day it comes into force, its full text and that
   * text's SHA-256, what changed against the version in force when it was published ({@code changes},
   * JSON), who published it and when, and how far its notice has gone ({@code notifiedThrough}, the
   * last person told, in id order; {@code notifiedAt}, when everyone was).
   */
  record Stored(int version, String name, LocalDate effective, String text, String textSha256, String changes, Instant publishedAt,
      String publishedBy, String notifiedThrough, Instant notifiedAt) {}

  /** Stores a new version; false when its number is taken already. */
  boolean add(Stored version);

  /** Every stored version, oldest first, with its text. */
  List<Stored> all();

  /** The stored versions numbered above {@code version}, oldest first. */
  List<Stored> after(int version);

  Optional<Stored> get(int version);

  /** The versions whose notice is not finished, oldest first. */
  List<Stored> unnotified();

  /**
   * Records that everyone up to {@code through} (in id order) was told of {@code version}; with {@code done}, that everyone was.
   * Never backwards: a position before the one stored, from a run of another node, changes nothing, and a finished notice stays finished.
   */
  void notified(int version, String through, Instant done);

  /** The next people to tell after {@code after} (null: from the start), in id order, at most {@code limit}. */
  List<String> peopleAfter(String after, int limit);

  /** Records that the person agreed to the changed terms of {@code version}; false when they had already. */
  boolean accept(String subjectId, int version, Instant at, String channel, String shownSha256, String requestId);

  /** The newest version the person agreed to through a prompt; 0 when none. */
  int accepted(String subjectId);
}
