package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.decision.Facts;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.DisclosureRecords.Disclosure;
import com.plenary.privacy.domain.DisclosureRecords.Endpoint;
import com.plenary.privacy.domain.DisclosureRecords.Notice;
import com.plenary.privacy.domain.DisclosureRecords.Received;
import com.plenary.privacy.domain.DisclosureRecords.Released;
import com.plenary.privacy.domain.Domain;
import com.plenary.privacy.domain.LegalRequestRecords;
import com.plenary.privacy.domain.RecipientRecords;
import com.plenary.privacy.domain.Storage;
import com.plenary.privacy.domain.Tx;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The contract of the disclosure and legal-request ports ({@code DisclosureRecords},
 * {@code LegalRequestRecords}) and of {@code Tx.recipient}, through {@code JdbcWork}: every test here
 * runs on H2 and on PostgreSQL ({@link H2DisclosureRecordsTest}, {@link PostgresDisclosureRecordsTest}).
 */
abstract class DisclosureRecordsContract {
  private static final Access SHOP = Access.service("shop", "rq-test");
  /** Whole seconds, so that both databases give back exactly what they were given. */
  private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  abstract Storage storage();

  abstract Domain domain();

  /** The database's JDBC URL and user, for reads and writes behind the platform's back. */
  abstract String url();

  abstract String user();

  /** The rows a query finds, read behind the platform's back: a line a row, its values separated by |. */
  private String sql(String query) {
    try (Connection c = DriverManager.getConnection(url(), user(), ""); ResultSet rs = c.createStatement().executeQuery(query)) {
      StringBuilder out = new StringBuilder();
      while (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          Object v = rs.getObject(i);
          out.append(v instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : v).append('|');
        }
        out.append('\n');
      }
      return out.toString();
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs a statement behind the platform's back. */
  private void update(String statement) {
    try (Connection c = DriverManager.getConnection(url(), user(), "")) {
      c.createStatement().executeUpdate(statement);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  /** Opens the vault on the same database again, as a restart does. */
  abstract void openVaultAgain();

  private String person() {
    var out = domain().subjects().register(SHOP, "shop", Map.of("email", "d." + System.nanoTime() + "@example.org", "name", "Ada", "address", "1 Road"),
        null, null);
    assertThat(out.permitted()).isTrue();
    return out.value().id();
  }

  @Test
  void C34_aDisclosureRecordsWhichFieldsOfWhomWentWhereAndEachPersonReadsTheirOwn() {
    String a = person();
    String b = person();
    String id = "ds-" + UUID.randomUUID();
    storage().useTransaction(w -> w.disclosures().add(new Disclosure(id, "carrier", "provide", "processor", List.of("user.contact"), null, "shop", T0, 2),
        List.of(new Released(a, List.of("address", "email")), new Released(b, List.of("email")))));
    List<Received> ofA = storage().inTransaction(w -> w.disclosures().of(a));
    assertThat(ofA).containsExactly(new Received(id, "carrier", "provide", "processor", List.of("address", "email"), T0));
    assertThat(storage().<List<Received>>inTransaction(w -> w.disclosures().receivedAny(b, List.of("address")))).isEmpty();
    assertThat(storage().<List<Received>>inTransaction(w -> w.disclosures().receivedAny(b, List.of("email", "name")))).hasSize(1);
    domain().subjects().erase(Access.subject(a, "rq-test"), a);
    assertThat(storage().<List<Received>>inTransaction(w -> w.disclosures().of(a))).as("erased with the person").isEmpty();
    assertThat(storage().<List<Received>>inTransaction(w -> w.disclosures().of(b))).hasSize(1);
  }

  @Test
  void C35_aNoticeIsDueUntilItsAttemptIsRecordedAndItsStateSurvivesInTheDatabase() {
    String a = person();
    String id = "cn-" + UUID.randomUUID();
    storage().useTransaction(w -> w.disclosures().addNotice(new Notice(id, a, "carrier", "email", "ds-1", T0, "pending", 0, T0, null)));
    assertThat(storage().<List<Notice>>inTransaction(w -> w.disclosures().dueNotices(T0.minusSeconds(1), 10))).noneMatch(n -> n.id().equals(id));
    assertThat(storage().<List<Notice>>inTransaction(w -> w.disclosures().dueNotices(T0, 1000))).anyMatch(n -> n.id().equals(id));
    storage().useTransaction(w -> w.disclosures().noticeAttempted(id, "pending", 1, T0.plusSeconds(60), null));
    assertThat(storage().<List<Notice>>inTransaction(w -> w.disclosures().dueNotices(T0.plusSeconds(59), 1000))).noneMatch(n -> n.id().equals(id));
    storage().useTransaction(w -> w.disclosures().noticeAttempted(id, "delivered", 2, null, T0.plusSeconds(61)));
    Notice n = storage().inTransaction(w -> w.disclosures().notices(a)).get(0);
    assertThat(n.status()).isEqualTo("delivered");
    assertThat(n.attempts()).isEqualTo(2);
    assertThat(n.deliveredAt()).isEqualTo(T0.plusSeconds(61));
    assertThat(storage().<List<Notice>>inTransaction(w -> w.disclosures().dueNotices(T0.plusSeconds(3600), 1000))).noneMatch(x -> x.id().equals(id));
  }

  @Test
  void C35_aRecipientsWebhookIsReplacedWhenSetAgain() {
    storage().useTransaction(w -> w.disclosures().setEndpoint(new Endpoint("mailer", "https://a.example/n", T0, "st-1")));
    storage().useTransaction(w -> w.disclosures().setEndpoint(new Endpoint("mailer", "https://b.example/n", T0.plusSeconds(1), "st-2")));
    assertThat(storage().<Optional<Endpoint>>inTransaction(w -> w.disclosures().endpoint("mailer"))).contains(new Endpoint("mailer", "https://b.example/n", T0.plusSeconds(1), "st-2"));
    assertThat(storage().<Optional<Endpoint>>inTransaction(w -> w.disclosures().endpoint("nobody"))).isEmpty();
  }

  @Test
  void C25_oneLookUpAnswersWhetherTheRegistryHoldsARecipientAndItsNewestAgreement() {
    String id = "rcp-" + System.nanoTime();
    assertThat(storage().<Tx.RecipientOnFile>inTransaction(w -> w.recipient(id))).isEqualTo(Tx.RecipientOnFile.NONE);
    storage().useTransaction(w -> w.recipients().add(new RecipientRecords.Registered(id, "processor", "R", null, 1, T0, "st-1")));
    Tx.RecipientOnFile bare = storage().inTransaction(w -> w.recipient(id));
    assertThat(bare.registered().kind()).isEqualTo("processor");
    assertThat(bare.agreement()).isNull();
    for (int v = 1; v <= 2; v++) {
      LocalDate end = LocalDate.of(2027, 1, v);
      storage().inTransaction(w -> w.recipients().addAgreement(new RecipientRecords.Agreement(id, 0, List.of("user.contact"), List.of("provide"),
          LocalDate.of(2026, 1, 1), end, "A", "B", "c", "s", List.of("fra-1"), T0, "st-1")));
    }
    Tx.RecipientOnFile both = storage().inTransaction(w -> w.recipient(id));
    assertThat(both.agreement()).isEqualTo(new Facts.Agreement(id, List.of("user.contact"), List.of("provide"), LocalDate.of(2026, 1, 1),
        LocalDate.of(2027, 1, 2)));
    assertThat(storage().<Tx.RecipientOnFile>inTransaction(w -> w.recipient("carrier")).registered()).as("named by the policy, not the registry").isNull();
    // the registry's listing reads every recipient's newest agreement in one look-up
    Map<String, RecipientRecords.Agreement> newest = storage().inTransaction(w -> w.recipients().newestAgreements());
    assertThat(newest.get(id).version()).isEqualTo(2);
    assertThat(newest.get(id).end()).isEqualTo(LocalDate.of(2027, 1, 2));
    assertThat(newest).doesNotContainKey("rcp-none-" + System.nanoTime());
  }

  @Test
  void C26_aLegalRequestKeepsItsScopeItsStepsAndCountsInTheReportWithoutNames() {
    String a = person();
    String b = person();
    String id = "lr-" + UUID.randomUUID();
    String authority = "Court " + System.nanoTime();
    LegalRequestRecords.Request r = new LegalRequestRecords.Request(id, "a", authority, "AZ 1", "An order", List.of("user.contact"), LocalDate.of(2099, 1, 1),
        "pending", "st-1", T0, null, null, null, null, null, null, null, 2);
    storage().useTransaction(w -> w.legalRequests().add(r, List.of(a, b)));
    assertThat(storage().<List<String>>inTransaction(w -> w.legalRequests().subjects(id))).containsExactlyInAnyOrder(a, b);
    assertThat(storage().<Facts.LegalRequest>inTransaction(w -> w.legalRequest(id))).isEqualTo(new Facts.LegalRequest("a", "st-1", List.of()));
    storage().useTransaction(w -> {
      LegalRequestRecords.Request locked = w.legalRequests().lock(id).orElseThrow();
      w.legalRequests().keepSubjects(id, List.of(a));
      w.legalRequests().update(new LegalRequestRecords.Request(id, "a", authority, "AZ 1", "An order", List.of("user.contact.email"), locked.deadline(),
          "approved", "st-1", T0, "st-2", T0.plusSeconds(5), null, null, null, null, null, 1));
    });
    assertThat(storage().<List<String>>inTransaction(w -> w.legalRequests().subjects(id))).containsExactly(a);
    assertThat(storage().<Facts.LegalRequest>inTransaction(w -> w.legalRequest(id))).isEqualTo(new Facts.LegalRequest("a", "st-1", List.of("st-2")));
    LegalRequestRecords.Request stored = storage().inTransaction(w -> w.legalRequests().find(id)).orElseThrow();
    assertThat(stored.categories()).containsExactly("user.contact.email");
    assertThat(stored.approvedAt()).isEqualTo(T0.plusSeconds(5));
    assertThat(storage().<List<LegalRequestRecords.Count>>inTransaction(w -> w.legalRequests().report(T0.minusSeconds(1), T0.plusSeconds(1))))
        .contains(new LegalRequestRecords.Count("a", authority, 1, 0, 0, 1));
    assertThat(storage().<List<LegalRequestRecords.Count>>inTransaction(w -> w.legalRequests().report(T0.plusSeconds(1), T0.plusSeconds(2)))).noneMatch(c -> c.authority().equals(authority));
    assertThat(storage().<Facts.LegalRequest>inTransaction(w -> w.legalRequest("lr-nothing"))).isNull();
  }

  @Test
  void C26_aLegalRequestsFreeTextIsSealedAtRestAndReadBackWhole() {
    String a = person();
    String id = "lr-" + UUID.randomUUID();
    LegalRequestRecords.Request r = new LegalRequestRecords.Request(id, "b", "Harbour Police", "Case of Grace Hopper 42/26",
        "Suspected fraud by Grace Hopper", List.of("user.contact"), LocalDate.of(2099, 1, 1), "pending", "st-1", T0, null, null, null, null, null, null,
        null, 1);
    storage().useTransaction(w -> w.legalRequests().add(r, List.of(a)));
    storage().useTransaction(w -> w.legalRequests().update(new LegalRequestRecords.Request(id, "b", "Harbour Police", r.reference(), r.justification(),
        r.categories(), r.deadline(), "rejected", "st-1", T0, null, null, "st-2", "Grace Hopper is not named in the order", T0.plusSeconds(1), null, null, 1)));
    String raw = sql("SELECT * FROM legal_request WHERE id = '" + id + "'");
    assertThat(raw).contains("Harbour Police").doesNotContain("Grace").doesNotContain("Hopper").doesNotContain("fraud");
    LegalRequestRecords.Request stored = storage().inTransaction(w -> w.legalRequests().find(id)).orElseThrow();
    assertThat(stored.reference()).isEqualTo("Case of Grace Hopper 42/26");
    assertThat(stored.justification()).isEqualTo("Suspected fraud by Grace Hopper");
    assertThat(stored.rejection()).isEqualTo("Grace Hopper is not named in the order");

    // a request written in plain text before the texts were sealed is sealed when the vault opens again, and reads the same
    String old = "lr-" + UUID.randomUUID();
    update("INSERT INTO legal_request (id, ground, authority, reference, justification, categories, deadline, status, created_by, created_at, people) "
        + "VALUES ('" + old + "', 'a', 'Old Court', 'Old case of Ada', 'Ada owes a fine', 'user.contact', DATE '2099-01-01', 'pending', 'st-1', "
        + "TIMESTAMP WITH TIME ZONE '2026-01-01 10:00:00+00', 0)");
    openVaultAgain();
    assertThat(sql("SELECT * FROM legal_request WHERE id = '" + old + "'")).contains("Old Court").doesNotContain("Ada");
    LegalRequestRecords.Request migrated = storage().inTransaction(w -> w.legalRequests().find(old)).orElseThrow();
    assertThat(migrated.reference()).isEqualTo("Old case of Ada");
    assertThat(migrated.justification()).isEqualTo("Ada owes a fine");
  }
}
