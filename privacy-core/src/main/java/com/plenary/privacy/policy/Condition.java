package com.plenary.privacy.policy;

/** A fact about the person that a prohibition may depend on ({@code when:}). */
public enum Condition {
  /** The person has unsubscribed from marketing (C16). */
  UNSUBSCRIBED("unsubscribed"),
  /** The person is on the suppression list (C16). */
  SUPPRESSED("suppressed");

  private final String id;

  Condition(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Condition of(String id) {
    for (Condition c : values()) {
      if (c.id.equals(id)) {
        return c;
      }
    }
    return null;
  }
}
