package com.plenary.privacy.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.policy.Action;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.policy.Obligation;
import com.plenary.privacy.policy.Policy;
import com.plenary.privacy.testkit.Repo;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class DecisionEngineTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  private static Policy version2() throws Exception {
    String text = Files.readString(Repo.policyFile()).replace("version: 1", "version: 2")
        .replace("  - id: develop\n", "  - id: convenience.personalise\n    text: Personalising what you see\n    since: 2\n    clauses: [C36]\n  - id: develop\n");
    return Policy.parse(text, "v2.yaml");
  }

  private static DecisionRequest mailReads(String purpose, int acceptedVersion, List<Facts.Consent> consents) {
    return new DecisionRequest(ActorKind.SERVICE, "mail", Action.USE, purpose, "s-1", null, List.of("user.contact.email"),
        new Facts(NOW, consents, acceptedVersion, Set.of(), null, List.of(), null, -1));
  }

  @Test
  void C36_aNewPurposeIsDeniedUntilThePersonConsentsUnderTheNewVersion() throws Exception {
    DecisionEngine engine = DecisionEngine.compile(version2());
    Decision before = engine.decide(mailReads("convenience.personalise", 1, List.of()));
    assertThat(before.permits()).isFalse();
    assertThat(before.clauses()).contains("C36");
    assertThat(engine.decide(mailReads("convenience.personalise", 1, List.of(new Facts.Consent("convenience.personalise", null, 1)))).permits())
        .as("a consent given under version 1 predates the purpose").isFalse();
    assertThat(engine.decide(mailReads("convenience.personalise", 1, List.of(new Facts.Consent("convenience.personalise", null, 2)))).permits()).isTrue();
    assertThat(engine.decide(mailReads("convenience.personalise", 2, List.of())).permits()).as("accepted version 2 at registration").isTrue();
    assertThat(engine.decide(mailReads("provide", 1, List.of())).permits()).as("old purposes are unaffected").isTrue();
  }

  private static DecisionRequest mailReadsInto(String dataCentre) {
    return new DecisionRequest(ActorKind.SERVICE, "mail", Action.READ, "provide", "s-1", null, List.of("user.contact.email", "user.name"),
        Facts.at(NOW).transferTo(dataCentre).build());
  }

  @Test
  void C13_anAnswerLeavesItsDataCentreOnlyForAnotherOfTheRegistryWithAnAttestation() throws Exception {
    DecisionEngine engine = DecisionEngine.compile(Policy.bundled());
    Decision stays = engine.decide(mailReadsInto(null));
    assertThat(stays.permits()).isTrue();
    assertThat(stays.rules()).doesNotContain(DecisionEngine.TRANSFER_RULE);

    Decision sent = engine.decide(mailReadsInto("iad-1"));
    assertThat(sent.permits()).isTrue();
    assertThat(sent.permitted()).containsExactly("user.contact.email", "user.name");
    assertThat(sent.rules()).containsAll(stays.rules()).contains(DecisionEngine.TRANSFER_RULE);
    assertThat(sent.clauses()).contains("C12", "C13", "C31");

    Decision outside = engine.decide(mailReadsInto("lhr-9"));
    assertThat(outside.permits()).isFalse();
    assertThat(outside.permitted()).isEmpty();
    assertThat(outside.rules()).containsExactly("transfer-outside-registry");

    Decision partial = engine.decide(new DecisionRequest(ActorKind.SERVICE, "mail", Action.READ, "provide", "s-1", null,
        List.of("user.contact.email", "user.authorization.password"), Facts.at(NOW).transferTo("iad-1").build()));
    assertThat(partial.permitted()).as("what is read in part is sent in part, and says so").containsExactly("user.contact.email");
    assertThat(partial.rules()).contains(DecisionEngine.TRANSFER_RULE);
  }

  @Test
  void C33_aStaffDenialAsksForAnIncident() {
    Decision d = DecisionEngine.compile(Policy.bundled()).decide(new DecisionRequest(ActorKind.STAFF, "st-1", Action.READ, "provide", "s-1", null,
        List.of("user.name"), new Facts(NOW, List.of(), 0, Set.of(), new Facts.Staff("st-1", "employee", null, List.of()), List.of(), null, -1)));
    assertThat(d.permits()).isFalse();
    assertThat(d.obligations()).contains(Obligation.NOTIFY_PRIVACY_OFFICER_ON_DENY);
  }

  @Test
  void requestsFromMapsNameTheFieldAtFault() {
    InvalidInputException e = Assertions.catchThrowableOfType(InvalidInputException.class, () ->
        DecisionRequests.fromMap(Map.of("actor", Map.of("kind", "service", "id", "mail"), "action", "read", "purpose", "provide",
            "categories", List.of("user.name"), "facts", Map.of("consents", List.of(Map.of("purpose", "x", "colour", "red")))), NOW));
    assertThat(e.field()).isEqualTo("facts.consents[0]");
    assertThat(e.getMessage()).contains("unknown field").doesNotContain("red");
    assertThat(catchField(Map.of("actor", Map.of("kind", "robot"), "action", "read", "purpose", "p", "categories", List.of("c")))).isEqualTo("actor.kind");
    assertThat(catchField(Map.of("actor", Map.of("kind", "service"), "action", "steal", "purpose", "p", "categories", List.of("c")))).isEqualTo("action");
    assertThat(catchField(Map.of("actor", Map.of("kind", "service"), "action", "read", "purpose", "p", "categories", List.of()))).isEqualTo("categories");
  }

  private static String catchField(Map<String, Object> raw) {
    return Assertions.catchThrowableOfType(InvalidInputException.class, () -> DecisionRequests.fromMap(raw, NOW)).field();
  }
}
