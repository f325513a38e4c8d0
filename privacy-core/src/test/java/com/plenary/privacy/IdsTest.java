package com.plenary.privacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void idsAreVersion7WithTheRfcVariantAndTheirTimeFirst() {
    long now = 1_764_000_000_123L;
    UUID id = Ids.timeOrdered(now);
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.variant()).isEqualTo(2);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(now);
  }

  @Test
  void idsOfLaterMillisecondsSortAfterEarlierOnesAsText() {
    List<String> ids = new ArrayList<>();
    for (long ms = 1_700_000_000_000L; ms < 1_700_000_000_000L + 5_000; ms += 7) {
      ids.add(Ids.timeOrdered(ms).toString());
    }
    assertThat(ids).isSorted();
  }

  @Test
  void idsOfTheSameMillisecondDiffer() {
    var seen = new HashSet<UUID>();
    for (int i = 0; i < 100_000; i++) {
      seen.add(Ids.timeOrdered(42L));
    }
    assertThat(seen).hasSize(100_000);
  }
}
