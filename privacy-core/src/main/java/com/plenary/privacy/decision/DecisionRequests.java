package com.plenary.privacy.decision;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Condition;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads decision requests from plain maps (as parsed from JSON or YAML), the one place where their
 * shape is checked. Unknown keys and wrong types are refused with the field's path.
 *
 * <pre>
 * {"actor": {"kind": "service", "id": "mail"}, "action": "read", "purpose": "provide",
 *  "subject": "s-1", "recipient": null, "categories": ["user.contact.email"],
 *  "facts": {"now": "2026-11-25T10:00:00Z", "consents": [{"purpose": "improve", "version": 1}],
 *            "subject_policy_version": 1, "conditions": ["unsubscribed"],
 *            "staff": {"id": "st-1", "type": "employee", "agreement_signed": "…",
 *                      "grants": [{"role": "support", "categories": [...], "purposes": [...], "from": "…", "until": "…"}]},
 *            "agreements": [{"recipient": "carrier", "categories": [...], "purposes": [...], "start": "2026-01-01", "end": "2027-01-01"}],
 *            "legal": {"ground": "a", "requested_by": "st-1", "approved_by": ["st-2"]},
 *            "smallest_group": 12}}
 * </pre>
 */
public final class DecisionRequests {
  private static final Set<String> REQUEST_KEYS = Set.of("actor", "action", "purpose", "subject", "recipient", "categories", "facts");
  private static final Set<String> FACT_KEYS = Set.of("now", "consents", "subject_policy_version", "conditions", "staff", "agreements", "legal", "smallest_group");

  private DecisionRequests() {}

  /** Reads one request; {@code defaultNow} is used when the facts give no time. */
  public static DecisionRequest fromMap(Object raw, Instant defaultNow) {
    return fromMap(raw, defaultNow, "");
  }

  static DecisionRequest fromMap(Object raw, Instant defaultNow, String at) {
    Map<String, Object> m = map(raw, at.isEmpty() ? "request" : at, REQUEST_KEYS);
    Map<String, Object> actor = map(m.get("actor"), path(at, "actor"), Set.of("kind", "id"));
    String kindText = text(actor, path(at, "actor.kind"), "kind", true);
    ActorKind kind = ActorKind.of(kindText);
    if (kind == null) {
      throw new InvalidInputException(path(at, "actor.kind"), "actor.kind must be one of " + names(ActorKind.values()));
    }
    String actionText = text(m, path(at, "action"), "action", true);
    Action action = Action.of(actionText);
    if (action == null) {
      throw new InvalidInputException(path(at, "action"), "action must be one of " + names(Action.values()));
    }
    List<String> categories = texts(m.get("categories"), path(at, "categories"));
    if (categories.isEmpty() || categories.size() > 64) {
      throw new InvalidInputException(path(at, "categories"), "categories must list from 1 to 64 data categories");
    }
    Facts facts = facts(m.get("facts"), path(at, "facts"), defaultNow);
    return new DecisionRequest(kind, text(actor, path(at, "actor.id"), "id", false), action,
        text(m, path(at, "purpose"), "purpose", true), text(m, path(at, "subject"), "subject", false),
        text(m, path(at, "recipient"), "recipient", false), categories, facts);
  }

  /** Reads a list of requests, or one request given alone. */
  public static List<DecisionRequest> listFromObject(Object raw, Instant defaultNow) {
    if (raw instanceof List<?> list) {
      if (list.isEmpty() || list.size() > 1000) {
        throw new InvalidInputException("", "a batch must hold from 1 to 1000 requests");
      }
      List<DecisionRequest> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        out.add(fromMap(list.get(i), defaultNow, "[" + i + "]"));
      }
      return out;
    }
    return List.of(fromMap(raw, defaultNow));
  }

  private static Facts facts(Object raw, String at, Instant defaultNow) {
    if (raw == null) {
      return new Facts(defaultNow, List.of(), 0, Set.of(), null, List.of(), null, -1);
    }
    Map<String, Object> f = map(raw, at, FACT_KEYS);
    Instant now = f.get("now") == null ? defaultNow : instant(f.get("now"), at + ".now");
    List<Facts.Consent> consents = new ArrayList<>();
    List<?> cl = list(f.get("consents"), at + ".consents");
    for (int i = 0; i < cl.size(); i++) {
      String p = at + ".consents[" + i + "]";
      Map<String, Object> c = map(cl.get(i), p, Set.of("purpose", "recipient", "version"));
      consents.add(new Facts.Consent(text(c, p + ".purpose", "purpose", true), text(c, p + ".recipient", "recipient", false),
          integer(c.get("version"), p + ".version", 1)));
    }
    EnumSet<Condition> conditions = EnumSet.noneOf(Condition.class);
    for (String c : texts(f.get("conditions"), at + ".conditions")) {
      Condition cond = Condition.of(c);
      if (cond == null) {
        throw new InvalidInputException(at + ".conditions", "conditions may hold only " + Arrays.stream(Condition.values()).map(Condition::id).toList());
      }
      conditions.add(cond);
    }
    Facts.Staff staff = null;
    if (f.get("staff") != null) {
      String p = at + ".staff";
      Map<String, Object> s = map(f.get("staff"), p, Set.of("id", "type", "agreement_signed", "grants"));
      List<Facts.Grant> grants = new ArrayList<>();
      List<?> gl = list(s.get("grants"), p + ".grants");
      for (int i = 0; i < gl.size(); i++) {
        String gp = p + ".grants[" + i + "]";
        Map<String, Object> g = map(gl.get(i), gp, Set.of("role", "categories", "purposes", "from", "until"));
        grants.add(new Facts.Grant(text(g, gp + ".role", "role", true), texts(g.get("categories"), gp + ".categories"),
            texts(g.get("purposes"), gp + ".purposes"), instant(g.get("from"), gp + ".from"), instant(g.get("until"), gp + ".until")));
      }
      staff = new Facts.Staff(text(s, p + ".id", "id", false), text(s, p + ".type", "type", true),
          s.get("agreement_signed") == null ? null : instant(s.get("agreement_signed"), p + ".agreement_signed"), grants);
    }
    List<Facts.Agreement> agreements = new ArrayList<>();
    List<?> al = list(f.get("agreements"), at + ".agreements");
    for (int i = 0; i < al.size(); i++) {
      String p = at + ".agreements[" + i + "]";
      Map<String, Object> a = map(al.get(i), p, Set.of("recipient", "categories", "purposes", "start", "end"));
      agreements.add(new Facts.Agreement(text(a, p + ".recipient", "recipient", true), texts(a.get("categories"), p + ".categories"),
          texts(a.get("purposes"), p + ".purposes"), date(a.get("start"), p + ".start"), date(a.get("end"), p + ".end")));
    }
    Facts.LegalRequest legal = null;
    if (f.get("legal") != null) {
      String p = at + ".legal";
      Map<String, Object> l = map(f.get("legal"), p, Set.of("ground", "requested_by", "approved_by"));
      legal = new Facts.LegalRequest(text(l, p + ".ground", "ground", true), text(l, p + ".requested_by", "requested_by", true),
          texts(l.get("approved_by"), p + ".approved_by"));
    }
    return new Facts(now, consents, integer(f.get("subject_policy_version"), at + ".subject_policy_version", 0),
        conditions, staff, agreements, legal, integer(f.get("smallest_group"), at + ".smallest_group", -1));
  }

  // ---- shape checks ----

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object raw, String at, Set<String> allowed) {
    if (!(raw instanceof Map<?, ?> m)) {
      throw new InvalidInputException(at, at + " must be an object");
    }
    for (Object k : m.keySet()) {
      if (!(k instanceof String key) || !allowed.contains(key)) {
        throw new InvalidInputException(at, "unknown field in " + at + "; allowed: " + String.join(", ", new TreeSet<>(allowed)));
      }
    }
    return (Map<String, Object>) m;
  }

  private static List<?> list(Object raw, String at) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof List<?> l)) {
      throw new InvalidInputException(at, at + " must be a list");
    }
    return l;
  }

  private static List<String> texts(Object raw, String at) {
    List<String> out = new ArrayList<>();
    for (Object o : list(raw, at)) {
      if (!(o instanceof String s) || s.isEmpty() || s.length() > 200) {
        throw new InvalidInputException(at, at + " must be a list of non-empty texts of at most 200 characters");
      }
      out.add(s);
    }
    return out;
  }

  private static String text(Map<String, Object> m, String at, String key, boolean required) {
    Object v = m.get(key);
    if (v == null) {
      if (required) {
        throw new InvalidInputException(at, at + " is required");
      }
      return null;
    }
    if (!(v instanceof String s) || s.isEmpty() || s.length() > 200) {
      throw new InvalidInputException(at, at + " must be a non-empty text of at most 200 characters");
    }
    return s;
  }

  private static int integer(Object raw, String at, int fallback) {
    if (raw == null) {
      return fallback;
    }
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
      long v = ((Number) raw).longValue();
      if (v >= -1 && v <= Integer.MAX_VALUE) {
        return (int) v;
      }
    }
    throw new InvalidInputException(at, at + " must be a whole number");
  }

  private static Instant instant(Object raw, String at) {
    if (raw instanceof Instant i) {
      return i;
    }
    if (raw instanceof Date d) {
      return d.toInstant();
    }
    try {
      return Instant.parse(String.valueOf(raw));
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(at, at + " must be a time such as 2026-11-25T10:00:00Z");
    }
  }

  private static LocalDate date(Object raw, String at) {
    if (raw instanceof LocalDate d) {
      return d;
    }
    if (raw instanceof Date d) {
      return LocalDate.ofInstant(d.toInstant(), ZoneOffset.UTC);
    }
    try {
      return LocalDate.parse(String.valueOf(raw));
    } catch (DateTimeParseException e) {
      throw new InvalidInputException(at, at + " must be a date such as 2026-11-25");
    }
  }

  private static String names(Enum<?>[] values) {
    List<String> out = new ArrayList<>();
    for (Enum<?> v : values) {
      out.add(v.name().toLowerCase(Locale.ROOT));
    }
    return String.join(", ", out);
  }

  private static String path(String at, String field) {
    return at.isEmpty() ? field : at + "." + field;
  }
}
