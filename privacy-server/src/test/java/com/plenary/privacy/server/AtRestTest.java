package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.store.SubjectKeys;
import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.testkit.Postgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/** C29: what is written to disk holds no personal value in plain text, on H2 and in a pg_dump of PostgreSQL. */
class AtRestTest {
  private static final String MAIL_WORD = "Quibblewort";

  /** Registers a person with distinctive values through the API; returns the values to look for. */
  private static List<String> registerCanaries(Running running, String key) throws Exception {
    long n = System.nanoTime();
    String email = "canary." + n + "@example.org";
    String name = MAIL_WORD + " Zebedee " + n;
    String phone = "+44 " + (n % 1_000_000_000L);
    var r = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"" + name + "\",\"phone\":\"" + phone + "\","
        + "\"country\":\"NL\"},\"password\":\"canary password " + n + "\"}", key);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = r.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    String message = "My secret message " + MAIL_WORD + " " + n;
    var c = running.send("POST", "/api/v1/subjects/" + id + "/content", "application/json",
        "{\"kind\":\"message\",\"purpose\":\"communicate.respond\",\"text\":\"" + message + "\"}", "Authorization", "Bearer " + key);
    assertThat(c.statusCode()).isEqualTo(201);
    // staff names are personal data too (C29)
    String staff = "Staffer Quillonby " + n;
    running.platform.vault().staff().add(staff, "employee", List.of("support"), null);
    assertThat(running.platform.vault().staff().list()).anyMatch(m -> m.name().equals(staff));
    // a page the person viewed: sealed in the event's details, and its host and path an aggregate's dimension token (V52)
    String page = "canary.example/" + MAIL_WORD + "-page-" + n;
    var e = running.postJson("/api/v1/events", "{\"events\":[{\"subject\":\"" + id + "\",\"type\":\"view\",\"page\":\"https://" + page + "?q=1\","
        + "\"user_agent\":\"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\"}]}", key);
    assertThat(e.statusCode()).as(e.body()).isBetween(200, 202);
    running.platform.vault().usage().settle();
    return List.of(email, name, phone, message, staff, page, id, MAIL_WORD);
  }

  /** The person's event carries its dimension tokens and the person theirs: the scans above cover those columns too. */
  private static void assertTokensWritten(String url, String user, String id) throws Exception {
    try (var c = DriverManager.getConnection(url, user, "");
        var ps = c.prepareStatement("SELECT e.dim_page, e.dim_browser, p.country FROM usage_event e JOIN person_dimension p ON p.subject_id = e.subject_id "
            + "WHERE e.subject_id = ?")) {
      ps.setString(1, id);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).as("the person's event").isTrue();
        for (int i = 1; i <= 3; i++) {
          assertThat(rs.getBytes(i)).as("token %d", i).isNotNull().hasSizeGreaterThan(16);
        }
      }
    }
  }

  private static void assertNoneIn(byte[] haystack, List<String> values, String where) {
    for (String v : values) {
      for (var charset : List.of(StandardCharsets.UTF_8, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE)) {
        assertThat(indexOf(haystack, v.getBytes(charset))).as("'%s' in plain text (%s) in %s", v, charset, where).isEqualTo(-1);
      }
    }
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void C29_theH2FilesHoldNoPersonalValueInPlainText() throws Exception {
    List<String> canaries;
    Path dir;
    try (Running running = new Running()) {
      dir = running.dir;
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      canaries = registerCanaries(running, key);
      // the values are really there, readable through the API
      assertThat(running.get("/api/v1/subjects/" + canaries.get(6) + "?purpose=provide", "Authorization", "Bearer " + key).body()).contains(canaries.get(1));
      assertTokensWritten(running.platform.config().databaseUrl(), "sa", canaries.get(6));
    }
    List<Path> files;
    try (Stream<Path> all = Files.walk(dir)) {
      files = all.filter(Files::isRegularFile).toList();
    }
    assertThat(files).anyMatch(f -> f.getFileName().toString().endsWith(".mv.db"));
    // the scan does see what is stored in plain: the purpose of the retained message is not personal
    assertThat(files.stream().filter(f -> f.getFileName().toString().equals("plenary.mv.db")).findFirst().map(f -> {
      try {
        return indexOf(Files.readAllBytes(f), "communicate.respond".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }).orElseThrow()).isNotEqualTo(-1);
    for (Path f : files) {
      assertNoneIn(Files.readAllBytes(f), canaries.subList(0, 6), f.toString());
    }
  }

  @Test
  void C29_aPgDumpHoldsNoPersonalValueInPlainText() throws Exception {
    try (Postgres data = Postgres.freshSchema(); Postgres keys = Postgres.freshSchema();
        Running running = new Running(Map.of("database.url", data.url(), "database.user", data.user(), "keystore.url", keys.url(), "keystore.user", keys.user()))) {
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      List<String> canaries = registerCanaries(running, key);
      assertTokensWritten(data.url(), data.user(), canaries.get(6));
      for (Postgres schema : List.of(data, keys)) {
        byte[] dump = pgDump(schema);
        assertThat(new String(dump, StandardCharsets.UTF_8)).contains("subject");
        assertNoneIn(dump, canaries.subList(0, 6), "pg_dump of " + schema.schema());
      }
    }
  }

  @Test
  void afterErasureABackupTakenBeforeHoldsOnlyCiphertextThatNoKeyOpens() throws Exception {
    try (Running running = new Running()) {
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      List<String> canaries = registerCanaries(running, key);
      String id = canaries.get(6);
      String url = running.platform.config().databaseUrl();
      Path backup = running.dir.resolve("backup.zip");
      try (var c = DriverManager.getConnection(url, "sa", "")) {
        c.createStatement().execute("BACKUP TO '" + backup + "'");
      }
      // before erasure, the backup's ciphertext opens with the person's key from the key store
      SubjectKeys.Wrapped wrapped = running.platform.keyStore().get(id).orElseThrow();
      Keys keys = running.platform.keys();
      Path restored = Files.createTempDirectory("plenary-restore");
      unzip(backup, restored);
      String restoredUrl = "jdbc:h2:file:" + restored.resolve("plenary");
      byte[] nameCiphertext = ciphertext(restoredUrl, id, "name");
      assertThat(keys.open(id, wrapped.wrapped(), wrapped.version()).open("name", nameCiphertext)).isEqualTo(canaries.get(1));

      // the person erases themselves
      var signIn = running.postJson("/api/v1/session", "{\"email\":\"" + canaries.get(0) + "\",\"password\":\"canary password "
          + canaries.get(0).replaceAll("\\D", "") + "\"}", null);
      assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
      String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
      String csrf = signIn.body().replaceAll(".*\"csrf\":\"([^\"]+)\".*", "$1");
      assertThat(running.send("DELETE", "/api/v1/me", null, "", "Cookie", cookie, "X-CSRF-Token", csrf).statusCode()).isEqualTo(200);

      // the backup still holds the ciphertext, but no key for it exists anywhere: not in the key store, not in the backup
      assertThat(ciphertext(restoredUrl, id, "name")).isEqualTo(nameCiphertext);
      assertThat(running.platform.keyStore().get(id)).isEmpty();
      try (var c = DriverManager.getConnection(restoredUrl, "sa", "");
          var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE UPPER(TABLE_NAME) = 'SUBJECT_KEY'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the data backup holds no data keys").isZero();
      }
      assertNoneIn(Files.readAllBytes(backup), canaries.subList(0, 6), "the backup");
    }
  }

  private static byte[] ciphertext(String url, String id, String field) throws Exception {
    try (var c = DriverManager.getConnection(url, "sa", "");
        var ps = c.prepareStatement("SELECT ciphertext FROM subject_field WHERE subject_id = ? AND field = ?")) {
      ps.setString(1, id);
      ps.setString(2, field);
      try (var rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getBytes(1);
      }
    }
  }

  private static void unzip(Path zip, Path into) throws Exception {
    try (var in = new ZipInputStream(Files.newInputStream(zip))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        Files.copy(in, into.resolve(Path.of(e.getName()).getFileName()));
      }
    }
  }

  private static byte[] pgDump(Postgres schema) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("pg_dump", "-h", "127.0.0.1", "-U", schema.user(), "-n", schema.schema(), "test"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor()).as(out.toString(StandardCharsets.UTF_8)).isZero();
    return out.toByteArray();
  }
}
