package com.plenary.privacy.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
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
  void regionsThePolicyDoesNotListOrThisOneAmongTheOthersAreRefused() {
    assertThatThrownBy(() -> Regions.of("mars", KNOWN, Map.of())).hasMessageContaining("'mars'");
    assertThatThrownBy(() -> Regions.of("eu", KNOWN, Map.of("mars", URI.create("https://mars.example")))).hasMessageContaining("'mars'");
    assertThatThrownBy(() -> Regions.of("eu", KNOWN, Map.of("eu", URI.create("https://eu.example")))).hasMessageContaining("own");
  }
}
