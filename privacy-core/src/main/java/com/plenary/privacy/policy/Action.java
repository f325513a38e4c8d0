package com.plenary.privacy.policy;

import java.util.Locale;

/** What an actor does with personal data. */
public enum Action {
  COLLECT,
  READ,
  USE,
  DISCLOSE,
  MESSAGE,
  AGGREGATE;

  /** The spelling in policy files and requests: lower case. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action spelled {@code id}, or {@code null} when there is none. */
  public static Action of(String id) {
    for (Action a : values()) {
      if (a.id().equals(id)) {
        return a;
      }
    }
    return null;
  }
}
