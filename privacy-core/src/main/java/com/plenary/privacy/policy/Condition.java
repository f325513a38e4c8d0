package com.plenary.privacy.policy;

/**
 * A fact that a prohibition may depend on ({@code when:}): about the person, given with the facts, or
 * about the disclosure itself, which the engine derives from the request and never takes from the facts.
 */
public enum Condition {
  /** The person has unsubscribed from marketing (C16). */
  UNSUBSCRIBED("unsubscribed"),
  /** The person is on the suppression list (C16). */
  SUPPRESSED("suppressed"),
  /**
   * The disclosure goes to a recipient that does not process on our behalf: of a kind the policy does
   * not mark as a processor, or not known at all (C17). The engine derives it from the recipient the
   * request names; facts that state it are ignored.
   */
  THIRD_PARTY_RECIPIENT("third-party-recipient");

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
