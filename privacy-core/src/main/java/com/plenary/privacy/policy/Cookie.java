package com.plenary.privacy.policy;

import java.time.Duration;
import java.util.List;

/** A cookie that we or a named partner set (C8, C10), with its class, lifetime and purpose. */
public record Cookie(
    String name,
    String cookieClass,
    String owner,
    Duration lifetime,
    String category,
    String text,
    List<String> clauses) {
  public Cookie {
    clauses = List.copyOf(clauses);
  }
}
