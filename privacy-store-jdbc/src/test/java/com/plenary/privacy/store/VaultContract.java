package com.plenary.privacy.store;

import com.fasterxml.jackson.databind.util.RawValue;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.ConsentRecords;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.NotFound;
import com.plenary.privacy.domain.Oversight;
import com.plenary.privacy.domain.StaffRecords;
import com.plenary.privacy.domain.consent.Consents;
import com.plenary.privacy.domain.subjects.Subjects;
import com.plenary.privacy.policy.Condition;
import com.plenary.privacy.store.crypto.CryptoException;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.ConnectionException;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The vault's contract: every test here runs on H2 and on PostgreSQL. */
abstract class VaultContract extends StoreContract {
  abstract Vault vault();

  abstract Domain domain();

  abstract SubjectKeys keyStore();

  /** The data database's JDBC URL and user, for raw SQL behind the platform's back. */
  abstract String url();

  abstract String user();

  int subjectCount() {
    try (var c = DriverManager.getConnection(url(), user(), ""); var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM subject")) {
      rs.next();
      return rs.getInt(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  abstract MutableClock clock();

  /** Runs SQL behind the platform's back, as an attacker with database access would. */
  void tamper(String sql) {
    try (var c = DriverManager.getConnection(url(), user(), "")) {
      c.createStatement().executeUpdate(sql);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static final Access MAIL = Access.service("mail", "rq-test");
  static final Access SHOP = Access.service("shop", "rq-test");

  String registerAda() {
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "ada." + System.nanoTime() + "@example.org", "name", "Ada Lovelace", "phone", "+44 20 7946 0000"), null, null);
    assertThat(out.permitted()).isTrue();
    return out.value().id();
  }

  @Test
  void C2_declaredFieldsAreStoredAndReadBackForADeclaredPurpose() {
    String id = registerAda();
    var read = domain().subjects().read(MAIL, id, "provide", List.of());
    assertThat(read.permitted()).isTrue();
    assertThat(read.value().values()).containsEntry("name", "Ada Lovelace").containsEntry("phone", "+44 20 7946 0000");
  }

  @Test
  void C2_anUndeclaredFieldIsRefusedByNameAndNothingIsStored() {
    int before = subjectCount();
    assertThatThrownBy(() -> domain().subjects().register(MAIL, "mail", Map.of("email", "x@example.org", "name", "X", "shoe_size", "44"), null, null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'shoe_size'").hasMessageNotContaining("44")
        .extracting(e -> ((InvalidInputException) e).field()).isEqualTo("shoe_size");
    assertThat(subjectCount()).isEqualTo(before);
  }

  @Test
  void C18_aMissingRequiredFieldIsNamed() {
    assertThatThrownBy(() -> domain().subjects().register(SHOP, "shop", Map.of("email", "y@example.org", "name", "Y"), null, null))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'address'");
  }

  @Test
  void C22_decliningAnOptionalFieldStillRegistersAndNamesWhatIsUnavailable() {
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "z" + System.nanoTime() + "@example.org", "name", "Zed"), null, null);
    assertThat(out.value().declined()).containsExactlyInAnyOrder("phone", "language", "country");
    assertThat(out.value().unavailable()).anySatisfy(u -> {
      assertThat(u.service()).isEqualTo("shop");
      assertThat(u.missing()).containsExactly("address");
    });
  }

  @Test
  void badValuesAreRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> domain().subjects().register(MAIL, "mail", Map.of("email", "not-an-email", "name", "N"), null, null))
        .hasMessageContaining("'email'").hasMessageNotContaining("not-an-email");
    assertThatThrownBy(() -> domain().subjects().register(MAIL, "mail", Map.of("email", "n@example.org", "name", "N".repeat(201)), null, null))
        .hasMessageContaining("longer than 200");
    assertThatThrownBy(() -> domain().subjects().register(MAIL, "mail", Map.of("email", "n@example.org", "name", "Bad\u0000Name"), null, null))
        .hasMessageContaining("control character");
    assertThatThrownBy(() -> domain().subjects().register(MAIL, "mail", Map.of("email", "n@example.org", "name", 42), null, null))
        .hasMessageContaining("must be a text");
  }

  @Test
  void C14_aReadForAnUndeclaredPurposeIsDeniedAndAudited() {
    String id = registerAda();
    var read = domain().subjects().read(MAIL, id, "develop", List.of("email"));
    assertThat(read.permitted()).isFalse();
    assertThat(read.decision().clauses()).contains("C19");
    var last = vault().audit().about(id, 100);
    assertThat(last).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("read");
      assertThat(e.purpose()).isEqualTo("develop");
      assertThat(e.effect()).isEqualTo("deny");
    });
  }

  @Test
  void C19_consentOpensAnUndeclaredPurposeAndWithdrawalClosesItAgain() {
    String id = registerAda();
    assertThat(domain().subjects().read(MAIL, id, "develop", List.of("email")).permitted()).isFalse();
    domain().consents().grant(Access.subject(id, null), id, "develop", null);
    assertThat(domain().subjects().read(MAIL, id, "develop", List.of("email")).permitted()).isTrue();
    assertThat(domain().consents().withdraw(Access.subject(id, null), id, "develop", null)).isEqualTo(1);
    assertThat(domain().subjects().read(MAIL, id, "develop", List.of("email")).permitted()).isFalse();
  }

  @Test
  void C33_anAgreementSignedThisVeryInstantIsInForceNow() {
    Instant now = clock().instant();
    clock().advance(Duration.ofNanos(999_999_999L - now.getNano())); // a time the database would round up to the next second
    var member = vault().staff().add("Just Signed", "employee", List.of("engineer"), clock().instant());
    assertThat(vault().staff().facts(member.id(), "employee").agreementSigned()).isBeforeOrEqualTo(clock().instant());
  }

  @Test
  void C32_staffMembersKeepTheirTypeRolesAndAgreement() {
    Instant signed = Instant.parse("2026-01-02T03:04:05Z");
    var added = vault().staff().add("Ada", "contractor", List.of("support", "auditor"), signed);
    var found = vault().staff().find(added.id()).orElseThrow();
    assertThat(found.type()).isEqualTo("contractor");
    assertThat(found.roles()).containsExactly("support", "auditor");
    assertThat(found.agreementSigned()).isEqualTo(signed);
    assertThat(vault().staff().revoke(added.id()).active()).isFalse();
  }

  @Test
  void C33_aStaffMemberWithoutAgreementHasNoneOnFileUntilRecorded() {
    var added = vault().staff().add("Bob", "agent", List.of("support"), null);
    assertThat(vault().staff().find(added.id()).orElseThrow().agreementSigned()).isNull();
    Instant signed = Instant.parse("2026-02-03T00:00:00Z");
    assertThat(vault().staff().recordAgreement(added.id(), signed).agreementSigned()).isEqualTo(signed);
  }

  @Test
  void C32_grantsAreInForceFromTheirStartUntilTheirEndOrRevocation() {
    var member = vault().staff().add("Gail", "employee", List.of("support"), Instant.now());
    Instant now = clock().instant();
    var later = domain().staff().grant(member.id(), "support", List.of("user.contact"), List.of("communicate.respond"), now.plusSeconds(3600), now.plusSeconds(7200),
        "st-officer", "rq-grant");
    var current = domain().staff().grant(member.id(), "support", List.of("user.name"), List.of("provide"), now, now.plusSeconds(60), "st-officer", "rq-grant");
    assertThat(vault().staff().grantsInForce(member.id())).singleElement().satisfies(g -> assertThat(g.categories()).containsExactly("user.name"));
    assertThat(domain().staff().grants(member.id())).extracting(StaffRecords.Grant::id).containsExactlyInAnyOrder(later.id(), current.id());
    clock().advance(Duration.ofMinutes(61)); // the first has ended, the second begun
    assertThat(vault().staff().grantsInForce(member.id())).singleElement().satisfies(g -> assertThat(g.purposes()).containsExactly("communicate.respond"));
    assertThat(domain().staff().revokeGrant(member.id(), later.id(), "st-officer", "rq-ungrant").revokedAt()).isNotNull();
    assertThat(vault().staff().grantsInForce(member.id())).isEmpty();
    assertThatThrownBy(() -> domain().staff().revokeGrant(member.id(), later.id(), "st-officer", "rq-ungrant")).isInstanceOf(NotFound.class);
    assertThatThrownBy(() -> domain().staff().grant(member.id(), "auditor", List.of("user"), List.of("protect"), now, now.plusSeconds(60), "st-officer", null))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void C29_staffNamesAreSealedAtRestAndPlainOnesFromBeforeAreSealedOnOpening() throws Exception {
    var added = vault().staff().add("Grace Hopper-" + System.nanoTime(), "employee", List.of("auditor"), null);
    assertThat(vault().staff().find(added.id()).orElseThrow().name()).isEqualTo(added.name());
    try (Connection c = DriverManager.getConnection(url(), user(), "")) {
      try (var rs = c.createStatement().executeQuery("SELECT name, name_sealed FROM staff_member WHERE id = '" + added.id() + "'")) {
        rs.next();
        assertThat(rs.getString("name")).isNull();
        assertThat(new String(rs.getBytes("name_sealed"), StandardCharsets.ISO_8859_1)).doesNotContain("Grace");
      }
      // a row as the platform wrote it before names were sealed
      c.createStatement().execute("INSERT INTO staff_member (id, name, type, roles, created_at) VALUES ('st-legacy-" + added.id().substring(3)
          + "', 'Legacy Name', 'employee', 'support', CURRENT_TIMESTAMP)");
      Vault reopened = store().vault(Keys.local(Files.createTempDirectory("plenary-keys-reopened")), keyStore());
      String legacy = "st-legacy-" + added.id().substring(3);
      assertThat(reopened.staff().find(legacy).orElseThrow().name()).isEqualTo("Legacy Name");
      try (var rs = c.createStatement().executeQuery("SELECT name, name_sealed FROM staff_member WHERE id = '" + legacy + "'")) {
        rs.next();
        assertThat(rs.getString("name")).isNull();
        assertThat(rs.getBytes("name_sealed")).isNotEmpty();
      }
      c.createStatement().execute("DELETE FROM staff_member WHERE id = '" + legacy + "'");
    }
  }

  @Test
  void C32_openingTheNewestEventsNeedsAGrantAndIsAudited() {
    String id = registerAda();
    vault().usage().append(List.of(UsageEvents.Event.builder("rq-newest-" + System.nanoTime()).source("service", "mail").purpose("technical").kind("open").subject(id).details(Map.of("page", "https://x.example/newest")).build()));
    var member = vault().staff().add("No Grant", "employee", List.of("engineer"), clock().instant());
    var denied = domain().collection().newestEvents(Access.staff(vault().staff().facts(member.id(), "employee"), "rq-newest"), 5);
    assertThat(denied.permitted()).isFalse();
    assertThat(Engineers.newest(domain(), vault(), 1, clock().instant())).singleElement()
        .satisfies(e -> assertThat(e.get("details").toString()).contains("x.example/newest"));
    vault().audit().seal();
    assertThat(vault().audit().recent(50, null)).filteredOn(e -> e.action().equals("inspect-events")).extracting(AuditLog.Entry::effect)
        .contains("deny", "permit");
    domain().subjects().erase(Access.subject(id, null), id); // leaves no event for the retention tests
  }

  @Test
  void aServiceSeesOnlyPeopleRegisteredWithIt() {
    String id = registerAda();
    assertThatThrownBy(() -> domain().subjects().read(SHOP, id, "provide", List.of())).isInstanceOf(NotFound.class);
    assertThatThrownBy(() -> domain().subjects().read(MAIL, "s-nobody", "provide", List.of())).isInstanceOf(NotFound.class);
    // the refused look-ups are attempted accesses: audited, denied, with the id that was asked for
    assertThat(vault().audit().about(id, 100)).anySatisfy(e -> {
      assertThat(e.actorKind() + ":" + e.actorId()).isEqualTo("service:shop");
      assertThat(e.action()).isEqualTo("read");
      assertThat(e.effect()).isEqualTo("deny");
      assertThat(e.rules()).containsExactly("not-visible");
      assertThat(e.requestId()).isEqualTo("rq-test");
    });
    assertThat(vault().audit().about("s-nobody", 100)).isNotEmpty().allSatisfy(e -> assertThat(e.effect()).isEqualTo("deny"));
  }

  @Test
  void aPersonSeesOnlyTheirOwnData() {
    String ada = registerAda();
    String other = registerAda();
    assertThatThrownBy(() -> domain().subjects().export(Access.subject(ada, null), other)).isInstanceOf(NotFound.class);
    assertThatThrownBy(() -> domain().subjects().correct(Access.subject(ada, null), other, Map.of("name", "Mallory"))).isInstanceOf(NotFound.class);
    assertThatThrownBy(() -> domain().subjects().erase(Access.subject(ada, null), other)).isInstanceOf(NotFound.class);
    assertThat(vault().audit().about(other, 100)).filteredOn(e -> e.effect().equals("deny")).extracting(AuditLog.Entry::action)
        .contains("export", "correct", "erase");
  }

  @Test
  void C35_aCorrectedFieldIsReturnedCorrected() {
    String id = registerAda();
    var corrected = domain().subjects().correct(Access.subject(id, null), id, Map.of("name", "Augusta Ada King"));
    assertThat(corrected.value()).containsExactly("name");
    assertThat(domain().subjects().read(MAIL, id, "provide", List.of("name")).value().values()).containsEntry("name", "Augusta Ada King");
    assertThat(domain().subjects().requests(Access.subject(id, null), id)).anySatisfy(r -> assertThat(r.get("kind")).isEqualTo("correction"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void C34_C11_theExportHoldsEverythingAboutThePersonAndNothingOfAnother() {
    String id = registerAda();
    String other = registerAda();
    domain().subjects().correct(Access.subject(other, null), other, Map.of("name", "Someone Else"));
    domain().subjects().addContent(MAIL, id, "message", "communicate.respond", "Where is my parcel?");
    domain().consents().grant(Access.subject(id, null), id, "develop", null);
    var export = domain().subjects().export(Access.subject(id, null), id);
    assertThat(export.permitted()).isTrue();
    Map<String, Object> out = export.value();
    assertThat((Map<String, Object>) out.get("profile")).containsKeys("email", "name", "phone");
    assertThat((List<Map<String, Object>>) out.get("content")).singleElement().satisfies(c -> assertThat(c.get("text")).isEqualTo("Where is my parcel?"));
    assertThat((List<Map<String, Object>>) out.get("consents")).singleElement().satisfies(c -> assertThat(c.get("purpose")).isEqualTo("develop"));
    assertThat((List<Map<String, Object>>) out.get("requests")).anySatisfy(r -> {
      assertThat(r.get("kind")).isEqualTo("export");
      assertThat(r.get("deadline")).isNotNull();
      assertThat(r.get("served_at")).isNotNull();
      // due one calendar month after it was made
      assertThat(r.get("deadline")).isEqualTo(Subjects.deadline((Instant) r.get("requested_at")));
    });
    assertThat(out.toString()).doesNotContain("Someone Else").doesNotContain(other);
  }

  @Test
  @SuppressWarnings("unchecked")
  void C11_contentPastItsRetentionIsDeletedByTheRetentionJob() {
    domain().subjects().runRetention();
    String id = registerAda();
    domain().subjects().addContent(MAIL, id, "message", "communicate.respond", "a private message");
    domain().subjects().addContent(MAIL, id, "content", "improve", "a public post");
    assertThat(domain().subjects().runRetention()).isEmpty();
    clock().advance(Duration.ofDays(2 * 366));
    vault().usage().append(List.of(UsageEvents.Event.builder("rq-retained-" + id).source("service", "mail").purpose("technical").kind("open").subject(id).details(Map.of("page", "https://x.example/old")).build()));
    assertThat(domain().subjects().runRetention()).containsKey("user.content.private").doesNotContainKey("user.content.public").doesNotContainKey("usage_events");
    clock().advance(Duration.ofDays(400)); // past the 13 months of user.behavior and user.device
    assertThat(domain().subjects().runRetention()).containsKey("usage_events");
    assertThat(vault().usage().countByRequestIds(List.of("rq-retained-" + id))).isZero();
    List<Map<String, Object>> left = (List<Map<String, Object>>) domain().subjects().export(Access.subject(id, null), id).value().get("content");
    assertThat(left).singleElement().satisfies(c -> assertThat(c.get("text")).isEqualTo("a public post"));
  }

  @Test
  void erasureShredsTheKeyAndLeavesOnlyAPseudonymousRecord() {
    String id = registerAda();
    assertThat(keyStore().get(id)).isPresent();
    var erased = domain().subjects().erase(Access.subject(id, null), id);
    assertThat(erased.value().counts()).containsEntry("user.name", 1).containsEntry("data_key", 1);
    assertThat(keyStore().get(id)).isEmpty();
    assertThatThrownBy(() -> domain().subjects().read(MAIL, id, "provide", List.of())).isInstanceOf(NotFound.class);
    assertThat(vault().audit().about(id, 100)).isNotEmpty().allSatisfy(e -> assertThat(e.subject()).isEqualTo(id));
  }

  @Test
  @SuppressWarnings("unchecked")
  void C3_C6_eventsAreSealedAttachedOnSignInAndErasedWithThePerson() {
    String id = registerAda();
    String cookie = "cookie" + Long.toString(System.nanoTime(), 36) + "AAAAAAAAAAAA";
    String odd = "rq,\"" + System.nanoTime() + "\"";
    vault().usage().append(List.of(UsageEvents.Event.builder("rq-a-" + id).source("browser", "snippet").purpose("improve.analytics").kind("pageview").browser(cookie).details(Map.of("page", "https://x.example/before")).build()));
    assertThat(domain().collection().attachBrowser(id, cookie, "rq-test")).isEqualTo(1);
    vault().usage().append(List.of(UsageEvents.Event.builder(odd).source("service", "mail").purpose("technical").kind("open").subject(id).details(Map.of("page", "https://x.example/after?q=\"quoted\",comma")).build()));
    assertThat(vault().usage().countByRequestIds(List.of("rq-a-" + id, odd))).isEqualTo(2);
    List<Map<String, Object>> events = (List<Map<String, Object>>) domain().subjects().export(Access.subject(id, null), id).value().get("usage_events");
    String written = events.stream().map(e -> String.valueOf(((RawValue) e.get("details")).rawValue())).toList().toString();
    assertThat(events).allSatisfy(e -> assertThat((Instant) e.get("received_at"))
        .isBetween(clock().instant().minusSeconds(60), clock().instant().plusSeconds(60)));
    assertThat(written).contains("https://x.example/before").contains("after?q=").contains("quoted");
    var erased = domain().subjects().erase(Access.subject(id, null), id);
    assertThat(erased.value().counts()).containsEntry("usage_events", 2).containsEntry("browsers", 1);
    assertThat(vault().usage().countByRequestIds(List.of("rq-a-" + id, odd))).isZero();
  }

  @Test
  void aBatchThatFailsPartWayThroughStoresNothingAndTheStoreGoesOn() {
    String id = registerAda();
    List<UsageEvents.Event> batch = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      batch.add(UsageEvents.Event.builder("rq-part-" + i + "-" + id).source("service", "mail").purpose("technical").kind("open").subject(id).details(Map.of("page", "https://x.example/" + i)).build());
    }
    // the last event's details cannot be written: the failure comes after 1,499 rows went into the open COPY stream
    batch.add(UsageEvents.Event.builder("rq-part-bad-" + id).source("service", "mail").purpose("technical").kind("open").subject(id).details(Map.of("page", new Object())).build());
    List<String> ids = batch.stream().map(UsageEvents.Event::requestId).toList();
    assertThatThrownBy(() -> vault().usage().append(batch)).isInstanceOf(InvalidInputException.class);
    assertThat(vault().usage().countByRequestIds(ids)).isZero();
    // the connections are usable afterwards: the next batch is stored
    assertThat(vault().usage().append(batch.subList(0, 1500))).isEqualTo(1500);
    assertThat(vault().usage().countByRequestIds(ids)).isEqualTo(1500);
    domain().subjects().erase(Access.subject(id, null), id); // the retention test counts what is left of old events
  }

  @Test
  void C6_signInWorksByEmailAndPasswordAndNeverSaysWhichWasWrong() {
    String email = "sign." + System.nanoTime() + "@example.org";
    var reg = domain().subjects().register(MAIL, "mail", Map.of("email", email, "name", "Sig"), "correct horse battery", null);
    assertThat(domain().subjects().signIn(email.toUpperCase(), "correct horse battery", "rq-sign-in")).contains(reg.value().id());
    assertThat(domain().subjects().signIn(email, "wrong password!", null)).isEmpty();
    assertThat(domain().subjects().signIn("nobody@example.org", "correct horse battery", null)).isEmpty();
    // the successful sign-in is the person's own use of their account, decided and audited; the failed ones name no one
    assertThat(vault().audit().about(reg.value().id(), 100)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("sign-in");
      assertThat(e.effect()).isEqualTo("permit");
      assertThat(e.requestId()).isEqualTo("rq-sign-in");
    });
    var session = vault().startSession(reg.value().id());
    assertThat(vault().session(session.getKey())).get().extracting(Vault.Session::subjectId).isEqualTo(reg.value().id());
    vault().endSession(session.getKey());
    assertThat(vault().session(session.getKey())).isEmpty();
  }

  @Test
  void aHandOffFromAnotherRegionsNodeIsTakenOnceWithinItsTimeAndGoesWithThePerson() {
    String ada = registerAda();
    String token = vault().handOff(ada);
    assertThat(token).matches("[A-Za-z0-9_-]{43}").doesNotContain(ada.substring(2, 10));
    assertThat(vault().takeHandOff(token)).contains(ada);
    assertThat(vault().takeHandOff(token)).as("taken once").isEmpty();
    assertThat(vault().takeHandOff("x".repeat(43))).isEmpty();
    assertThat(vault().takeHandOff(null)).isEmpty();

    String late = vault().handOff(ada);
    clock().advance(Vault.HANDOFF_LIFETIME.plusSeconds(1));
    assertThat(vault().takeHandOff(late)).as("past its time").isEmpty();

    String erased = vault().handOff(ada);
    domain().subjects().erase(Access.subject(ada, null), ada);
    assertThat(vault().takeHandOff(erased)).as("gone with the person").isEmpty();
  }

  @Test
  void C29_theAuditChainVerifiesAndDetectsATamperedEntry() {
    String id = registerAda();
    domain().subjects().read(MAIL, id, "provide", List.of());
    assertThat(vault().audit().verify().intact()).isTrue();
    long seq = vault().audit().about(id, 10).get(0).seq();
    tamper("UPDATE audit_log_entry SET effect = 'deny' WHERE seq = " + seq);
    var v = vault().audit().verify();
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).isEqualTo(seq);
    tamper("UPDATE audit_log_entry SET effect = 'permit' WHERE seq = " + seq);
    assertThat(vault().audit().verify().intact()).isTrue();
  }

  @Test
  void C29_theAuditChainVerifiesWhileAuditedReadsAndTheSealerRunAndStillDetectsTampering() throws Exception {
    String id = registerAda();
    var stop = new AtomicBoolean();
    var pool = Executors.newFixedThreadPool(5);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int t = 0; t < 4; t++) {
        running.add(pool.submit(() -> {
          while (!stop.get()) {
            assertThat(domain().subjects().read(MAIL, id, "provide", List.of("name")).permitted()).isTrue();
          }
          return null;
        }));
      }
      running.add(pool.submit(() -> { // the server's sealer
        while (!stop.get()) {
          vault().audit().seal();
        }
        return null;
      }));
      List<String> alarms = new ArrayList<>();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      int checks = 0;
      while (System.nanoTime() < until || checks < 20) {
        var v = vault().audit().verify();
        checks++;
        if (!v.intact()) {
          alarms.add(v.detail());
        }
      }
      assertThat(alarms).as("false alarms in %d checks", checks).isEmpty();
    } finally {
      stop.set(true);
      for (var f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
    }
    long seq = vault().audit().about(id, 10).get(1).seq();
    tamper("UPDATE audit_log_entry SET purpose = 'develop' WHERE seq = " + seq);
    var v = vault().audit().verify();
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).isEqualTo(seq);
    tamper("UPDATE audit_log_entry SET purpose = 'provide' WHERE seq = " + seq);
    assertThat(vault().audit().verify().intact()).isTrue();
  }

  @Test
  void C29_aHeadMovedBackBehindSealedEntriesIsDetected() throws Exception {
    String id = registerAda();
    domain().subjects().read(MAIL, id, "provide", List.of());
    domain().subjects().read(MAIL, id, "provide", List.of());
    assertThat(vault().audit().verify().intact()).isTrue();
    long headSeq;
    String headHash;
    try (var c = DriverManager.getConnection(url(), user(), ""); var rs = c.createStatement().executeQuery("SELECT seq, hash FROM audit_head WHERE id = 1")) {
      rs.next();
      headSeq = rs.getLong(1);
      headHash = rs.getString(2);
    }
    // the newest entry's row is kept, but the head is set back to the one before it, as if that entry had never been sealed
    tamper("UPDATE audit_head SET seq = " + (headSeq - 1) + ", hash = (SELECT hash FROM audit_log_entry WHERE seq = " + (headSeq - 1) + ") WHERE id = 1");
    try {
      var v = vault().audit().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.detail()).contains("head was moved back");
    } finally {
      tamper("UPDATE audit_head SET seq = " + headSeq + ", hash = '" + headHash + "' WHERE id = 1");
    }
    assertThat(vault().audit().verify().intact()).isTrue();
  }

  @Test
  void C29_aCiphertextMovedToAnotherPersonOrFieldFailsToOpen() {
    String ada = registerAda();
    String eve = registerAda();
    tamper("UPDATE subject_field SET ciphertext = (SELECT ciphertext FROM subject_field WHERE subject_id = '" + ada + "' AND field = 'name') "
        + "WHERE subject_id = '" + eve + "' AND field = 'name'");
    assertThatThrownBy(() -> domain().subjects().read(MAIL, eve, "provide", List.of("name"))).isInstanceOf(CryptoException.class);
    tamper("UPDATE subject_field SET ciphertext = (SELECT ciphertext FROM subject_field WHERE subject_id = '" + ada + "' AND field = 'name') "
        + "WHERE subject_id = '" + ada + "' AND field = 'phone'");
    assertThatThrownBy(() -> domain().subjects().read(MAIL, ada, "provide", List.of("phone"))).isInstanceOf(CryptoException.class);
  }

  // ---- the consent ledger (C19, C24) ----

  private List<ConsentRecords.Entry> ledgerOf(String id) {
    return vault().storage().inTransaction(w -> w.consents().ledger(id));
  }

  private List<ConsentRecords.State> statesOf(String id) {
    return vault().storage().inTransaction(w -> w.consents().states(id));
  }

  @Test
  void C24_theEnginesLookupReadsThePersonsOwnRowByItsPrimaryKeyAlone() throws SQLException {
    String id = registerAda();
    Access ada = Access.subject(id, "rq-facts");
    domain().consents().grant(ada, id, "develop", null);
    domain().consents().grant(ada, id, "improve", null);
    domain().consents().withdraw(ada, id, "improve", null);
    Facts facts = vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant()));
    assertThat(facts.consents()).extracting(Facts.Consent::purpose).contains("develop").doesNotContain("improve");
    assertThat(facts.consents()).filteredOn(c -> c.purpose().equals("develop")).singleElement()
        .satisfies(c -> assertThat(c.policyVersion()).isEqualTo(1));
    // the plan of the lookup's statement: one table, the person's row found by the primary key (V60)
    StringBuilder plan = new StringBuilder();
    try (Connection c = DriverManager.getConnection(url(), user(), ""); var s = c.createStatement()) {
      boolean postgres = store().product().equals("PostgreSQL");
      if (postgres) {
        s.execute("SET enable_seqscan = off"); // the test's tables are tiny: ask what the planner does with the indexes it has
        s.execute("SET enable_bitmapscan = off");
      }
      try (var rs = s.executeQuery("EXPLAIN " + JdbcWork.FACTS.replace("?", "'" + id + "'"))) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      if (postgres) {
        assertThat(plan.toString()).contains("Index Scan using subject_pkey on subject").doesNotContain("Join").doesNotContain("consent_state");
      } else {
        assertThat(plan.toString()).containsPattern("/\\* PUBLIC\\.PRIMARY_KEY_[A-Z0-9_]*: ID = '" + id + "'").doesNotContain("JOIN")
            .doesNotContain("CONSENT_STATE");
        // a person's ledger is still read by an index on H2 (the foreign key's, since V55 dropped V23's second index of subject_id)
        try (var rs = s.executeQuery("EXPLAIN SELECT * FROM consent_record WHERE subject_id = '" + id + "' ORDER BY seq")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).containsPattern("/\\* PUBLIC\\.[A-Z0-9_]+: SUBJECT_ID = '" + id + "'");
        }
      }
    }
  }

  /**
   * The facts the engine reads from the person's row (V60) are what the ledger says: for each purpose and recipient, its newest
   * entry, in force when a grant, with that entry's policy version; and they equal what the same lookup for many people reads
   * from consent_state and the gateway's tables. Fails when the row drifts from the ledger.
   */
  void assertTheEnginesFactsFollowTheLedger(String id) {
    Instant now = clock().instant();
    Facts one = vault().storage().inTransaction(w -> w.facts(MAIL, id, now));
    Facts many = vault().storage().inTransaction(w -> w.facts(MAIL, List.of(id), now)).get(id);
    Map<String, ConsentRecords.Entry> newest = new TreeMap<>();
    for (ConsentRecords.Entry e : ledgerOf(id)) {
      newest.put(e.purpose() + "/" + e.recipient(), e);
    }
    List<Facts.Consent> inForce = newest.values().stream().filter(ConsentRecords.Entry::granted)
        .map(e -> new Facts.Consent(e.purpose(), e.recipient(), e.policyVersion())).toList();
    assertThat(one.consents()).as("the engine's consents against the ledger").containsExactlyInAnyOrderElementsOf(inForce);
    assertThat(one.consents()).as("against the derived state").containsExactlyInAnyOrderElementsOf(many.consents());
    assertThat(one.conditions()).isEqualTo(many.conditions());
    assertThat(one.subjectPolicyVersion()).isEqualTo(many.subjectPolicyVersion());
  }

  private ConsentRecords.Entry appendDirectly(String id, String purpose, String recipient, boolean granted, int version) {
    return vault().storage().inTransaction(w -> {
      w.consents().lock();
      return w.consents().append(id, new ConsentRecords.Entry("cn-" + UUID.randomUUID(), 0, purpose, recipient, granted, version, "api",
          "subject:" + id, clock().instant(), null, null, null));
    });
  }

  @Test
  void C24_theEnginesFactsFollowTheLedgerThroughGrantWithdrawRegrantAVersionChangeAndRecipients() {
    String id = registerAda();
    Access ada = Access.subject(id, "rq-follow");
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).consents()).isEmpty();
    domain().consents().grant(ada, id, "develop", null);
    assertTheEnginesFactsFollowTheLedger(id);
    domain().consents().withdraw(ada, id, "develop", null);
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).consents()).isEmpty();
    domain().consents().grant(ada, id, "develop", null);
    domain().consents().grant(ada, id, "improve", null);
    assertTheEnginesFactsFollowTheLedger(id);
    // an append with the very values of one before it (a database that kept the result of the first would answer it again)
    appendDirectly(id, "develop", null, true, 1);
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).consents()).hasSize(2);
    // the same purpose for a recipient is a consent of its own; a grant under a newer version replaces the one before it
    appendDirectly(id, "develop", "partner-a", true, 1);
    appendDirectly(id, "develop", null, true, 2);
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).consents())
        .containsExactlyInAnyOrder(new Facts.Consent("develop", null, 2), new Facts.Consent("develop", "partner-a", 1), new Facts.Consent("improve", null, 1));
    appendDirectly(id, "develop", "partner-a", false, 2);
    domain().consents().withdraw(ada, id, "improve", null);
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).consents()).containsExactly(new Facts.Consent("develop", null, 2));
    // an append that fails leaves the person's row as it was: the derived row is written in the ledger's transaction
    assertThatThrownBy(() -> vault().storage().inTransaction(w -> {
      w.consents().lock();
      w.consents().append(id, new ConsentRecords.Entry("cn-rolled-back", 0, "improve", null, true, 1, "api", "subject:" + id, clock().instant(), null, null, null));
      throw new IllegalStateException("rolled back");
    })).isInstanceOf(IllegalStateException.class);
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  @Test
  void C24_anAppendAfterAnAcceptanceInTheSameTransactionChainsToTheHeadTheAcceptanceMoved() {
    String id = registerAda();
    long before = store().consentLedger().verify().entries();
    List<ConsentRecords.Entry> appended = vault().storage().inTransaction(w -> {
      w.consents().lock();
      ConsentRecords.Entry first = w.consents().append(id, new ConsentRecords.Entry("cn-" + UUID.randomUUID(), 0, "develop", null, true, 1, "api",
          "subject:" + id, clock().instant(), null, null, null));
      // the acceptance moves the head this transaction's consents last saw: the next append must chain to the acceptance's link
      assertThat(w.policies().accept(id, 2, clock().instant(), "prompt", "c".repeat(64), "rq-accept")).isTrue();
      ConsentRecords.Entry second = w.consents().append(id, new ConsentRecords.Entry("cn-" + UUID.randomUUID(), 0, "improve", null, true, 2, "api",
          "subject:" + id, clock().instant(), null, null, null));
      return List.of(first, second);
    });
    assertThat(appended.get(1).seq()).isEqualTo(appended.get(0).seq() + 2);
    var v = store().consentLedger().verify();
    assertThat(v.intact()).as(v.detail()).isTrue();
    assertThat(v.entries()).isEqualTo(before + 3);
    assertThat(v.head()).isEqualTo(appended.get(1).hash());
    assertTheEnginesFactsFollowTheLedger(id);
  }

  @Test
  void C16_theGatewaysConditionsInThePersonsRowFollowUnsubscriptionsSuppressionAndErasure() throws SQLException {
    String id = registerAda();
    domain().consents().grant(Access.subject(id, "rq-cond"), id, "develop", null);
    vault().storage().useTransaction(w -> w.messages().unsubscribe(id, "service", clock().instant()));
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).conditions()).isEmpty();
    vault().storage().useTransaction(w -> w.messages().unsubscribe(id, "marketing", clock().instant()));
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).conditions()).containsExactly(Condition.UNSUBSCRIBED);
    assertTheEnginesFactsFollowTheLedger(id);
    vault().storage().useTransaction(w -> w.messages().resubscribe(id, "service"));
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).conditions()).containsExactly(Condition.UNSUBSCRIBED);
    vault().storage().useTransaction(w -> w.messages().resubscribe(id, "marketing"));
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).conditions()).isEmpty();
    vault().storage().useTransaction(w -> w.messages().suppress(id, "operator", clock().instant()));
    assertThat(vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant())).conditions()).containsExactly(Condition.SUPPRESSED);
    assertTheEnginesFactsFollowTheLedger(id);
    // erasure: the person's row goes, and the facts with it; the ledger still verifies (the entries go, their links stay)
    assertThat(domain().subjects().erase(Access.subject(id, "rq-erase"), id).permitted()).isTrue();
    Facts after = vault().storage().inTransaction(w -> w.facts(MAIL, id, clock().instant()));
    assertThat(after.consents()).isEmpty();
    assertThat(after.conditions()).isEmpty();
    assertThat(after.subjectPolicyVersion()).isZero();
    assertThat(ledgerOf(id)).isEmpty();
    assertThat(statesOf(id)).isEmpty();
    try (var c = DriverManager.getConnection(url(), user(), ""); var q = c.prepareStatement("SELECT COUNT(*) FROM consent_state WHERE subject_id = ?")) {
      q.setString(1, id);
      try (var rs = q.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  @Test
  void C24_everyGrantAndWithdrawalIsANewEntryOfTheLedgerAndTheStateIsDerivedFromIt() {
    String id = registerAda();
    Access ada = Access.subject(id, "rq-ledger");
    domain().consents().grant(ada, id, "develop", null, Consents.PRIVACY_CENTER);
    domain().consents().withdraw(MAIL, id, "develop", null);
    domain().consents().grant(ada, id, "develop", null, Consents.API);
    List<ConsentRecords.Entry> ledger = ledgerOf(id);
    assertThat(ledger).extracting(ConsentRecords.Entry::granted).containsExactly(true, false, true);
    assertThat(ledger).extracting(ConsentRecords.Entry::channel).containsExactly("privacy-center", "service", "api");
    assertThat(ledger).extracting(ConsentRecords.Entry::by).containsExactly("subject:" + id, "service:mail", "subject:" + id);
    assertThat(ledger.get(0).requestId()).isEqualTo("rq-ledger");
    assertThat(ledger).allSatisfy(e -> {
      assertThat(e.policyVersion()).isEqualTo(1);
      assertThat(e.hash()).hasSize(64);
    });
    assertThat(ledger.get(0).seq()).isLessThan(ledger.get(1).seq());
    assertThat(statesOf(id)).singleElement().satisfies(s -> {
      assertThat(s.granted()).isTrue();
      assertThat(s.entryId()).isEqualTo(ledger.get(2).id());
    });
    // the history the API shows: the first consent withdrawn, the second in force
    assertThat(domain().consents().of(ada, id)).extracting(c -> c.withdrawnAt() == null).containsExactly(false, true);
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  @Test
  void C19_editingAnEntryOfTheLedgerIsDetected() {
    String id = registerAda();
    domain().consents().grant(Access.subject(id, null), id, "develop", null);
    ConsentRecords.Entry e = ledgerOf(id).get(0);
    tamper("UPDATE consent_record SET purpose = 'improve' WHERE id = '" + e.id() + "'");
    try {
      var v = store().consentLedger().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.firstBrokenSeq()).isEqualTo(e.seq());
      assertThat(v.detail()).contains("altered");
    } finally {
      tamper("UPDATE consent_record SET purpose = 'develop' WHERE id = '" + e.id() + "'");
    }
    tamper("UPDATE consent_link SET digest = '" + "0".repeat(64) + "' WHERE seq = " + e.seq());
    try {
      assertThat(store().consentLedger().verify().firstBrokenSeq()).isEqualTo(e.seq());
    } finally {
      tamper("UPDATE consent_link SET digest = '" + ConsentLedger.digest(id, e) + "' WHERE seq = " + e.seq());
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  @Test
  void C19_deletingAnEntryOfTheLedgerIsDetectedUnlessThePersonWasErased() {
    String id = registerAda();
    domain().consents().grant(Access.subject(id, null), id, "develop", null);
    ConsentRecords.Entry e = ledgerOf(id).get(0);
    tamper("CREATE TABLE consent_saved AS SELECT * FROM consent_record WHERE id = '" + e.id() + "'");
    tamper("DELETE FROM consent_record WHERE id = '" + e.id() + "'");
    try {
      var v = store().consentLedger().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.firstBrokenSeq()).isEqualTo(e.seq());
      assertThat(v.detail()).contains("deleted");
    } finally {
      tamper("INSERT INTO consent_record SELECT * FROM consent_saved");
      tamper("DROP TABLE consent_saved");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // an erasure removes the person's entries with their data, and the chain still verifies
    long erasedBefore = store().consentLedger().verify().erased();
    domain().subjects().erase(Access.subject(id, null), id);
    assertThat(ledgerOf(id)).isEmpty();
    var after = store().consentLedger().verify();
    assertThat(after.intact()).as(after.detail()).isTrue();
    assertThat(after.erased()).isEqualTo(erasedBefore + 1);
  }

  @Test
  void C36_aPolicyAcceptanceIsALinkOfTheChainAndEditingDeletingOrForgingOneIsDetected() {
    String id = registerAda();
    String shown = "b".repeat(64);
    long before = store().consentLedger().verify().entries();
    boolean recorded = vault().storage().inTransaction(w -> w.policies().accept(id, 2, Instant.now(), "prompt", shown, "rq-accept"));
    assertThat(recorded).isTrue();
    // once per person and version: a second answer records nothing and adds no link
    boolean again = vault().storage().inTransaction(w -> w.policies().accept(id, 2, Instant.now(), "prompt", shown, "rq-again"));
    assertThat(again).isFalse();
    var v = store().consentLedger().verify();
    assertThat(v.intact()).as(v.detail()).isTrue();
    assertThat(v.entries()).isEqualTo(before + 1);
    int accepted = vault().storage().inTransaction(w -> w.policies().accepted(id));
    assertThat(accepted).isEqualTo(2);

    // the evidence edited: another text shown
    tamper("UPDATE policy_acceptance SET shown_sha256 = '" + "c".repeat(64) + "' WHERE subject_id = '" + id + "'");
    try {
      var edited = store().consentLedger().verify();
      assertThat(edited.intact()).isFalse();
      assertThat(edited.detail()).contains("altered");
    } finally {
      tamper("UPDATE policy_acceptance SET shown_sha256 = '" + shown + "' WHERE subject_id = '" + id + "'");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // deleted, the person not erased
    tamper("CREATE TABLE acceptance_saved AS SELECT * FROM policy_acceptance WHERE subject_id = '" + id + "'");
    tamper("DELETE FROM policy_acceptance WHERE subject_id = '" + id + "'");
    try {
      var deleted = store().consentLedger().verify();
      assertThat(deleted.intact()).isFalse();
      assertThat(deleted.detail()).contains("deleted");
    } finally {
      tamper("INSERT INTO policy_acceptance SELECT * FROM acceptance_saved");
      tamper("DROP TABLE acceptance_saved");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // forged: an acceptance of a later version written behind the ledger's back
    tamper("INSERT INTO policy_acceptance (subject_id, version, accepted_at, channel) VALUES ('" + id + "', 3, CURRENT_TIMESTAMP, 'prompt')");
    try {
      var forged = store().consentLedger().verify();
      assertThat(forged.intact()).isFalse();
      assertThat(forged.detail()).contains("no link");
    } finally {
      tamper("DELETE FROM policy_acceptance WHERE subject_id = '" + id + "' AND version = 3");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // a consent entry forged at the place in the chain that the acceptance holds
    long place = store().consentLedger().verify().entries();
    tamper("INSERT INTO consent_record (id, seq, subject_id, purpose, granted, policy_version, channel, actor, at) "
        + "VALUES ('cn-twin', " + place + ", '" + id + "', 'develop', TRUE, 1, 'api', 'subject:" + id + "', CURRENT_TIMESTAMP)");
    try {
      var twin = store().consentLedger().verify();
      assertThat(twin.intact()).isFalse();
      assertThat(twin.firstBrokenSeq()).isEqualTo(place);
    } finally {
      tamper("DELETE FROM consent_record WHERE id = 'cn-twin'");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // the erasure of the person takes their acceptance with their data, and the chain still verifies
    domain().subjects().erase(Access.subject(id, null), id);
    var after = store().consentLedger().verify();
    assertThat(after.intact()).as(after.detail()).isTrue();
  }

  @Test
  void C19_reorderingOrInsertingEntriesOfTheLedgerIsDetected() {
    String id = registerAda();
    domain().consents().grant(Access.subject(id, null), id, "develop", null);
    domain().consents().grant(Access.subject(id, null), id, "improve", null);
    List<ConsentRecords.Entry> ledger = ledgerOf(id);
    long a = ledger.get(0).seq();
    long b = ledger.get(1).seq();
    String swap = "UPDATE consent_record SET seq = -1 WHERE seq = %d; UPDATE consent_record SET seq = %d WHERE seq = %d; UPDATE consent_record SET seq = %d WHERE seq = -1";
    for (String sql : String.format(swap, a, a, b, b).split("; ")) {
      tamper(sql);
    }
    try {
      var v = store().consentLedger().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.firstBrokenSeq()).isEqualTo(a);
    } finally {
      for (String sql : String.format(swap, a, a, b, b).split("; ")) {
        tamper(sql);
      }
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
    // swapping the links themselves breaks the hashes that follow one another
    tamper("UPDATE consent_link SET seq = -1 WHERE seq = " + a);
    tamper("UPDATE consent_link SET seq = " + a + " WHERE seq = " + b);
    tamper("UPDATE consent_link SET seq = " + b + " WHERE seq = -1");
    try {
      assertThat(store().consentLedger().verify().intact()).isFalse();
    } finally {
      tamper("UPDATE consent_link SET seq = -1 WHERE seq = " + b);
      tamper("UPDATE consent_link SET seq = " + b + " WHERE seq = " + a);
      tamper("UPDATE consent_link SET seq = " + a + " WHERE seq = -1");
    }
    // an entry written behind the ledger's back, with no link
    tamper("INSERT INTO consent_record (id, seq, subject_id, purpose, granted, policy_version, channel, actor, at) "
        + "VALUES ('cn-forged', 999999999, '" + id + "', 'develop', TRUE, 1, 'api', 'subject:" + id + "', CURRENT_TIMESTAMP)");
    try {
      var v = store().consentLedger().verify();
      assertThat(v.intact()).isFalse();
      assertThat(v.detail()).contains("no link");
    } finally {
      tamper("DELETE FROM consent_record WHERE id = 'cn-forged'");
    }
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  @Test
  void C24_fiftyThreadsGrantingAndWithdrawingForOnePersonLeaveTheStateEqualToTheLastEntry() throws Exception {
    String id = registerAda();
    Access ada = Access.subject(id, null);
    var pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 50; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 4; i++) {
            String purpose = (thread + i) % 3 == 0 ? "protect" : "develop";
            boolean grant = (thread * 7 + i) % 2 == 0;
            // fifty threads share a pool of four connections: one that waits past the pool's timeout on a
            // loaded machine is told so (a 503 over HTTP) and asks again, as a client does; nothing was written
            for (int tries = 0; ; tries++) {
              try {
                if (grant) {
                  domain().consents().grant(ada, id, purpose, null);
                } else {
                  domain().consents().withdraw(ada, id, purpose, null);
                }
                break;
              } catch (ConnectionException busy) {
                if (tries == 20) {
                  throw busy;
                }
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    List<ConsentRecords.Entry> ledger = ledgerOf(id);
    for (String purpose : List.of("develop", "protect")) {
      ConsentRecords.Entry last = ledger.stream().filter(e -> e.purpose().equals(purpose)).reduce((x, y) -> y).orElseThrow();
      assertThat(statesOf(id)).filteredOn(s -> s.purpose().equals(purpose)).singleElement().satisfies(s -> {
        assertThat(s.granted()).isEqualTo(last.granted());
        assertThat(s.entryId()).isEqualTo(last.id());
      });
      // and the engine decides on that state
      assertThat(domain().subjects().read(MAIL, id, purpose, List.of("email")).permitted()).isEqualTo(last.granted());
    }
    // each withdrawal ended a consent in force: no two withdrawals in a row for one purpose
    for (String purpose : List.of("develop", "protect")) {
      List<Boolean> states = ledger.stream().filter(e -> e.purpose().equals(purpose)).map(ConsentRecords.Entry::granted).toList();
      for (int i = 1; i < states.size(); i++) {
        assertThat(states.get(i) || states.get(i - 1)).as("entry %s of %s", i, purpose).isTrue();
      }
    }
    assertTheEnginesFactsFollowTheLedger(id);
    assertThat(store().consentLedger().verify().intact()).isTrue();
  }

  // ---- the admin console: sessions, audit search, the home's figures ----

  @Test
  void aConsoleSessionIsFoundByItsCookieOnlyUntilItEndsAndKeepsNoCredential() {
    ConsoleSessions sessions = store().consoleSessions();
    Instant now = clock().instant();
    var started = sessions.start("st-console-1", List.of("privacy-officer", "auditor"), "employee", ConsoleSessions.Source.LOCAL, now.minusSeconds(5),
        now.plus(Duration.ofMinutes(30)));
    String cookie = started.getKey();
    assertThat(cookie).hasSize(43);
    ConsoleSessions.Session s = sessions.find(cookie).orElseThrow();
    assertThat(s.staffId()).isEqualTo("st-console-1");
    assertThat(s.roles()).containsExactly("privacy-officer", "auditor");
    assertThat(s.source()).isEqualTo(ConsoleSessions.Source.LOCAL);
    assertThat(s.csrf()).isEqualTo(started.getValue().csrf()).hasSize(43).isNotEqualTo(cookie);
    assertThat(s.expiresAt()).as("no longer than the token it began with").isEqualTo(started.getValue().expiresAt());
    assertThat(s.expiresAt()).isBeforeOrEqualTo(now.plus(Duration.ofMinutes(30)));
    assertThat(sessions.find(cookie + "x")).isEmpty();
    assertThat(sessions.find(cookie.substring(1) + "A")).isEmpty();
    assertThat(sessions.find(null)).isEmpty();

    var lasting = sessions.start("st-console-2", List.of("auditor"), null, ConsoleSessions.Source.OIDC, null, null);
    assertThat(lasting.getValue().expiresAt()).as("at most the lifetime").isBetween(now.plus(ConsoleSessions.LIFETIME).minusMillis(1),
        now.plus(ConsoleSessions.LIFETIME));
    assertThat(lasting.getValue().staffType()).isEqualTo("employee");

    sessions.end(cookie);
    assertThat(sessions.find(cookie)).isEmpty();
    clock().advance(ConsoleSessions.LIFETIME.plusSeconds(1));
    assertThat(sessions.find(lasting.getKey())).as("ended by time").isEmpty();
    assertThat(sessions.endAll("st-console-2")).isBetween(0, 1);
  }

  @Test
  void theAuditSearchFindsEntriesByPersonActorActionRuleEffectAndTime() {
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "search." + System.nanoTime() + "@example.org", "name", "Sea Rch"), null, null);
    String id = out.value().id();
    domain().subjects().read(MAIL, id, "develop", List.of("email"));
    AuditLog audit = store().audit();
    audit.seal();
    List<AuditLog.Entry> about = audit.search(new AuditLog.Search(id, null, null, null, null, null, null, null, 100));
    assertThat(about).isNotEmpty().allMatch(e -> id.equals(e.subject()));
    assertThat(about).isSortedAccordingTo((a, b) -> b.at().compareTo(a.at()));
    List<AuditLog.Entry> denied = audit.search(new AuditLog.Search(id, "mail", null, null, "deny", null, null, null, 100));
    assertThat(denied).isNotEmpty().allMatch(e -> e.actorId().equals("mail") && e.effect().equals("deny"));
    String rule = denied.get(0).rules().get(0);
    assertThat(audit.search(new AuditLog.Search(id, null, null, rule, null, null, null, null, 100))).isNotEmpty()
        .allMatch(e -> e.rules().contains(rule));
    assertThat(audit.search(new AuditLog.Search(id, null, null, rule.substring(0, rule.length() - 1), null, null, null, null, 100)))
        .as("a rule is matched whole, never a part of it").noneMatch(e -> !e.rules().contains(rule.substring(0, rule.length() - 1)));
    assertThat(audit.search(new AuditLog.Search(id, null, null, "%", null, null, null, null, 100))).as("a wildcard is a character").isEmpty();
    Instant at = about.get(0).at();
    assertThat(audit.search(new AuditLog.Search(id, null, null, null, null, at.plusSeconds(1), null, null, 100))).isEmpty();
    assertThat(audit.search(new AuditLog.Search(id, null, null, null, null, null, at.minusSeconds(3600), null, 100))).isEmpty();
    assertThat(audit.search(new AuditLog.Search(id, null, null, null, null, at.minusSeconds(3600), at.plusSeconds(1), null, 1))).hasSize(1);
  }

  @Test
  void theConsoleFiguresCountByDayWithoutReadingARow() {
    Instant now = clock().instant();
    var out = domain().subjects().register(MAIL, "mail", Map.of("email", "figures." + System.nanoTime() + "@example.org", "name", "Fig Ures"), null, null);
    domain().subjects().read(MAIL, out.value().id(), "develop", List.of("email"));
    store().audit().seal();
    Oversight.Dashboard d = store().oversight(vault(), List::of).dashboard(now.minus(Duration.ofDays(1)), now.plusSeconds(1));
    assertThat(d.people()).isPositive();
    assertThat(d.denials()).isNotEmpty().allSatisfy(c -> {
      assertThat(c.day()).isBetween(LocalDate.ofInstant(now, ZoneOffset.UTC).minusDays(1), LocalDate.ofInstant(now, ZoneOffset.UTC));
      assertThat(c.key()).doesNotContain(",");
      assertThat(c.count()).isPositive();
    });
    assertThat(d.overdue()).isNotNegative();
    assertThat(d.outbox()).isNotNull();
  }

  @Test
  void theEnginesFactsAreTheConsentsInForceTheVersionAndTheConditionsEachOnce() {
    String id = registerAda();
    var storage = vault().storage();
    Instant at = clock().instant();
    storage.useTransaction(w -> {
      w.consents().lock();
      for (var e : List.of(new Object[] {"develop", null, true}, new Object[] {"improve", null, true}, new Object[] {"improve", null, false},
          new Object[] {"develop", "acme-ads", true})) {
        w.consents().append(id, new ConsentRecords.Entry("cn-" + System.nanoTime(), 0, (String) e[0], (String) e[1], (Boolean) e[2], 1, "api", "subject:" + id, at,
            null, null, null));
      }
    });
    Facts facts = storage.inTransaction(w -> w.facts(MAIL, id, at));
    assertThat(facts.consents()).containsExactlyInAnyOrder(new Facts.Consent("develop", null, 1), new Facts.Consent("develop", "acme-ads", 1));
    assertThat(facts.conditions()).isEmpty();
    assertThat(facts.subjectPolicyVersion()).isPositive();
    // the conditions join on their keys: each is one fact, and the consents are not repeated beside them
    storage.useTransaction(w -> {
      w.messages().unsubscribe(id, "marketing", at);
      w.messages().suppress(id, "bounce", at);
    });
    Facts after = storage.inTransaction(w -> w.facts(MAIL, id, at));
    assertThat(after.conditions()).containsExactlyInAnyOrder(Condition.UNSUBSCRIBED, Condition.SUPPRESSED);
    assertThat(after.consents()).hasSize(2);
    assertThat(after.subjectPolicyVersion()).isEqualTo(facts.subjectPolicyVersion());
    Facts nobody = storage.inTransaction(w -> w.facts(MAIL, "s-nobody", at));
    assertThat(nobody.consents()).isEmpty();
    assertThat(nobody.conditions()).isEmpty();
    assertThat(nobody.subjectPolicyVersion()).isZero();
  }
}
