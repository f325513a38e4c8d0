package com.plenary.privacy.server;

import java.util.List;

/**
 * Who made a request, as proven by its credential: a service or partner key, or a staff token. A
 * request with no credential has no caller.
 */
public record Caller(Kind kind, String id, String name, List<String> roles, String staffType) {
  public enum Kind {
    SERVICE,
    PARTNER,
    STAFF
  }

  public Caller {
    roles = List.copyOf(roles);
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}
