package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Checks that a page or a CSV people read shows no clause id (C1…C36) and no internal rule id: only plain sentences. */
final class PlainText {
  /** The platform's own rule ids besides the policy's rules and prohibitions. */
  private static final List<String> PLATFORM_RULES = List.of("default-deny", "undeclared-purpose", "undeclared-category", "unregistered-service",
      "unknown-partner", "purpose-removed", "policy-changed", "privacy-budget", "no-grant-to-oneself", "no-approval-of-own-request",
      "no-closing-of-own-incident", "grants-decided-by-privacy-officers", "incidents-closed-by-privacy-officers", "reviews-by-an-independent-auditor",
      "consent-only-from-the-person", "break-glass:");

  private PlainText() {}

  /** The text a person sees of {@code html}: no styles, scripts or tags. */
  static String visible(String html) {
    return html.replaceAll("(?is)<style.*?</style>|<script.*?</script>", " ").replaceAll("(?s)<[^>]+>", " ");
  }

  static void assertNoClauseOrRuleIds(String what, String text, Policy policy) {
    assertThat(text).as("%s shows a clause id", what).doesNotContainPattern("\\bC\\d+\\b");
    List<String> ids = new ArrayList<>(PLATFORM_RULES);
    policy.rules().forEach(r -> ids.add(r.id()));
    policy.prohibitions().forEach(p -> ids.add(p.id()));
    for (String id : ids) {
      assertThat(text).as("%s shows the rule id %s", what, id).doesNotContainPattern("(?<![\\w-])" + Pattern.quote(id) + (id.endsWith(":") ? "" : "(?![\\w-])"));
    }
  }
}
