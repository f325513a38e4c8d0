package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.domain.Access;
import com.plenary.privacy.domain.AggregateRecords.Grouped;
import com.plenary.privacy.domain.AggregateRecords.Tally;
import com.plenary.privacy.domain.aggregates.Dimension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Aggregate statistics grouped in the database (C27, V52, V53): the dimension tokens every write path
 * gives events and people, their counts against a brute-force count of the same data, rows from before
 * the tokens, erasure. Runs on H2 and on PostgreSQL.
 */
abstract class AggregateContract extends VaultContract {
  private static final List<Dimension> FINEST = List.of(Dimension.values());
  private static final String[] PAGES = {"https://shop.example/aggregate-tokens/a?x=1", "https://shop.example/aggregate-tokens/b", "not a uri"};
  private static final String[] LANGUAGES = {"en-GB", "nl", "", "de-AT"};
  private static final String[] BROWSERS = {"Firefox", "Chrome", ""};
  private static final String[] OSES = {"Linux", "iOS", "Android", ""};
  private static final String[] DEVICES = {"Other", "iPhone", "iPad", "Spider", ""};

  /** A person as registered: their id, country and birth date as given (null: not given). */
  private record Person(String id, String country, String birthDate) {}

  /** An event as sent: whom it counts for (the person, or a browser's cookie), its person (or none) and details. */
  private record Sent(String unit, Person person, Map<String, Object> details) {}

  private Person register(String country, String birthDate) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("email", "agg." + System.nanoTime() + "@example.org");
    fields.put("name", "Visitor");
    fields.put("address", "1 Road");
    if (country != null) {
      fields.put("country", country);
    }
    if (birthDate != null) {
      fields.put("birth_date", birthDate);
    }
    var out = domain().subjects().register(SHOP, "shop", fields, null, null);
    assertThat(out.permitted()).isTrue();
    return new Person(out.value().id(), country, birthDate);
  }

  /** Some people and their events, made from {@code seed}: people of two countries and none, of several birth dates and none, and browsers of no person. */
  private List<Sent> someEvents(long seed, int people, int events) {
    Random r = new Random(seed);
    String[] countries = {"NL", "DE", null};
    String[] births = {"1984-03-02", "1988-11-30", "2001-06-15", null};
    List<Person> registered = new ArrayList<>();
    for (int i = 0; i < people; i++) {
      registered.add(register(countries[r.nextInt(countries.length)], births[r.nextInt(births.length)]));
    }
    List<Sent> out = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      Map<String, Object> d = new HashMap<>();
      d.put("page", PAGES[r.nextInt(PAGES.length)]);
      d.put("language", LANGUAGES[r.nextInt(LANGUAGES.length)]);
      d.put("browser", BROWSERS[r.nextInt(BROWSERS.length)]);
      d.put("os", OSES[r.nextInt(OSES.length)]);
      d.put("device", DEVICES[r.nextInt(DEVICES.length)]);
      if (r.nextInt(5) == 0) {
        out.add(new Sent("cookie-" + seed + "-" + r.nextInt(3), null, d));
      } else {
        Person p = registered.get(r.nextInt(registered.size()));
        out.add(new Sent(p.id(), p, d));
      }
    }
    return out;
  }

  private void append(List<Sent> sent) {
    List<UsageEvents.Event> batch = new ArrayList<>();
    for (Sent s : sent) {
      var b = UsageEvents.Event.builder("rq-agg-" + System.nanoTime()).source("service", "shop").purpose("improve").kind("view").details(s.details());
      batch.add((s.person() == null ? b.browser(s.unit()) : b.subject(s.unit())).build());
    }
    vault().usage().append(batch);
  }

  /** The values of an event by {@code dims}, as the aggregate defines them, counted by hand. */
  private static List<String> values(Sent s, List<Dimension> dims, Instant at, LocalDate lastDay) {
    List<String> out = new ArrayList<>();
    for (Dimension d : dims) {
      if (!d.ofPerson()) {
        out.add(d.ofEvent(s.details(), at));
      } else if (s.person() == null) {
        out.add(Dimension.UNKNOWN);
      } else {
        out.add(d.ofPerson(d == Dimension.COUNTRY ? s.person().country() : s.person().birthDate(), lastDay));
      }
    }
    return List.copyOf(out);
  }

  /** Distinct units and events of each cell, by brute force over the events as sent. */
  private static Map<List<String>, Tally> bruteForce(List<Sent> sent, List<Dimension> dims, Instant at, LocalDate lastDay, Predicate<List<String>> counted) {
    Map<List<String>, Set<String>> units = new HashMap<>();
    Map<List<String>, Long> events = new HashMap<>();
    for (Sent s : sent) {
      if (!counted.test(values(s, FINEST, at, lastDay))) {
        continue;
      }
      List<String> cell = values(s, dims, at, lastDay);
      units.computeIfAbsent(cell, c -> new HashSet<>()).add(s.unit());
      events.merge(cell, 1L, Long::sum);
    }
    Map<List<String>, Tally> out = new HashMap<>();
    units.forEach((cell, us) -> out.put(cell, new Tally(us.size(), events.get(cell))));
    return out;
  }

  /** A period of the test's own: the clock moved on a second before and after {@code work}; answers [from, until). */
  private Instant[] ownPeriod(Runnable work) {
    clock().advance(Duration.ofSeconds(1));
    // on a whole microsecond, as the database keeps times: an earlier test left the clock a nanosecond short of a second
    clock().advance(Duration.ofNanos((1000 - clock().instant().getNano() % 1000) % 1000));
    Instant from = clock().instant();
    work.run();
    clock().advance(Duration.ofSeconds(1));
    return new Instant[] {from, clock().instant()};
  }

  /** The recount of {@code cells} by {@code query} over {@code period}, in a transaction of its own. */
  private Map<List<String>, Long> recount(Instant[] period, List<Dimension> query, Set<List<String>> cells, Predicate<List<String>> counted) {
    return vault().storage().inTransaction(w -> w.aggregates().recount(FINEST, query, period[0], period[1], cells, counted));
  }

  private byte[] bytes(String sql) {
    try (var c = DriverManager.getConnection(url(), user(), ""); var rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getBytes(1) : null;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private List<byte[]> column(String sql) {
    try (var c = DriverManager.getConnection(url(), user(), ""); var rs = c.createStatement().executeQuery(sql)) {
      List<byte[]> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getBytes(1));
      }
      return out;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean contains(byte[] haystack, String plain) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(plain);
  }

  @Test
  void C27_eventDimensionsAndAPersonsCountryAndBirthDateAreKeptAsTokensNeverInPlain() {
    Person p = register("NL", "1984-03-02");
    Person q = register("NL", "1990-01-01");
    Map<String, Object> d = Map.of("page", "https://shop.example/aggregate-at-rest?q=1", "language", "nl-NL", "browser", "Firefox", "os", "Linux",
        "device", "Other");
    append(List.of(new Sent(p.id(), p, d), new Sent(q.id(), q, d)));
    for (String column : List.of("dim_language", "dim_device_type", "dim_browser", "dim_page")) {
      List<byte[]> tokens = column("SELECT " + column + " FROM usage_event WHERE subject_id IN ('" + p.id() + "', '" + q.id() + "')");
      assertThat(tokens).hasSize(2).allSatisfy(t -> assertThat(t).isNotNull().hasSizeGreaterThan(16));
      // equal values, equal tokens: what lets the database group them
      assertThat(tokens.get(0)).isEqualTo(tokens.get(1));
    }
    byte[] page = bytes("SELECT dim_page FROM usage_event WHERE subject_id = '" + p.id() + "'");
    assertThat(contains(page, "shop.example")).isFalse();
    assertThat(contains(page, "aggregate-at-rest")).isFalse();
    assertThat(contains(bytes("SELECT dim_browser FROM usage_event WHERE subject_id = '" + p.id() + "'"), "Firefox")).isFalse();
    assertThat(contains(bytes("SELECT dim_device_type FROM usage_event WHERE subject_id = '" + p.id() + "'"), "desktop")).isFalse();
    byte[] birth = bytes("SELECT birth_date FROM person_dimension WHERE subject_id = '" + p.id() + "'");
    assertThat(birth).isNotNull();
    assertThat(contains(birth, "1984")).isFalse();
    assertThat(birth).isNotEqualTo(bytes("SELECT birth_date FROM person_dimension WHERE subject_id = '" + q.id() + "'"));
    byte[] country = bytes("SELECT country FROM person_dimension WHERE subject_id = '" + p.id() + "'");
    assertThat(country).isNotNull().hasSizeGreaterThan(16).isEqualTo(bytes("SELECT country FROM person_dimension WHERE subject_id = '" + q.id() + "'"));
    // tokens of one dimension are not those of another for the same value
    assertThat(vault().usage().dimensionKey().token("country", "NL")).isEqualTo(country).isNotEqualTo(vault().usage().dimensionKey().token("language", "NL"));
    // the dimension key itself is in the key store, wrapped, and nowhere in the data database
    assertThat(keyStore().get(UsageEvents.DIMENSION_KEY_ID)).isPresent();
  }

  @Test
  void C27_countsGroupedInTheDatabaseEqualABruteForceCountOfTheSameEvents() {
    List<Sent> sent = someEvents(27, 14, 160);
    Instant[] at = new Instant[1];
    Instant[] period = ownPeriod(() -> {
      at[0] = clock().instant();
      append(sent);
    });
    LocalDate lastDay = LocalDate.ofInstant(period[1].minusMillis(1), ZoneOffset.UTC);
    List<List<Dimension>> queries = List.of(List.of(Dimension.COUNTRY), List.of(Dimension.AGE_BAND, Dimension.PAGE),
        List.of(Dimension.LANGUAGE, Dimension.DEVICE_TYPE, Dimension.BROWSER), List.of(Dimension.DAY, Dimension.COUNTRY, Dimension.AGE_BAND));
    for (List<Dimension> query : queries) {
      Grouped g = vault().storage().inTransaction(w -> w.aggregates().group(FINEST, query, period[0], period[1]));
      assertThat(g.finest()).as("finest").isEqualTo(bruteForce(sent, FINEST, at[0], lastDay, v -> true));
      assertThat(g.query()).as("by %s", query).isEqualTo(bruteForce(sent, query, at[0], lastDay, v -> true));
      // a recount without some finest cells: those of one browser left out, over the cells that had them
      Predicate<List<String>> counted = v -> !v.get(FINEST.indexOf(Dimension.BROWSER)).equals("Chrome");
      Map<List<String>, Long> expected = new HashMap<>();
      bruteForce(sent, query, at[0], lastDay, counted).forEach((cell, t) -> expected.put(cell, t.units()));
      Set<List<String>> cells = new HashSet<>(g.query().keySet());
      Map<List<String>, Long> recounted = vault().storage().inTransaction(w -> w.aggregates().recount(FINEST, query, period[0], period[1], cells, counted));
      assertThat(recounted).as("recount by %s", query).isEqualTo(expected);
    }
    // each unit's events of each finest cell, as a bounded count reads them
    Map<List<String>, List<Long>> scanned = new HashMap<>();
    vault().storage().useTransaction(w -> w.aggregates().scan(FINEST, period[0], period[1],
        (unit, values, n) -> scanned.computeIfAbsent(values, v -> new ArrayList<>()).add(n)));
    Map<List<String>, Map<String, Long>> byHand = new HashMap<>();
    sent.forEach(s -> byHand.computeIfAbsent(values(s, FINEST, at[0], lastDay), v -> new HashMap<>()).merge(s.unit(), 1L, Long::sum));
    assertThat(scanned.keySet()).isEqualTo(byHand.keySet());
    byHand.forEach((cell, units) -> assertThat(scanned.get(cell)).containsExactlyInAnyOrderElementsOf(units.values()));
  }

  @Test
  void C27_aRecountCountsTheDistinctUnitsOfTheCellsAskedOverTheFinestCellsThatCountOnly() {
    List<Sent> sent = new ArrayList<>(someEvents(58, 12, 220));
    // one person with many events, over several pages and browsers: in several finest cells of one query cell, and in several query cells
    Person busy = register("DE", "1988-11-30");
    Random r = new Random(58);
    for (int i = 0; i < 90; i++) {
      sent.add(new Sent(busy.id(), busy, Map.of("page", PAGES[r.nextInt(PAGES.length)], "browser", BROWSERS[r.nextInt(BROWSERS.length)],
          "language", LANGUAGES[r.nextInt(LANGUAGES.length)])));
    }
    Instant[] at = new Instant[1];
    Instant[] period = ownPeriod(() -> {
      at[0] = clock().instant();
      append(sent);
    });
    LocalDate lastDay = LocalDate.ofInstant(period[1].minusMillis(1), ZoneOffset.UTC);
    List<List<Dimension>> queries = List.of(List.of(Dimension.PAGE), List.of(Dimension.BROWSER, Dimension.AGE_BAND),
        List.of(Dimension.DAY, Dimension.COUNTRY, Dimension.LANGUAGE), List.of(Dimension.DEVICE_TYPE, Dimension.PAGE, Dimension.BROWSER));
    for (int salt = 0; salt < 3; salt++) {
      int s = salt;
      // some finest cells count and others not, chosen by a hash of their values: a unit's events are in cells of both kinds
      Predicate<List<String>> counted = v -> Math.floorMod(v.hashCode() * 31 + s, 3) != 0;
      for (List<Dimension> query : queries) {
        Grouped g = vault().storage().inTransaction(w -> w.aggregates().group(FINEST, query, period[0], period[1]));
        // every other cell asked, and one with no events
        List<List<String>> all = new ArrayList<>(g.query().keySet());
        all.sort(Comparator.comparing(Object::toString));
        Set<List<String>> cells = new HashSet<>();
        for (int i = s % 2; i < all.size(); i += 2) {
          cells.add(all.get(i));
        }
        List<String> none = new ArrayList<>(all.get(0));
        none.set(0, "no such value");
        cells.add(List.copyOf(none));
        Map<List<String>, Long> expected = new HashMap<>();
        bruteForce(sent, query, at[0], lastDay, counted).forEach((cell, t) -> {
          if (cells.contains(cell)) {
            expected.put(cell, t.units());
          }
        });
        assertThat(expected).as("a test of some cells, not all nor none").isNotEmpty().hasSizeLessThan(cells.size());
        Map<List<String>, Long> recounted = vault().storage().inTransaction(w -> w.aggregates().recount(FINEST, query, period[0], period[1], cells, counted));
        assertThat(recounted).as("recount by %s, salt %d", query, s).isEqualTo(expected);
        // the store's scratch rows go with the transaction
        assertThat(column("SELECT dim_page FROM aggregate_recount")).isEmpty();
      }
    }
  }

  @Test
  void C27_aRecountCountsAUnitOnceForEveryCellOneOfItsCountedFinestCellsIsIn() {
    Person anna = register("NL", "1984-03-02");
    Person bert = register("NL", "1984-03-02");
    String page = "https://shop.example/recount-by-hand";
    String elsewhere = "https://shop.example/recount-by-hand-other";
    List<Sent> made = new ArrayList<>(List.of(new Sent("cookie-recount", null, Map.of("page", elsewhere, "browser", "Firefox")),
        new Sent(bert.id(), bert, Map.of("page", elsewhere, "browser", "Chrome"))));
    for (int i = 0; i < 5; i++) {
      made.addAll(List.of(new Sent(anna.id(), anna, Map.of("page", page, "browser", "Firefox")), new Sent(anna.id(), anna, Map.of("page", page, "browser", "Chrome")),
          new Sent(bert.id(), bert, Map.of("page", page, "browser", "Chrome"))));
    }
    Instant[] period = ownPeriod(() -> append(made));
    List<Dimension> query = List.of(Dimension.PAGE);
    List<String> onPage = List.of("shop.example/recount-by-hand");
    List<String> onOther = List.of("shop.example/recount-by-hand-other");
    int browser = FINEST.indexOf(Dimension.BROWSER);
    Set<List<String>> both = Set.of(onPage, onOther);
    // Chrome's cells left out: anna on the page through Firefox (once, for ten events in two finest cells), bert nowhere, the cookie on the other page
    assertThat(recount(period, query, both, v -> !v.get(browser).equals("Chrome")))
        .isEqualTo(Map.of(onPage, 1L, onOther, 1L));
    // every cell counts: anna and bert on the page, bert and the cookie on the other
    assertThat(recount(period, query, both, v -> true))
        .isEqualTo(Map.of(onPage, 2L, onOther, 2L));
    // only the page asked; a cell with nothing that counts is left out
    assertThat(recount(period, query, Set.of(onPage), v -> true))
        .isEqualTo(Map.of(onPage, 2L));
    assertThat(recount(period, query, both, v -> v.get(browser).equals("Safari")))
        .isEmpty();
    // an event whose browser token is absent (its owner's key gone before it got one; its other tokens there) counts as unknown, as the grouping has it
    tamper("UPDATE usage_event SET dim_browser = NULL WHERE subject_id = '" + bert.id() + "' AND received_at >= TIMESTAMP WITH TIME ZONE '" + period[0] + "'");
    Grouped g = vault().storage().inTransaction(w -> w.aggregates().group(FINEST, List.of(Dimension.BROWSER), period[0], period[1]));
    assertThat(g.query().get(List.of(Dimension.UNKNOWN))).isEqualTo(new Tally(1, 6));
    assertThat(recount(period, query, both, v -> !v.get(browser).equals("Chrome")))
        .isEqualTo(Map.of(onPage, 2L, onOther, 2L));
  }

  @Test
  void C27_eventsAndPeopleFromBeforeTheTokensStillCountAndGetTheirTokens() {
    List<Sent> sent = someEvents(53, 6, 40);
    Instant[] at = new Instant[1];
    Instant[] period = ownPeriod(() -> {
      at[0] = clock().instant();
      append(sent);
    });
    LocalDate lastDay = LocalDate.ofInstant(period[1].minusMillis(1), ZoneOffset.UTC);
    String ids = String.join("', '", sent.stream().filter(s -> s.person() != null).map(Sent::unit).distinct().toList());
    // as rows written before V52 and V53 are: no tokens on the events, no row of the people
    tamper("UPDATE usage_event SET dim_language = NULL, dim_device_type = NULL, dim_browser = NULL, dim_page = NULL WHERE received_at >= TIMESTAMP WITH TIME ZONE '"
        + period[0] + "'");
    tamper("DELETE FROM person_dimension WHERE subject_id IN ('" + ids + "')");
    vault().usage().peopleTokened(false); // as a process started on such a database is
    List<Dimension> query = List.of(Dimension.COUNTRY, Dimension.AGE_BAND, Dimension.PAGE);
    Grouped g = vault().storage().inTransaction(w -> w.aggregates().group(FINEST, query, period[0], period[1]));
    assertThat(g.finest()).isEqualTo(bruteForce(sent, FINEST, at[0], lastDay, v -> true));
    assertThat(g.query()).isEqualTo(bruteForce(sent, query, at[0], lastDay, v -> true));
    // filled once: the next count opens nothing
    assertThat(column("SELECT dim_page FROM usage_event WHERE received_at >= TIMESTAMP WITH TIME ZONE '" + period[0] + "'")).hasSize(sent.size())
        .allSatisfy(t -> assertThat(t).isNotNull());
    assertThat(column("SELECT subject_id FROM person_dimension WHERE subject_id IN ('" + ids + "')")).hasSize((int) sent.stream()
        .filter(s -> s.person() != null).map(Sent::unit).distinct().count());
  }

  @Test
  void C27_aCorrectedCountryIsCountedUnderItsNewValue() {
    Person p = register("NL", null);
    Instant[] period = ownPeriod(() -> append(List.of(new Sent(p.id(), p, Map.of("page", "https://shop.example/corrected")))));
    assertThat(domain().subjects().correct(Access.subject(p.id(), null), p.id(), Map.of("country", "DE")).permitted()).isTrue();
    Grouped g = vault().storage().inTransaction(w -> w.aggregates().group(FINEST, List.of(Dimension.COUNTRY), period[0], period[1]));
    assertThat(g.query()).isEqualTo(Map.of(List.of("DE"), new Tally(1, 1)));
  }

  @Test
  void C27_erasureRemovesThePersonsTokensWithTheirEvents() {
    Person p = register("DE", "1970-07-07");
    append(List.of(new Sent(p.id(), p, Map.of("page", "https://shop.example/erased"))));
    assertThat(column("SELECT country FROM person_dimension WHERE subject_id = '" + p.id() + "'")).hasSize(1);
    assertThat(domain().subjects().erase(Access.subject(p.id(), "rq-test"), p.id()).permitted()).isTrue();
    assertThat(column("SELECT country FROM person_dimension WHERE subject_id = '" + p.id() + "'")).isEmpty();
    assertThat(column("SELECT dim_page FROM usage_event WHERE subject_id = '" + p.id() + "'")).isEmpty();
  }

  @Test
  void C27_theJournalAndTheEventStreamCarryTheTokensToTheTable() throws Exception {
    Person p = register("NL", null);
    Person q = register("NL", null);
    Map<String, Object> d = Map.of("page", "https://shop.example/carried", "browser", "Chrome");
    byte[] direct = vault().usage().dimensionKey().token("page", "shop.example/carried");
    // an event stream: encoded by one node, decoded and ingested by another
    var prepared = vault().usage().prepare(List.of(UsageEvents.Event.builder("rq-stream").source("service", "shop").purpose("improve").kind("view")
        .subject(p.id()).details(d).build()));
    vault().usage().ingest(List.of(UsageEvents.Prepared.decode(prepared.get(0).encode())));
    assertThat(bytes("SELECT dim_page FROM usage_event WHERE subject_id = '" + p.id() + "'")).isEqualTo(direct);
    // an event of a node from before the tokens (stream format 1, no tokens): they are made at ingest
    Person old = register("NL", null);
    UsageEvents.Prepared made = vault().usage().prepare(List.of(UsageEvents.Event.builder("rq-stream-old").source("service", "shop").purpose("improve")
        .kind("view").subject(old.id()).details(d).build())).get(0);
    byte[] encoded = made.encode();
    int tokens = 0;
    for (byte[] t : made.row.dimensions()) {
      tokens += 4 + t.length;
    }
    byte[] formatOne = Arrays.copyOf(encoded, encoded.length - tokens);
    formatOne[0] = 1;
    UsageEvents.Prepared decoded = UsageEvents.Prepared.decode(formatOne);
    assertThat(decoded.row.dimensions()).isNull();
    vault().usage().ingest(List.of(decoded));
    assertThat(bytes("SELECT dim_page FROM usage_event WHERE subject_id = '" + old.id() + "'")).isEqualTo(direct);
    // the collector's journal: appended, then applied to the table
    Path dir = Files.createTempDirectory("plenary-journal");
    vault().usage().startJournal(dir, false);
    try {
      vault().usage().store(vault().usage().prepare(List.of(UsageEvents.Event.builder("rq-journal").source("service", "shop").purpose("improve").kind("view")
          .subject(q.id()).details(d).build())));
      vault().usage().settle();
    } finally {
      vault().usage().stopJournal(Duration.ofSeconds(5));
    }
    assertThat(bytes("SELECT dim_page FROM usage_event WHERE subject_id = '" + q.id() + "'")).isEqualTo(direct);
  }
}
