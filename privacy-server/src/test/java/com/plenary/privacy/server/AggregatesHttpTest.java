package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.store.Credentials;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Aggregate statistics (C27) through real HTTP on H2 and PostgreSQL: people registered by the shop
 * with a country, their page views sent as service events, counted by page and country. The policy's
 * k is 10. Each test uses pages and countries of its own, so the tables of one do not touch another's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ParameterizedClass(name = "on {0}")
@ValueSource(strings = {"h2", "postgresql"})
class AggregatesHttpTest {
  private final ObjectMapper json = new ObjectMapper();
  @Parameter
  String database;

  private Running running;
  private String shop;
  private String officer;
  private String support;
  private final List<String> ids = new ArrayList<>();

  @BeforeParameterizedClassInvocation
  void start() throws Exception {
    running = Running.on(database);
    shop = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
    var o = running.platform.vault().staff().add("Officer", "employee", List.of("privacy-officer"), Instant.now().minusSeconds(60));
    var s = running.platform.vault().staff().add("Support", "employee", List.of("support"), Instant.now().minusSeconds(60));
    officer = running.platform.issuer().issue(o.id(), Duration.ofMinutes(10));
    support = running.platform.issuer().issue(s.id(), Duration.ofMinutes(10));
  }

  @AfterParameterizedClassInvocation
  void stop() {
    running.close();
  }

  private static String today() {
    return LocalDate.now(ZoneOffset.UTC).toString();
  }

  /** Registers {@code n} people of {@code country} with the shop on {@code on}, and sends one view of {@code page} by each; answers their ids. */
  private List<String> visitors(Running on, String key, int n, String country, String page) throws Exception {
    return visitors(on, key, n, country, null, page);
  }

  /** As {@link #visitors(Running, String, int, String, String)}, the people born on {@code born} (none given when null). */
  private List<String> visitors(Running on, String key, int n, String country, LocalDate born, String page) throws Exception {
    List<String> made = new ArrayList<>();
    StringBuilder events = new StringBuilder("{\"events\":[");
    String birth = born == null ? "" : ",\"birth_date\":\"" + born + "\"";
    for (int i = 0; i < n; i++) {
      HttpResponse<String> r = on.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"v-" + System.nanoTime() + "@example.org\",\"name\":\"Visitor\","
          + "\"address\":\"1 Road\",\"country\":\"" + country + "\"" + birth + "}}", key);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      String id = json.readTree(r.body()).get("id").asText();
      made.add(id);
      events.append(i == 0 ? "" : ",").append("{\"subject\":\"").append(id).append("\",\"type\":\"view\",\"page\":\"").append(page)
          .append("?visitor=").append(i).append("\",\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"}");
    }
    HttpResponse<String> sent = on.postJson("/api/v1/events", events.append("]}").toString(), key);
    assertThat(sent.statusCode()).as(sent.body()).isBetween(200, 202);
    ids.addAll(made);
    return made;
  }

  private HttpResponse<String> aggregate(Running on, String body, String bearer) throws Exception {
    return on.postJson("/api/v1/aggregates", body, bearer);
  }

  private JsonNode released(Running on, String body, String bearer) throws Exception {
    HttpResponse<String> r = aggregate(on, body, bearer);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (String id : ids) {
      assertThat(r.body()).as("no identifier in the output").doesNotContain(id);
    }
    return json.readTree(r.body());
  }

  /** The released cells whose first value starts with {@code host}: "page|country" to count. */
  private static Map<String, Long> cells(JsonNode answer, String host) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (JsonNode c : answer.get("cells")) {
      List<String> values = new ArrayList<>();
      c.get("values").forEach(v -> values.add(v.asText()));
      if (values.get(0).startsWith(host)) {
        out.put(String.join("|", values), c.get("count").asLong());
      }
    }
    return out;
  }

  private static String byPageAndCountry(String extra) {
    return "{\"dimensions\":[\"page\",\"country\"],\"from\":\"" + today() + "\",\"to\":\"" + today() + "\",\"purpose\":\"improve\"" + extra + "}";
  }

  @Test
  void C27_groupOfSizeKMinusOneIsSuppressedAndOfSizeKReleasedWithComplementarySuppression() throws Exception {
    String a = "k-" + database + ".example/a";
    String b = "k-" + database + ".example/b";
    visitors(running, shop, 10, "DE", "https://" + a);
    visitors(running, shop, 12, "NL", "https://" + a);
    visitors(running, shop, 9, "FR", "https://" + b);
    visitors(running, shop, 15, "IT", "https://" + b);
    visitors(running, shop, 20, "ES", "https://" + b);

    JsonNode answer = released(running, byPageAndCountry(""), shop);

    assertThat(answer.get("k").asInt()).isEqualTo(10);
    Map<String, Long> mine = cells(answer, "k-" + database);
    // k people are shown; k - 1 are not; and the smallest other group of that row (IT, 15) is withheld with
    // it, so the row's total known from elsewhere (44) minus what is shown (20) is 24 — two groups, never FR's 9
    assertThat(mine).containsExactly(Map.entry(a + "|DE", 10L), Map.entry(a + "|NL", 12L), Map.entry(b + "|ES", 20L));
    assertThat(answer.get("withheld").asInt()).isGreaterThanOrEqualTo(2);
    long shown = 0;
    for (JsonNode c : answer.get("cells")) {
      shown += c.get("count").asLong();
    }
    assertThat(answer.get("total").asLong()).as("the total is of the released cells only").isEqualTo(shown);
  }

  @Test
  void C27_aDifferencingAttackOfTwoOverlappingQueriesRevealsNothingAboutTheOnePersonBetweenThem() throws Exception {
    String page = "diff-" + database + ".example/c";
    visitors(running, shop, 10, "BE", "https://" + page);
    visitors(running, shop, 14, "AT", "https://" + page);
    Map<String, Long> before = cells(released(running, byPageAndCountry(""), shop), "diff-" + database);
    assertThat(before).containsEntry(page + "|BE", 10L).containsEntry(page + "|AT", 14L);

    // the target: one more person from Belgium views the page; the attacker asks again over a period that contains the first
    visitors(running, shop, 1, "BE", "https://" + page);
    String wider = "{\"dimensions\":[\"page\",\"country\"],\"from\":\"" + LocalDate.now(ZoneOffset.UTC).minusDays(3) + "\",\"to\":\"" + today()
        + "\",\"purpose\":\"improve\"}";
    for (String query : List.of(byPageAndCountry(""), wider)) {
      Map<String, Long> after = cells(released(running, query, shop), "diff-" + database);
      // 11 - 10 would be the target: that cell is withheld, and its row's next group with it, so no difference of released numbers is 1
      assertThat(after).doesNotContainKey(page + "|BE");
      for (var cell : after.entrySet()) {
        Long then = before.get(cell.getKey());
        if (then != null) {
          long d = Math.abs(cell.getValue() - then);
          assertThat(d == 0 || d >= 10).as("difference of " + cell.getKey()).isTrue();
        }
      }
    }

    // once k more have come, the change counts a group of k and the cell is shown again
    visitors(running, shop, 10, "BE", "https://" + page);
    assertThat(cells(released(running, byPageAndCountry(""), shop), "diff-" + database)).containsEntry(page + "|BE", 21L);
  }

  /** Every released cell of a query by {@code dimensions} over {@code from}..{@code to}: "v1|v2" to count. */
  private Map<String, Long> query(LocalDate from, LocalDate to, String... dimensions) throws Exception {
    String dims = String.join("\",\"", dimensions);
    return cells(released(running, "{\"dimensions\":[\"" + dims + "\"],\"from\":\"" + from + "\",\"to\":\"" + to + "\",\"purpose\":\"improve\"}", shop), "");
  }

  /** The sum of the released cells of {@code table} whose value at {@code axis} is {@code value}. */
  private static long sum(Map<String, Long> table, int axis, String value) {
    return table.entrySet().stream().filter(e -> e.getKey().split("\\|")[axis].equals(value)).mapToLong(Map.Entry::getValue).sum();
  }

  private static void assertNoSmallDifference(Long before, Long after, String what) {
    if (before != null && after != null) {
      long d = Math.abs(after - before);
      assertThat(d == 0 || d >= 10).as("%s changed by %d", what, d).isTrue();
    }
  }

  @Test
  void C27_aDifferencingAttackAcrossTwoDimensionSetsAndTwoOverlappingPeriodsRevealsNothingAboutTheTarget() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    String page = "https://cross-" + database + ".example/p";
    // Luxembourg: 10 people in their thirties, 12 in their fifties, and the target, the one in their seventies;
    // Switzerland: 15 people in their seventies (so that the seventies as a whole are a group of k and more)
    visitors(running, shop, 10, "LU", today.minusYears(35), page);
    visitors(running, shop, 12, "LU", today.minusYears(55), page);
    visitors(running, shop, 1, "LU", today.minusYears(75), page);
    visitors(running, shop, 15, "CH", today.minusYears(75), page + "2");

    Map<String, Long> byCountry = query(today, today, "country");
    Map<String, Long> byCountryAndAge = query(today, today, "country", "age_band");
    Map<String, Long> byAge = query(today, today, "age_band");
    // the target's own group is never shown
    assertThat(byCountryAndAge).doesNotContainKey("LU|70-79");
    // every coarser figure is the sum of the finer released figures: nothing is left over to be someone withheld
    for (String country : List.of("LU", "CH")) {
      assertThat(byCountry.getOrDefault(country, 0L)).as("%s by country against by country and age", country).isEqualTo(sum(byCountryAndAge, 0, country));
    }
    for (String band : List.of("30-39", "50-59", "70-79")) {
      assertThat(byAge.getOrDefault(band, 0L)).as("%s by age against by country and age", band).isEqualTo(sum(byCountryAndAge, 1, band));
    }
    // the attack: Luxembourg's count, less its fifties shown by country and age, less the thirties shown by age, would be the target alone
    long target = byCountry.getOrDefault("LU", 0L) - byCountryAndAge.getOrDefault("LU|50-59", 0L) - byAge.getOrDefault("30-39", 0L);
    assertThat(target).as("what the attacker computes for the target").isNotEqualTo(1L);
    // likewise LU's seventies by age less Switzerland's
    assertThat(byAge.getOrDefault("70-79", 0L) - byCountryAndAge.getOrDefault("CH|70-79", 0L)).isZero();

    // across two overlapping periods: a second target from Luxembourg in their fifties arrives; the attacker asks
    // again by country over a different period that overlaps the first, and by country and age over a third
    visitors(running, shop, 1, "LU", today.minusYears(55), page);
    Map<String, Long> wider = query(today.minusDays(1), today, "country");
    Map<String, Long> widerFine = query(today.minusDays(2), today, "country", "age_band");
    assertNoSmallDifference(byCountry.get("LU"), wider.get("LU"), "LU by country");
    assertNoSmallDifference(byCountryAndAge.get("LU|50-59"), widerFine.get("LU|50-59"), "LU's fifties");
    assertThat(widerFine).doesNotContainKey("LU|70-79");
    // a figure is withheld when it differs from the same figure asked before by fewer than k; otherwise it is the finer figures' sum
    if (wider.containsKey("LU")) {
      assertThat(wider.get("LU")).as("%s %s", wider, widerFine).isEqualTo(sum(widerFine, 0, "LU"));
    }
    long after = wider.getOrDefault("LU", 0L) - widerFine.getOrDefault("LU|50-59", 0L) - query(today, today, "age_band").getOrDefault("30-39", 0L);
    assertThat(after - target).as("the change the attacker sees").isNotEqualTo(1L);
  }

  @Test
  void C27_anEpsilonBudgetIsRefusedOnceSpentAndStaysSpentAfterARestart() throws Exception {
    Running own = Running.on(database);
    try {
      String key = own.platform.store().credentials().issue(Credentials.Kind.SERVICE, "shop").key();
      visitors(own, key, 30, "SE", "https://dp-" + database + ".example/d");
      String noisy = byPageAndCountry(",\"recipient\":\"carrier\",\"epsilon\":\"0.6\"");
      JsonNode first = released(own, noisy, key);
      assertThat(first.get("noise").get("mechanism").asText()).isEqualTo("discrete-laplace");
      assertThat(first.get("noise").get("epsilon_left").asText()).isEqualTo("0.4");
      assertThat(first.get("recipient").asText()).isEqualTo("carrier");

      HttpResponse<String> refused = aggregate(own, noisy, key);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
      assertThat(json.readTree(refused.body()).get("rules").get(0).asText()).isEqualTo("privacy-budget");

      own = own.restart();
      HttpResponse<String> again = aggregate(own, noisy, key);
      assertThat(again.statusCode()).as("still spent after a restart: " + again.body()).isEqualTo(403);
      // what is left can still be spent, exactly
      JsonNode last = released(own, byPageAndCountry(",\"recipient\":\"carrier\",\"epsilon\":\"0.4\""), key);
      assertThat(last.get("noise").get("epsilon_left").asText()).isIn("0", "0.0", "0.000000");
    } finally {
      own.close();
    }
  }

  @Test
  void C27_badInputIsA400AndSpendsNothing() throws Exception {
    String from = today();
    List<String> bad = List.of(
        "{\"dimensions\":[\"shoe_size\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\",\"country\",\"browser\",\"day\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\",\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"2026-12-02\",\"to\":\"2026-12-01\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"2020-01-01\",\"to\":\"2026-12-01\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"yesterday\",\"to\":\"" + from + "\",\"purpose\":\"improve\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"carrier\",\"epsilon\":\"0\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"carrier\",\"epsilon\":\"-1\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"carrier\",\"epsilon\":\"0.0000001\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"carrier\",\"epsilon\":1}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"count\":\"sessions\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"selling\"}",
        "{\"dimensions\":[\"page\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"nobody-at-all\",\"epsilon\":\"0.1\"}");
    for (String body : bad) {
      HttpResponse<String> r = aggregate(running, body, shop);
      assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    }
    // none of them spent any of the recipient's budget
    JsonNode whole = released(running, "{\"dimensions\":[\"day\"],\"from\":\"" + from + "\",\"to\":\"" + from + "\",\"purpose\":\"improve\",\"recipient\":\"carrier\","
        + "\"epsilon\":\"1\"}", officer);
    assertThat(whole.get("noise").get("epsilon_left").asText()).isIn("0", "0.0", "0.000000");
  }

  @Test
  void C27_staffWithoutAnAggregateRoleAreRefused() throws Exception {
    HttpResponse<String> r = aggregate(running, byPageAndCountry(""), support);
    assertThat(r.statusCode()).isEqualTo(403);
  }
}
