package com.plenary.privacy.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.policy.Policy;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class VocabularyTest {
  @Test
  void thePlenaryPolicyDeclaresEveryNameThePlatformUses() {
    assertThat(Enforcer.create(Policy.bundled(), Clock.systemUTC()).policy().name()).isEqualTo("plenary");
  }

  @Test
  void aPolicyWithoutANameThePlatformUsesIsRefusedNamingItAndItsUse() {
    Policy p = Policy.bundled();
    Policy without = new Policy(p.name(), p.version(), p.effective(), p.text(),
        p.purposes().stream().filter(purpose -> !purpose.id().equals(Vocabulary.CONVENIENCE)).toList(), p.categories(), p.fields(), p.services(),
        p.cookieClasses(), p.cookies(), p.collection(), p.partners(), p.recipientKinds(), p.agreementTerms(), p.recipients(),
        p.legalGrounds(), p.aggregateK(), p.staffTypes(), p.staffRoles(), p.retention(), p.regions(), p.dataCentres(),
        p.prohibitions(), p.rules(), p.clauseMap());
    assertThatThrownBy(() -> Enforcer.create(without, Clock.systemUTC())).isInstanceOf(PlenaryException.class)
        .hasMessageContaining("'convenience'").hasMessageContaining("tying a browser to its person");
    // a policy author's what-if works on any policy file
    assertThat(Enforcer.forPreview(without).policy()).isSameAs(without);
  }
}
