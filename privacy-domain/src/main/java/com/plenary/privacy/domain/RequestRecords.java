package com.plenary.privacy.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A person's requests — export, correction, erasure — with their deadlines and when they were served. */
public interface RequestRecords {
  record Request(String kind, Instant requestedAt, Instant deadline, Instant servedAt) {}

  void add(String subjectId, Request request);

  List<Request> of(String subjectId);

  /** Notices of corrections sent to recipients the person's data went to. */
  List<Map<String, Object>> correctionNotices(String subjectId);
}
