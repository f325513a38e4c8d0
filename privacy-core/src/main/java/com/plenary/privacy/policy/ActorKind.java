package com.plenary.privacy.policy;

import java.util.Locale;

/** Who acts: one of the company's services, a partner, a staff member, a recipient, the person. */
public enum ActorKind {
  SERVICE,
  PARTNER,
  STAFF,
  RECIPIENT,
  SUBJECT,
  BROWSER;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ActorKind of(String id) {
    for (ActorKind k : values()) {
      if (k.id().equals(id)) {
        return k;
      }
    }
    return null;
  }
}
