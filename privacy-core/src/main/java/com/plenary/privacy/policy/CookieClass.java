package com.plenary.privacy.policy;

import java.util.List;

/** A class of cookies (essential, preferences, analytics) tied to a purpose (C9, C20). */
public record CookieClass(String id, String purpose, boolean required, String text, List<String> clauses) {
  public CookieClass {
    clauses = List.copyOf(clauses);
  }
}
