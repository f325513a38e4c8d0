package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Internal review reports (C30), kept with who made them and who signed them off. */
public interface ReviewRecords {
  /** A stored review with its report. */
  record Review(String id, Instant createdAt, String createdBy, Map<String, Object> report, String signedOffBy, Instant signedOffAt, String note) {}

  void add(Review review);

  Optional<Review> find(String id);

  /** Every review, newest first. */
  List<Review> list();

  /** Signs off a review not yet signed off; false when it already was. */
  boolean signOff(String id, String by, Instant at, String note);
}
