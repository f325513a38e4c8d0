package com.plenary.privacy.domain.consent;

import com.plenary.privacy.policy.Policy;
import java.util.Map;

/** The W3C Data Privacy Vocabulary (DPV) terms consent records are written in. */
final class Dpv {
  static final String CONSENT = "dpv:Consent";
  static final String CONSENT_GIVEN = "dpv:ConsentGiven";
  static final String CONSENT_WITHDRAWN = "dpv:ConsentWithdrawn";
  static final String EXPRESSED_CONSENT = "dpv:ExpressedConsent";

  /** The DPV purpose of each of the policy's purposes; a purpose not named here is that of its nearest named ancestor. */
  private static final Map<String, String> PURPOSES = Map.of(
      "communicate", "dpv:CommunicationManagement",
      "communicate.respond", "dpv:CustomerCare",
      "communicate.marketing", "dpv:DirectMarketing",
      "convenience", "dpv:OptimisationForConsumer",
      "provide", "dpv:ServiceProvision",
      "improve", "dpv:ServiceOptimisation",
      "improve.analytics", "dpv:ServiceUsageAnalytics",
      "protect", "dpv:EnforceSecurity",
      "develop", "dpv:ResearchAndDevelopment",
      "technical", "dpv:ServiceProvision");

  private Dpv() {}

  static String purpose(String id) {
    for (String p = id; p != null; p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : null) {
      String term = PURPOSES.get(p);
      if (term != null) {
        return term;
      }
    }
    return Policy.isUnder(id, "terms") ? "dpv:ServiceProvision" : "dpv:Purpose";
  }
}
