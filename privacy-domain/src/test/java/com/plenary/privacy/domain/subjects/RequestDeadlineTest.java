package com.plenary.privacy.domain.subjects;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A person's request is due one calendar month after it was received (C34, C35; GDPR Art. 12(3)), not thirty days. */
class RequestDeadlineTest {
  @Test
  void C34_aRequestIsDueOneCalendarMonthLater() {
    assertThat(Subjects.deadline(Instant.parse("2026-03-01T09:30:00Z"))).isEqualTo(Instant.parse("2026-04-01T09:30:00Z"));
    // thirty-one days in January: thirty days would fall a day short
    assertThat(Subjects.deadline(Instant.parse("2027-01-01T00:00:00Z"))).isEqualTo(Instant.parse("2027-02-01T00:00:00Z"));
    // twenty-eight days in February: thirty days would run into April
    assertThat(Subjects.deadline(Instant.parse("2027-03-15T12:00:00Z"))).isEqualTo(Instant.parse("2027-04-15T12:00:00Z"));
    assertThat(Subjects.deadline(Instant.parse("2027-02-10T12:00:00Z"))).isEqualTo(Instant.parse("2027-03-10T12:00:00Z"));
  }

  @Test
  void C34_aDayTheNextMonthDoesNotHaveIsItsLastDay() {
    assertThat(Subjects.deadline(Instant.parse("2027-01-31T08:00:00Z"))).isEqualTo(Instant.parse("2027-02-28T08:00:00Z"));
    assertThat(Subjects.deadline(Instant.parse("2028-01-31T08:00:00Z"))).isEqualTo(Instant.parse("2028-02-29T08:00:00Z"));
    assertThat(Subjects.deadline(Instant.parse("2026-08-31T23:59:59Z"))).isEqualTo(Instant.parse("2026-09-30T23:59:59Z"));
  }
}
