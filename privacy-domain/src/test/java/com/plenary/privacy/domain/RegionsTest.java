package com.plenary.privacy.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RegionsTest {
  private static final List<String> KNOWN = List.of("eu", "us", "apac");
  private final Regions eu = Regions.of("eu", KNOWN, Map.of("us", URI.create("https://us.plenary.example")));

  @Test
  void anIdNamesTheRegionItWasMintedFor() {
    for (String region : KNOWN) {
      for (int i = 0; i < 100; i++) {
        String id = Regions.mint(region);
        assertThat(id).matches("s-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(eu.homeOf(id)).contains(region);
      }
    }
    assertThat(Regions.mint("eu")).isNotEqualTo(Regions.mint("eu"));
  }

  @Test
  void anIdWithoutARegionNamesNoneAndIsHeldWhereItIs() {
    String legacy = "s-" + UUID.randomUUID();
    assertThat(eu.homeOf(legacy)).isEmpty();
    eu.requireHere(legacy);
    assertThat(eu.homeOf(null)).isEmpty();
    assertThat(eu.homeOf("s-1")).isEmpty();
    assertThat(eu.homeOf(Regions.mint("mars"))).as("a region the policy does not list").isEmpty();
  }

  @Test
  void aPersonOfAnotherRegionIsRefusedNamingTheirRegionAndWhereToGo() {
    eu.requireHere(Regions.mint("eu"));
    InAnotherRegion us = catchThrowableOfType(InAnotherRegion.class, () -> eu.requireHere(Regions.mint("us")));
    assertThat(us.region()).isEqualTo("us");
    assertThat(us.url()).contains(URI.create("https://us.plenary.example"));
    InAnotherRegion apac = catchThrowableOfType(InAnotherRegion.class, () -> eu.requireHere(List.of(Regions.mint("eu"), Regions.mint("apac"))));
    assertThat(apac.region()).isEqualTo("apac");
    assertThat(apac.url()).isEmpty();
  }

  @Test
  void aSessionTokenBeginningWithAPersonsTagNamesTheirRegionAndAnyOtherTokenNone() {
    SecureRandom random = new SecureRandom();
    for (String region : KNOWN) {
      byte[] raw = new byte[32];
      random.nextBytes(raw);
      byte[] tag = Regions.sessionTag(Regions.mint(region));
      raw[0] = tag[0];
      raw[1] = tag[1];
      assertThat(eu.homeOfSession(Base64.getUrlEncoder().withoutPadding().encodeToString(raw))).contains(region);
    }
    assertThat(Regions.sessionTag("s-" + UUID.randomUUID())).as("an id of no region").isNull();
    assertThat(Regions.sessionTag(null)).isNull();
    assertThat(eu.homeOfSession(null)).isEmpty();
    assertThat(eu.homeOfSession("too-short")).isEmpty();
    assertThat(eu.homeOfSession("!".repeat(43))).isEmpty();
    byte[] mars = Regions.sessionTag(Regions.mint("mars"));
    byte[] raw = new byte[32];
    raw[0] = mars[0];
    raw[1] = mars[1];
    assertThat(eu.homeOfSession(Base64.getUrlEncoder().withoutPadding().encodeToString(raw))).as("a region the policy does not list").isEmpty();
  }

  @Test
  void regionsThePolicyDoesNotListOrThisOneAmongTheOthersAreRefused() {
    assertThatThrownBy(() -> Regions.of("mars", KNOWN, Map.of())).hasMessageContaining("'mars'");
    assertThatThrownBy(() -> Regions.of("eu", KNOWN, Map.of("mars", URI.create("https://mars.example")))).hasMessageContaining("'mars'");
    assertThatThrownBy(() -> Regions.of("eu", KNOWN, Map.of("eu", URI.create("https://eu.example")))).hasMessageContaining("own");
  }
}
