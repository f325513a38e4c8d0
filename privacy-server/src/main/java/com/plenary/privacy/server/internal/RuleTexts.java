package com.plenary.privacy.server.internal;

import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.policy.Prohibition;
import com.plenary.privacy.policy.Rule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The plain sentence a person reads for a rule id that the audit trail or an incident records: the
 * policy's own wording for its rules and prohibitions, and a sentence of ours for the platform's own
 * refusals (the engine's defaults, the staff, review and consent safeguards). People never see the ids
 * themselves (nor clause ids; {@link #withoutClauseIds} removes those from stored texts).
 */
final class RuleTexts {
  /** The platform's own rule ids, which the policy does not word. */
  private static final Map<String, String> PLATFORM = Map.ofEntries(
      Map.entry("default-deny", "No rule of the policy permits this use."),
      Map.entry("undeclared-purpose", "The purpose is not one the policy declares."),
      Map.entry("undeclared-category", "The data asked for is not a kind the policy declares."),
      Map.entry("unregistered-service", "The service is not registered in the policy."),
      Map.entry("unknown-partner", "The partner is not named in the policy."),
      Map.entry("purpose-removed", "The purpose was removed from the policy."),
      Map.entry("policy-changed", "The policy changed, and the person has not yet accepted the new version."),
      Map.entry("privacy-budget", "The privacy budget for statistics of this data is spent."),
      Map.entry("aggregate-threshold", "Statistics are released only over enough people that none can be singled out."),
      Map.entry("not-visible", "The caller may not see this person."),
      Map.entry("no-grant-to-oneself", "No one may grant access to themselves."),
      Map.entry("no-approval-of-own-request", "No one may approve their own request for access."),
      Map.entry("no-closing-of-own-incident", "No one may close an incident about themselves."),
      Map.entry("grants-decided-by-privacy-officers", "Only a privacy officer decides on requests for access."),
      Map.entry("incidents-closed-by-privacy-officers", "Only a privacy officer closes incidents."),
      Map.entry("reviews-by-an-independent-auditor", "A review is signed off only by an auditor who did not make it."),
      Map.entry("consent-only-from-the-person", "Only the person themselves gives or withdraws their consent."),
      Map.entry("no-message-after-unsubscribe", "No message of a kind the person unsubscribed from."),
      Map.entry("suppression-list", "No message to an address on the suppression list."),
      Map.entry("marketing-rate-limit", "Marketing messages are limited in how often a person receives them."),
      Map.entry("second-approval", "A legal request needs a second approval before anything is released."));
  private static final String BREAK_GLASS = "Opened through break-glass access, with a justification and for at most an hour.";
  private static final String UNKNOWN = "A safeguard of the platform.";
  private static final Pattern CLAUSES = Pattern.compile("\\s*\\(\\s*C\\d+(?:\\s*[-–,]\\s*C?\\d+)*\\s*\\)|\\bC\\d+\\b(?:\\s*[-–,]\\s*C?\\d+)*");

  private final Map<String, String> texts = new HashMap<>(PLATFORM);

  private RuleTexts(Policy policy) {
    for (Rule r : policy.rules()) {
      texts.put(r.id(), sentence(r.text()));
    }
    for (Prohibition p : policy.prohibitions()) {
      texts.put(p.id(), sentence(p.text()));
    }
  }

  static RuleTexts of(Policy policy) {
    return new RuleTexts(policy);
  }

  /** The sentence for one rule id; never the id. */
  String text(String rule) {
    if (rule == null || rule.isEmpty()) {
      return "";
    }
    if (rule.startsWith("break-glass")) {
      return BREAK_GLASS;
    }
    return texts.getOrDefault(rule, UNKNOWN);
  }

  /** Every rule id a decision can record, with its sentence, in the order of the sentences: the choices of a search by rule. */
  List<Map.Entry<String, String>> choices() {
    return texts.entrySet().stream().sorted(Map.Entry.<String, String>comparingByValue().thenComparing(Map.Entry.comparingByKey())).toList();
  }

  /** The sentences for several rule ids, each once, in order. */
  String texts(List<?> rules) {
    return String.join(" ", rules.stream().map(r -> text(String.valueOf(r))).distinct().toList());
  }

  /** {@code text} without clause ids ("(C12, C13)", "C23-C26"). */
  static String withoutClauseIds(String text) {
    return text == null ? "" : CLAUSES.matcher(text).replaceAll("").replaceAll(" {2,}", " ").strip();
  }

  private static String sentence(String text) {
    String s = withoutClauseIds(text);
    return s.isEmpty() ? UNKNOWN : s;
  }
}
