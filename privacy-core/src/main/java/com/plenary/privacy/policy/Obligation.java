package com.plenary.privacy.policy;

/** What the enforcement point must do along with a decision. Every decision carries {@link #AUDIT}. */
public enum Obligation {
  AUDIT("audit"),
  MINIMISE_IP("minimise-ip"),
  MASK_FIELDS("mask-fields"),
  NOTIFY_SUBJECT("notify-subject"),
  NOTIFY_PRIVACY_OFFICER_ON_DENY("notify-privacy-officer-on-deny");

  private final String id;

  Obligation(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Obligation of(String id) {
    for (Obligation o : values()) {
      if (o.id.equals(id)) {
        return o;
      }
    }
    return null;
  }
}
