package com.plenary.privacy.domain;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.policy.Category;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Purpose;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The purposes and data categories the platform's own use cases are written in terms of, named once
 * here. A policy must declare every one of them: {@link Enforcer#create} refuses a policy that does
 * not, naming what is missing and what it is used for, so a policy change can never leave a use case
 * asking about a name that no longer exists.
 */
public final class Vocabulary {
  /** The person's own account and service: registration, their own access, correction, export, erasure. */
  public static final String PROVIDE = "provide";
  /** Tying a signed-in person's browser to them (C6). */
  public static final String CONVENIENCE = "convenience";
  /** The site's functioning: service events by default, operators' look at stored events. */
  public static final String TECHNICAL = "technical";
  /** Partners' events by default (C4). */
  public static final String IMPROVE = "improve";
  /** Page views from the snippet, allowed by the analytics cookie class (C9, C20). */
  public static final String ANALYTICS = "improve.analytics";
  /** Marketing messages, which need the person's opt-in (C16). */
  public static final String MARKETING = "communicate.marketing";
  /** Keeping people and the company safe: the purpose staff act under when they manage grants and recipients. */
  public static final String PROTECT = "protect";

  /** Everything about a person (export, erasure). */
  public static final String EVERYTHING = "user";
  /** A registration that gives no field. */
  public static final String ACCOUNT = "user.account";
  public static final String DEVICE = "user.device";
  public static final String BEHAVIOR = "user.behavior";
  public static final String PARTNER_RECORD = "user.partner";
  public static final String PRIVATE_CONTENT = "user.content.private";
  public static final String PUBLIC_CONTENT = "user.content.public";
  /** The address a message goes to (C16). */
  public static final String EMAIL = "user.contact.email";

  private static final Map<String, String> PURPOSES = Map.of(PROVIDE, "a person's own account", CONVENIENCE, "tying a browser to its person",
      TECHNICAL, "service events and operators' looks at them", IMPROVE, "partners' events", ANALYTICS, "page views from the snippet", MARKETING, "marketing messages",
      PROTECT, "staff grants and the registry of recipients");
  private static final Map<String, String> CATEGORIES = Map.of(EVERYTHING, "exports and erasures", ACCOUNT, "registrations without fields",
      DEVICE, "usage events", BEHAVIOR, "usage events", PARTNER_RECORD, "partner links", PRIVATE_CONTENT, "messages", PUBLIC_CONTENT, "posted content", EMAIL, "the address messages go to");

  private Vocabulary() {}

  /** Refuses a policy that lacks a name the platform's use cases need. */
  static void requireIn(Policy policy) {
    Set<String> purposes = policy.purposes().stream().map(Purpose::id).collect(Collectors.toSet());
    Set<String> categories = policy.categories().stream().map(Category::id).collect(Collectors.toSet());
    List<String> missing = new ArrayList<>();
    new LinkedHashMap<>(PURPOSES).forEach((id, use) -> {
      if (!purposes.contains(id)) {
        missing.add("the purpose '" + id + "' (for " + use + ")");
      }
    });
    new LinkedHashMap<>(CATEGORIES).forEach((id, use) -> {
      if (!categories.contains(id)) {
        missing.add("the data category '" + id + "' (for " + use + ")");
      }
    });
    if (!missing.isEmpty()) {
      throw new PlenaryException("the policy '" + policy.name() + "' must declare " + String.join(", ", missing) + ": the platform's own uses are written in these terms");
    }
  }
}
