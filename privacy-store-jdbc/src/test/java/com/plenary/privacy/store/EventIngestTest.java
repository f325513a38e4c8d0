package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.Postgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events that come from an event stream ({@link UsageEvents#ingest}) and their encoding for it
 * ({@link UsageEvents.Prepared#encode}): stored once by id however often they arrive, also when two
 * consumers write the same batch at once; the encoding holds no plaintext. On H2 and PostgreSQL.
 */
class EventIngestTest {
  @TempDir
  Path tmp;

  @Test
  void onH2AnEventDeliveredTwiceOrByTwoConsumersAtOnceIsStoredOnce() throws Exception {
    String url = "jdbc:h2:file:" + tmp.resolve("db-" + UUID.randomUUID()).resolve("plenary") + ";WRITE_DELAY=0";
    try (Store store = Store.open(url, "sa", "", 4, Clock.systemUTC())) {
      storedOnce(store);
    }
  }

  @Test
  void onPostgresAnEventDeliveredTwiceOrByTwoConsumersAtOnceIsStoredOnce() throws Exception {
    try (Postgres pg = Postgres.freshSchema(); Store store = Store.open(pg.url(), pg.user(), "", 4, Clock.systemUTC())) {
      storedOnce(store);
    }
  }

  private void storedOnce(Store store) throws Exception {
    try (SubjectKeys keys = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", Clock.systemUTC())) {
      UsageEvents usage = store.vault(Keys.local(Files.createTempDirectory(tmp, "keys")), keys).usage();
      List<UsageEvents.Prepared> batch = usage.prepare(events("ingest", 300));
      List<UsageEvents.Prepared> delivered = batch.stream().map(p -> UsageEvents.Prepared.decode(p.encode())).toList();
      assertThat(usage.ingest(batch.subList(0, 100))).isEqualTo(100);
      // the whole batch again, each event twice: only the 200 not yet stored are written
      List<UsageEvents.Prepared> again = new ArrayList<>(delivered);
      again.addAll(delivered);
      assertThat(usage.ingest(again)).isEqualTo(200);
      assertThat(usage.ingest(delivered)).isZero();
      assertThat(usage.count()).isEqualTo(300);

      // two consumers with the same new batch at once (a rebalance): one writes it, the other finds it stored
      List<UsageEvents.Prepared> race = usage.prepare(events("race", 500));
      ExecutorService two = Executors.newFixedThreadPool(2);
      try {
        Future<Integer> a = two.submit(() -> usage.ingest(race));
        Future<Integer> b = two.submit(() -> usage.ingest(race.stream().map(p -> UsageEvents.Prepared.decode(p.encode())).toList()));
        assertThat(a.get() + b.get()).isEqualTo(500);
      } finally {
        two.shutdown();
      }
      assertThat(usage.count()).isEqualTo(800);
    }
  }

  @Test
  void theEncodingHoldsTheSealedRowAndNoPlaintextAndRefusesWhatItDidNotMake() throws Exception {
    String url = "jdbc:h2:file:" + tmp.resolve("db-" + UUID.randomUUID()).resolve("plenary") + ";WRITE_DELAY=0";
    try (Store store = Store.open(url, "sa", "", 4, Clock.systemUTC());
        SubjectKeys keys = SubjectKeys.open("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "", Clock.systemUTC())) {
      UsageEvents usage = store.vault(Keys.local(Files.createTempDirectory(tmp, "keys")), keys).usage();
      UsageEvents.Prepared p = usage.prepare(events("enc", 1)).get(0);
      byte[] bytes = p.encode();
      String raw = new String(bytes, StandardCharsets.ISO_8859_1);
      assertThat(raw).contains(p.id()).contains("enc-0").doesNotContain("shop.example").doesNotContain("192.0.2").doesNotContain("HHHHHHHH");
      UsageEvents.Prepared back = UsageEvents.Prepared.decode(bytes);
      assertThat(back.id()).isEqualTo(p.id());
      assertThat(back.streamKey()).isEqualTo(p.streamKey()).startsWith("b-");
      assertThat(back.encode()).isEqualTo(bytes);
      assertThatThrownBy(() -> UsageEvents.Prepared.decode(Arrays.copyOf(bytes, bytes.length - 3))).isInstanceOf(InvalidInputException.class);
      assertThatThrownBy(() -> UsageEvents.Prepared.decode("not an event".getBytes(StandardCharsets.UTF_8))).isInstanceOf(InvalidInputException.class);
    }
  }

  private static List<UsageEvents.Event> events(String request, int n) {
    List<UsageEvents.Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(UsageEvents.Event.builder(request + "-" + i).source("browser", "snippet").purpose("improve.analytics").kind("pageview")
          .browser("HHHHHHHHHHHHHHHHHHHHH" + (i % 5)).details(new LinkedHashMap<>(Map.of("page", "https://shop.example/ingest", "ip", "192.0.2.0"))).build());
    }
    return out;
  }
}
