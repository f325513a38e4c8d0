package com.plenary.privacy.server;

import java.util.List;

/**
 * Who made a request, as proven by its credential: a service or partner key, a staff token, or a
 * person's session cookie (with the session's CSRF token). A request with no credential has no caller.
 */
public record Caller(Kind kind, String id, String name, List<String> roles, String staffType, String csrf) {
  public enum Kind {
    SERVICE,
    PARTNER,
    STAFF,
    /** A person signed in to the privacy center, by session cookie. */
    SUBJECT
  }

  public Caller(Kind kind, String id, String name, List<String> roles, String staffType) {
    this(kind, id, name, roles, staffType, null);
  }

  public Caller {
    roles = List.copyOf(roles);
  }

  public boolean hasRole(String role) {
    return roles.contains(role);
  }
}
