package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Regions;
import com.plenary.privacy.testkit.Postgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two regions, each its own deployment on its own PostgreSQL database (two databases on the local
 * server stand for two data centres, fra-1 in the EU and iad-1 in the US): a person's home region
 * decides where every row about them is written, and the other region's node answers requests about
 * them with where to go, writing nothing (C13, issue 18).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegionsTest {
  private static final String EU_URL = "https://eu.plenary.example";
  private static final String US_URL = "https://us.plenary.example";
  private final ObjectMapper json = new ObjectMapper();
  private Database euDb;
  private Database usDb;
  private Running eu;
  private Running us;

  @BeforeAll
  void start() throws Exception {
    Postgres.freshSchema().close(); // skips (fails under CI) when PostgreSQL is not reachable
    euDb = Database.create();
    usDb = Database.create();
    eu = new Running(euDb.config("fra-1", "us=" + US_URL));
    us = new Running(usDb.config("iad-1", "eu=" + EU_URL));
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {us, eu, usDb, euDb}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void C13_aPersonOfRegionAHasNoRowsInRegionBsDatabaseAfterRegistrationEventsConsentsACorrectionAndAnExport() throws Exception {
    String euMail = eu.serviceKey("mail");
    String usMail = us.serviceKey("mail");
    String email = "ada" + System.nanoTime() + "@example.org";
    String password = "a long passphrase of hers";
    String registration = "{\"fields\":{\"email\":\"" + email + "\",\"name\":\"Ada\"},\"password\":\"" + password + "\",\"region\":\"eu\"}";

    // registration: the US node sends her to the EU's; the EU's registers her, and her id names her region
    HttpResponse<String> elsewhere = us.postJson("/api/v1/subjects", registration, usMail);
    assertMisdirected(elsewhere, EU_URL + "/api/v1/subjects");
    HttpResponse<String> registered = eu.postJson("/api/v1/subjects", registration, euMail);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String id = body(registered).get("id").asText();
    assertThat(eu.platform.regions().homeOf(id)).contains("eu");
    assertThat(us.platform.regions().homeOf(id)).contains("eu");

    // events
    String events = "{\"events\":[{\"subject\":\"" + id + "\",\"type\":\"open\",\"page\":\"https://shop.example/\"}]}";
    assertMisdirected(us.postJson("/api/v1/events", events, usMail), EU_URL + "/api/v1/events");
    HttpResponse<String> stored = eu.postJson("/api/v1/events", events, euMail);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);

    // consents: she gives one at home; a service's withdrawal at the US node is sent home
    String[] session = signIn(eu, email, password);
    HttpResponse<String> given = asPerson(eu, session, "POST", "/api/v1/me/consents", "{\"purpose\":\"develop\"}");
    assertThat(given.statusCode()).as(given.body()).isEqualTo(201);
    String withdraw = "{\"purpose\":\"develop\",\"granted\":false}";
    assertMisdirected(as(us, usMail, "POST", "/api/v1/subjects/" + id + "/consents", withdraw), EU_URL + "/api/v1/subjects/" + id + "/consents");
    assertMisdirected(as(us, usMail, "GET", "/api/v1/subjects/" + id + "/consents", null), EU_URL + "/api/v1/subjects/" + id + "/consents");

    // a correction
    String correction = "{\"fields\":{\"name\":\"Ada L.\"}}";
    assertMisdirected(as(us, usMail, "PATCH", "/api/v1/subjects/" + id, correction), EU_URL + "/api/v1/subjects/" + id);
    HttpResponse<String> corrected = as(eu, euMail, "PATCH", "/api/v1/subjects/" + id, correction);
    assertThat(corrected.statusCode()).as(corrected.body()).isEqualTo(200);

    // an export (hers, at home) and a read at the US node
    HttpResponse<String> export = asPerson(eu, session, "GET", "/api/v1/me/export", null);
    assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
    assertThat(body(export).get("subject").get("home_region").asText()).isEqualTo("eu");
    assertMisdirected(as(us, usMail, "GET", "/api/v1/subjects/" + id + "?purpose=provide", null), EU_URL + "/api/v1/subjects/" + id);

    // the EU's database holds her, so the search below can find her; the US's holds nothing about her
    assertThat(usDb.rowsNaming(id.substring(2))).isEmpty();
    assertThat(euDb.rowsNaming(id.substring(2))).contains("subject", "usage_event");
  }

  @Test
  void anUnknownRegionIsBadInputAndNothingIsStored() throws Exception {
    HttpResponse<String> r = us.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"m@example.org\",\"name\":\"M\"},\"region\":\"mars\"}",
        us.serviceKey("mail"));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(body(r).get("field").asText()).isEqualTo("region");
    assertThat(usDb.rowsNaming("m@example.org")).isEmpty();
  }

  @Test
  void aPersonIdOfVersion4NamesNoRegionAndIsHandledWhereItIsHeld() throws Exception {
    String legacy = "s-" + UUID.randomUUID();
    assertThat(us.platform.regions().homeOf(legacy)).isEmpty();
    HttpResponse<String> r = as(us, us.serviceKey("mail"), "GET", "/api/v1/subjects/" + legacy + "?purpose=provide", null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Regions.mint("us")).matches("s-[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  private void assertMisdirected(HttpResponse<String> r, String location) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(421);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(r.headers().firstValue("Location")).contains(location);
    JsonNode problem = body(r);
    assertThat(problem.get("type").asText()).isEqualTo("/problems/another-region");
    assertThat(problem.get("region").asText()).isEqualTo("eu");
    assertThat(problem.get("location").asText()).isEqualTo(EU_URL);
  }

  private JsonNode body(HttpResponse<String> r) throws Exception {
    return json.readTree(r.body());
  }

  private String[] signIn(Running on, String email, String password) throws Exception {
    HttpResponse<String> r = on.postJson("/api/v1/session", "{\"email\":\"" + email + "\",\"password\":\"" + password + "\"}", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    return new String[] {cookie.substring(0, cookie.indexOf(';')), body(r).get("csrf").asText()};
  }

  private HttpResponse<String> asPerson(Running on, String[] session, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(on.uri(path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Cookie", session[0]).header("X-CSRF-Token", session[1]);
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return on.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> as(Running on, String bearer, String method, String path, String body) throws Exception {
    return on.send(method, path, body == null ? null : "application/json", body == null ? "" : body, "Authorization", "Bearer " + bearer);
  }

  /** A database of its own on the local PostgreSQL, with a schema for the key store; dropped when closed. */
  private record Database(String name) implements AutoCloseable {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

    static Database create() throws SQLException {
      Database db = new Database("plenary_region_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
      try (Connection c = DriverManager.getConnection(SERVER + "test", "postgres", ""); Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + db.name);
      }
      try (Connection c = db.connect(); Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA keys");
      }
      return db;
    }

    Connection connect() throws SQLException {
      return DriverManager.getConnection(SERVER + name, "postgres", "");
    }

    Map<String, String> config(String dataCentre, String peers) {
      return Map.of("database.url", SERVER + name, "database.user", "postgres", "keystore.url", SERVER + name + "?currentSchema=keys",
          "keystore.user", "postgres", "database.data_centre", dataCentre, "regions.peers", peers);
    }

    /** The tables of either schema with a row whose text (every column) contains {@code text}. */
    List<String> rowsNaming(String text) throws SQLException {
      List<String> out = new ArrayList<>();
      try (Connection c = connect()) {
        List<String[]> tables = new ArrayList<>();
        try (ResultSet rs = c.createStatement().executeQuery(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema IN ('public', 'keys') AND table_type = 'BASE TABLE'")) {
          while (rs.next()) {
            tables.add(new String[] {rs.getString(1), rs.getString(2)});
          }
        }
        assertThat(tables).as("the schema was migrated").hasSizeGreaterThan(10);
        for (String[] t : tables) {
          try (PreparedStatement p = c.prepareStatement("SELECT count(*) FROM \"" + t[0] + "\".\"" + t[1] + "\" r WHERE strpos(r::text, ?) > 0")) {
            p.setString(1, text);
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              if (rs.getLong(1) > 0) {
                out.add(t[1]);
              }
            }
          }
        }
      }
      return out;
    }

    @Override
    public void close() throws SQLException {
      try (Connection c = DriverManager.getConnection(SERVER + "test", "postgres", ""); Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    }
  }
}
