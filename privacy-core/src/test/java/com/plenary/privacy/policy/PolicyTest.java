package com.plenary.privacy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.testkit.Repo;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PolicyTest {
  private final Policy policy = Policy.load(Repo.policyFile());

  @Test
  void C15_the_catalogue_holds_exactly_the_eight_listed_purposes_at_its_top() {
    assertThat(policy.purposes().stream().filter(p -> p.listed() && !p.id().contains(".")).map(Purpose::id))
        .containsExactly("communicate", "convenience", "provide", "improve", "technical", "protect", "develop", "terms");
  }

  @Test
  void bundledPolicyIsTheRepositoryPolicy() {
    assertThat(Policy.bundled()).isEqualTo(policy);
  }

  @Test
  void everyClauseFromC1ToC36IsNamedByTheBundledPolicy() {
    assertThat(policy.clauses()).containsAll(IntStream.rangeClosed(1, 36).mapToObj(i -> "C" + i).toList());
  }

  @Test
  void C12_C31_everyDataCentreHasARegionAndAnAttestation() {
    assertThat(policy.dataCentres()).allSatisfy(dc -> {
      assertThat(policy.regions()).contains(dc.region());
      assertThat(dc.attestation()).isNotBlank();
    });
  }

  @Test
  void C10_partnerCookiesNameTheirOwner() {
    assertThat(policy.cookies()).anySatisfy(c -> assertThat(c.owner()).isEqualTo("acme-ads"));
  }

  @Test
  void treesFollowDottedIds() {
    assertThat(Policy.isUnder("user.contact.email", "user.contact")).isTrue();
    assertThat(Policy.isUnder("user.contact", "user.contact")).isTrue();
    assertThat(Policy.isUnder("user.contactless", "user.contact")).isFalse();
    assertThat(Policy.isUnder("user", "user.contact")).isFalse();
  }
}
