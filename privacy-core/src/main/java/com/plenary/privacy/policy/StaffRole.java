package com.plenary.privacy.policy;

import java.util.List;

/** A staff role and the most a grant to it may open (C32). */
public record StaffRole(String id, String text, List<String> categories, List<String> purposes) {
  public StaffRole {
    categories = List.copyOf(categories);
    purposes = List.copyOf(purposes);
  }
}
