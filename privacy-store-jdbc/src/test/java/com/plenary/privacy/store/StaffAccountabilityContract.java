package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.Conflict;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.IncidentRecords;
import com.plenary.privacy.domain.IncidentRecords.Incident;
import com.plenary.privacy.domain.Refused;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.policy.ActorKind;
import com.plenary.privacy.store.StaffMembers.StaffMember;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Staff accountability (C32, C33) through the domain over the real store: agreements, grants requested
 * and approved, grants limited to people, break-glass and incidents. Every test runs on H2 and on
 * PostgreSQL; time moves on a mutable clock.
 */
abstract class StaffAccountabilityContract {
  private static final Access MAIL = Access.service("mail", "rq-mail");
  private static final String SECRET = "Ticket 4711 for ada.secret@example.org";

  abstract Domain domain();

  abstract Vault vault();

  abstract Store store();

  abstract MutableClock clock();

  abstract String url();

  abstract String user();

  private String person() {
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "ada." + System.nanoTime() + "@example.org", "name", "Ada Lovelace"), null, null);
    assertThat(out.permitted()).isTrue();
    return out.value().id();
  }

  /** A support member with an agreement in force (one year), and a grant to read contact data for responding when {@code granted}. */
  private StaffMember support(boolean agreement, boolean granted) {
    StaffMember m = vault().staff().add("Sam Support " + System.nanoTime(), "employee", List.of("support"), null);
    Instant now = clock().instant();
    if (agreement) {
      domain().staff().recordAgreement(m.id(), "nda-2026.1", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)), "st-officer", "rq-a");
    }
    if (granted) {
      domain().staff().grant(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), now, now.plus(Duration.ofHours(8)), "st-officer", "rq-g");
    }
    return m;
  }

  private static Access as(StaffMember m) {
    return new Access(ActorKind.STAFF, m.id(), "rq-" + m.id(), null);
  }

  private boolean reads(StaffMember m, String person) {
    return domain().subjects().read(as(m), person, "communicate.respond", List.of("email")).permitted();
  }

  private List<Incident> incidentsOf(StaffMember m) {
    return domain().incidents().list(new IncidentRecords.Filter(null, null, m.id(), null, null, 100));
  }

  private List<AuditLog.Entry> trailOf(StaffMember m) {
    return store().audit().recent(500, null).stream().filter(e -> e.actorId().equals(m.id())).toList();
  }

  @Test
  void C33_staffWithoutAnAgreementAreDeniedAndAnIncidentIsOpened() {
    String ada = person();
    StaffMember m = support(false, true);
    assertThat(reads(m, ada)).isFalse();
    assertThat(incidentsOf(m)).singleElement().satisfies(i -> {
      assertThat(i.kind()).isEqualTo(IncidentRecords.DENIED);
      assertThat(i.status()).isEqualTo(IncidentRecords.OPEN);
      assertThat(i.subject()).isEqualTo(ada);
      assertThat(i.categories()).containsExactly("user.contact.email");
      assertThat(i.rules()).contains("staff-need-to-know");
      assertThat(i.requestId()).isEqualTo("rq-" + m.id());
    });
    assertThat(trailOf(m)).anySatisfy(e -> assertThat(e.effect()).isEqualTo("deny"));
  }

  @Test
  void C33_anExpiredAgreementDeniesAsNoneDoes() {
    String ada = person();
    StaffMember m = support(false, true);
    Instant now = clock().instant();
    domain().staff().recordAgreement(m.id(), "nda-2025.1", now.minus(Duration.ofDays(400)), now.plus(Duration.ofMinutes(30)), "st-officer", "rq");
    assertThat(reads(m, ada)).isTrue();
    clock().advance(Duration.ofHours(1));
    assertThat(reads(m, ada)).isFalse();
    assertThat(incidentsOf(m)).hasSize(1);
    assertThat(domain().staff().agreements(m.id())).singleElement().satisfies(a -> assertThat(a.inForce(clock().instant())).isFalse());
  }

  @Test
  void C33_repeatedDenialsOfOnePersonJoinOneIncidentWithACountAndTheLastAttempt() {
    String ada = person();
    String bob = person();
    StaffMember m = support(true, false);
    Instant first = clock().instant();
    for (int i = 0; i < 200; i++) {
      assertThat(reads(m, ada)).isFalse();
      clock().advance(Duration.ofSeconds(1));
    }
    var name = domain().subjects().read(as(m), ada, "communicate.respond", List.of("name"));
    assertThat(name.permitted()).isFalse();
    assertThat(incidentsOf(m)).singleElement().satisfies(i -> {
      assertThat(i.attempts()).isEqualTo(201);
      assertThat(i.openedAt()).isBetween(first.minusMillis(1), first.plusMillis(1));
      assertThat(i.lastSeenAt()).isAfter(i.openedAt().plus(Duration.ofSeconds(199)));
      assertThat(i.categories()).containsExactly("user.contact.email", "user.name");
    });
    assertThat(trailOf(m).stream().filter(e -> e.effect().equals("deny")).count()).as("every attempt is audited").isEqualTo(201);
    assertThat(reads(m, bob)).isFalse();
    assertThat(incidentsOf(m)).as("another person: another incident").hasSize(2);
  }

  @Test
  void C33_aDenialAfterAPauseOrAfterTheIncidentWasClosedOpensANewOne() {
    String ada = person();
    StaffMember m = support(true, false);
    reads(m, ada);
    clock().advance(IncidentRecords.REPEAT_WINDOW.plusSeconds(1));
    reads(m, ada);
    assertThat(incidentsOf(m)).hasSize(2).allSatisfy(i -> assertThat(i.attempts()).isEqualTo(1));
    reads(m, ada);
    Incident latest = incidentsOf(m).get(0);
    assertThat(latest.attempts()).isEqualTo(2);
    domain().incidents().close(latest.id(), "training", "talked it through", "st-officer", "rq");
    reads(m, ada);
    assertThat(incidentsOf(m)).hasSize(3);
    assertThat(domain().incidents().list(new IncidentRecords.Filter("open", null, m.id(), null, null, 10))).as("the first, and the one after the closing")
        .hasSize(2).allSatisfy(i -> assertThat(i.attempts()).isEqualTo(1)).noneSatisfy(i -> assertThat(i.id()).isEqualTo(latest.id()));
  }

  @Test
  void C33_breakGlassOpeningsNeverJoin() {
    String ada = person();
    StaffMember m = support(true, false);
    var one = domain().staff().breakGlass(as(m), ada, "support", List.of("user.contact"), "communicate.respond", Duration.ofMinutes(5), "first");
    var two = domain().staff().breakGlass(as(m), ada, "support", List.of("user.contact"), "communicate.respond", Duration.ofMinutes(5), "second");
    assertThat(one.incidentId()).isNotEqualTo(two.incidentId());
    assertThat(domain().incidents().find(two.incidentId()).attempts()).isEqualTo(1);
  }

  private List<StaffRecords.Agreement> undated() {
    Instant now = clock().instant();
    return vault().storage().inTransaction(w -> w.staff().agreementsWithoutExpiry(now, 1000));
  }

  @Test
  void C33_anAgreementWithNoExpiryOnFileCountsAndIsFlaggedUntilADatedOneIsSigned() {
    String ada = person();
    Instant now = clock().instant();
    // filed as before expiries were kept: no document version, no expiry
    StaffMember m = vault().staff().add("Lea Legacy " + System.nanoTime(), "employee", List.of("support"), now.minus(Duration.ofDays(400)));
    domain().staff().grant(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), now, now.plus(Duration.ofDays(30)), "st-officer", "rq");
    assertThat(reads(m, ada)).as("in force: refusing it would lock out everyone filed before").isTrue();
    assertThat(domain().staff().standing(m.id()).status()).isEqualTo(StaffRecords.Standing.NO_EXPIRY);
    assertThat(undated()).anySatisfy(a -> {
      assertThat(a.staffId()).isEqualTo(m.id());
      assertThat(a.documentVersion()).isEqualTo("unrecorded");
    });
    domain().staff().recordAgreement(m.id(), "nda-2026.1", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(2)), "st-officer", "rq");
    assertThat(domain().staff().standing(m.id()).status()).isEqualTo(StaffRecords.Standing.IN_FORCE);
    assertThat(undated()).noneSatisfy(a -> assertThat(a.staffId()).isEqualTo(m.id()));
    clock().advance(Duration.ofDays(3));
    assertThat(domain().staff().standing(m.id()).status()).isEqualTo(StaffRecords.Standing.EXPIRED);
    assertThat(reads(m, ada)).as("the old undated record does not outlive the dated agreement").isFalse();
    assertThat(incidentsOf(m)).singleElement().satisfies(i -> assertThat(i.rules()).isNotEmpty());
  }

  @Test
  void C32_staffWithoutAGrantOrWithAnExpiredOneAreDeniedWithAnIncident() {
    String ada = person();
    StaffMember none = support(true, false);
    assertThat(reads(none, ada)).isFalse();
    assertThat(incidentsOf(none)).hasSize(1);
    StaffMember expiring = support(true, true);
    assertThat(reads(expiring, ada)).isTrue();
    assertThat(incidentsOf(expiring)).isEmpty();
    clock().advance(Duration.ofHours(9));
    assertThat(reads(expiring, ada)).isFalse();
    assertThat(incidentsOf(expiring)).singleElement().satisfies(i -> assertThat(i.rules()).contains("staff-need-to-know"));
  }

  @Test
  void C32_outsideTheGrantsCategoriesTheReadIsDeniedWithAnIncident() {
    String ada = person();
    StaffMember m = support(true, true);
    var name = domain().subjects().read(as(m), ada, "communicate.respond", List.of("name"));
    assertThat(name.permitted()).isFalse();
    assertThat(incidentsOf(m)).singleElement().satisfies(i -> assertThat(i.categories()).containsExactly("user.name"));
  }

  @Test
  void C32_insideTheGrantTheReadIsPermittedAndAudited() {
    String ada = person();
    StaffMember m = support(true, true);
    var read = domain().subjects().read(as(m), ada, "communicate.respond", List.of("email"));
    assertThat(read.permitted()).isTrue();
    assertThat(read.value().values()).containsKey("email");
    assertThat(trailOf(m)).anySatisfy(e -> {
      assertThat(e.effect()).isEqualTo("permit");
      assertThat(e.subject()).isEqualTo(ada);
      assertThat(e.action()).isEqualTo("read");
    });
    assertThat(incidentsOf(m)).isEmpty();
  }

  @Test
  void C32_aGrantLimitedToNamedPeopleOpensOnlyThem() {
    String ada = person();
    String bob = person();
    StaffMember m = support(true, false);
    Instant now = clock().instant();
    var asked = domain().staff().request(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), List.of(ada), now,
        now.plus(Duration.ofHours(4)), SECRET, "rq-ask");
    domain().staff().approve(asked.id(), "st-officer", "rq-ok");
    assertThat(reads(m, ada)).isTrue();
    assertThat(reads(m, bob)).isFalse();
    assertThat(incidentsOf(m)).singleElement().satisfies(i -> assertThat(i.subject()).isEqualTo(bob));
  }

  @Test
  void C32_aRequestedGrantWorksOnceApprovedAndUntilItExpires() {
    String ada = person();
    StaffMember m = support(true, false);
    Instant now = clock().instant();
    var asked = domain().staff().request(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), null, now, now.plus(Duration.ofHours(2)),
        SECRET, "rq-ask");
    assertThat(asked.status()).isEqualTo("requested");
    assertThat(reads(m, ada)).as("a request opens nothing").isFalse();
    var approved = domain().staff().approve(asked.id(), "st-officer", "rq-ok");
    assertThat(approved.status()).isEqualTo("approved");
    assertThat(approved.grantedBy()).isEqualTo("st-officer");
    assertThat(approved.justification()).isEqualTo(SECRET);
    assertThat(reads(m, ada)).isTrue();
    clock().advance(Duration.ofHours(3));
    assertThat(reads(m, ada)).isFalse();
    assertThatThrownBy(() -> domain().staff().approve(asked.id(), "st-officer", "rq")).isInstanceOf(Conflict.class);
  }

  @Test
  void C32_aGrantApprovedByItsOwnRequesterIsRefusedAndAudited() {
    StaffMember m = support(true, false);
    Instant now = clock().instant();
    var asked = domain().staff().request(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), null, now, now.plus(Duration.ofHours(2)),
        "to answer a complaint", "rq-ask");
    assertThatThrownBy(() -> domain().staff().approve(asked.id(), m.id(), "rq-self")).isInstanceOf(Refused.class)
        .satisfies(e -> assertThat(((Refused) e).rule()).isEqualTo("no-approval-of-own-request"));
    assertThat(domain().staff().grant(asked.id()).status()).isEqualTo("requested");
    assertThat(trailOf(m)).anySatisfy(e -> {
      assertThat(e.effect()).isEqualTo("deny");
      assertThat(e.rules()).containsExactly("no-approval-of-own-request");
    });
    var rejected = domain().staff().reject(asked.id(), "st-officer", "rq-no");
    assertThat(rejected.status()).isEqualTo("rejected");
    assertThat(rejected.inForce(clock().instant())).isFalse();
  }

  @Test
  void C33_aBreakGlassReadIsAuditedOpensAnIncidentAndEndsWithItsTimeBox() {
    String ada = person();
    StaffMember m = support(true, false);
    assertThat(reads(m, ada)).isFalse();
    var glass = domain().staff().breakGlass(as(m), ada, "support", List.of("user.contact"), "communicate.respond", Duration.ofMinutes(30), SECRET);
    assertThat(glass.until()).isEqualTo(glass.openedAt().plus(Duration.ofMinutes(30)));
    Incident opened = domain().incidents().find(glass.incidentId());
    assertThat(opened.kind()).isEqualTo(IncidentRecords.BREAK_GLASS);
    assertThat(opened.subject()).isEqualTo(ada);
    assertThat(reads(m, ada)).isTrue();
    assertThat(trailOf(m)).anySatisfy(e -> {
      assertThat(e.effect()).isEqualTo("permit");
      assertThat(e.rules()).contains("break-glass:" + glass.id());
    });
    clock().advance(Duration.ofMinutes(31));
    assertThat(reads(m, ada)).isFalse();
    assertThat(incidentsOf(m)).extracting(Incident::kind).containsExactlyInAnyOrder("denied", "denied", "break-glass");
    assertThatThrownBy(() -> domain().staff().breakGlass(as(m), ada, "support", List.of("user.contact"), "communicate.respond", Duration.ofMinutes(61), "x"))
        .isInstanceOf(InvalidInputException.class).satisfies(e -> assertThat(((InvalidInputException) e).field()).isEqualTo("minutes"));
  }

  @Test
  void C33_anIncidentIsClosedWithAnOutcomeOnceAndNeverByTheOneItIsAbout() {
    String ada = person();
    StaffMember m = support(true, false);
    reads(m, ada);
    Incident i = incidentsOf(m).get(0);
    assertThatThrownBy(() -> domain().incidents().close(i.id(), "promotion", "x", "st-officer", "rq")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> domain().incidents().close(i.id(), "training", "x", m.id(), "rq")).isInstanceOf(Refused.class);
    Incident closed = domain().incidents().close(i.id(), "training", SECRET, "st-officer", "rq-close");
    assertThat(closed.status()).isEqualTo("closed");
    assertThat(closed.outcome()).isEqualTo("training");
    assertThat(closed.note()).isEqualTo(SECRET);
    assertThat(closed.closedBy()).isEqualTo("st-officer");
    assertThatThrownBy(() -> domain().incidents().close(i.id(), "no-action", "again", "st-officer", "rq")).isInstanceOf(Conflict.class);
    assertThat(domain().incidents().list(new IncidentRecords.Filter("closed", null, m.id(), null, null, 10))).extracting(Incident::id).containsExactly(i.id());
  }

  @Test
  void C32_C33_onlyAPrivacyOfficerDecidesRequestsAndClosesIncidentsAndAnyoneElseIsRefusedAndAudited() {
    String ada = person();
    StaffMember m = support(true, false);
    StaffMember other = support(true, false);
    Instant now = clock().instant();
    var asked = domain().staff().request(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), null, now, now.plus(Duration.ofHours(2)),
        "to answer a complaint", "rq-ask");
    assertThatThrownBy(() -> domain().staff().approve(asked.id(), other.id(), List.of("support"), "rq-other")).isInstanceOf(Refused.class)
        .satisfies(e -> assertThat(((Refused) e).rule()).isEqualTo("grants-decided-by-privacy-officers"));
    assertThatThrownBy(() -> domain().staff().reject(asked.id(), other.id(), List.of("auditor"), "rq-other")).isInstanceOf(Refused.class);
    assertThat(domain().staff().grant(asked.id()).status()).isEqualTo("requested");
    assertThat(trailOf(other)).anySatisfy(e -> {
      assertThat(e.effect()).isEqualTo("deny");
      assertThat(e.rules()).containsExactly("grants-decided-by-privacy-officers");
    });
    assertThat(domain().staff().approve(asked.id(), "st-officer", List.of("privacy-officer"), "rq-ok").status()).isEqualTo("approved");

    StaffMember careless = support(true, false);
    reads(careless, ada);
    Incident i = incidentsOf(careless).get(0);
    assertThatThrownBy(() -> domain().incidents().close(i.id(), "training", "x", other.id(), List.of("support", "auditor"), "rq")).isInstanceOf(Refused.class)
        .satisfies(e -> assertThat(((Refused) e).rule()).isEqualTo("incidents-closed-by-privacy-officers"));
    assertThat(domain().incidents().find(i.id()).status()).isEqualTo("open");
    assertThat(domain().incidents().close(i.id(), "no-action", "fine", "st-officer", List.of("privacy-officer"), "rq").status()).isEqualTo("closed");
  }

  @Test
  void C29_justificationsAndNotesAreSealedAtRest() throws SQLException {
    String ada = person();
    StaffMember m = support(true, false);
    Instant now = clock().instant();
    domain().staff().request(m.id(), "support", List.of("user.contact"), List.of("communicate.respond"), null, now, now.plus(Duration.ofHours(2)), SECRET, "rq");
    var glass = domain().staff().breakGlass(as(m), ada, "support", List.of("user.contact"), "communicate.respond", Duration.ofMinutes(5), SECRET);
    domain().incidents().close(glass.incidentId(), "no-action", SECRET, "st-officer", "rq");
    byte[] needle = "ada.secret".getBytes(StandardCharsets.UTF_8);
    try (var c = DriverManager.getConnection(url(), user(), "")) {
      for (String sql : List.of("SELECT justification_sealed FROM staff_grant WHERE justification_sealed IS NOT NULL", "SELECT justification_sealed FROM break_glass",
          "SELECT note_sealed FROM incident WHERE note_sealed IS NOT NULL")) {
        try (var rs = c.createStatement().executeQuery(sql)) {
          int rows = 0;
          while (rs.next()) {
            rows++;
            assertThat(new String(rs.getBytes(1), StandardCharsets.ISO_8859_1)).as(sql).doesNotContain(new String(needle, StandardCharsets.ISO_8859_1));
          }
          assertThat(rows).as(sql).isPositive();
        }
      }
    }
  }
}
