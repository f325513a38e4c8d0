package com.plenary.privacy.server;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.Postgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A real platform served on a free port, and an HTTP client for it: on the embedded H2 in a temporary
 * folder, or on PostgreSQL in fresh schemas (data and key store) dropped when it closes.
 */
final class Running implements AutoCloseable {
  final Path dir;
  private final List<Postgres> schemas;
  private final Map<String, String> config;
  private final Clock clock;
  Platform platform;
  PlenaryServer server;
  final HttpClient http = HttpClient.newHttpClient();

  Running(Map<String, String> config) throws IOException {
    this(config, List.of());
  }

  private Running(Map<String, String> config, List<Postgres> schemas) throws IOException {
    this(config, schemas, Clock.systemUTC());
  }

  private Running(Map<String, String> config, List<Postgres> schemas, Clock clock) throws IOException {
    this.schemas = schemas;
    this.clock = clock;
    dir = Files.createTempDirectory("plenary-test");
    Map<String, String> all = new HashMap<>(config);
    all.putIfAbsent("data_dir", dir.toString());
    all.putIfAbsent("server.port", "0");
    all.putIfAbsent("server.host", "127.0.0.1");
    this.config = Map.copyOf(all);
    platform = Platform.open(Config.load(null, Map.of(), all), clock);
    server = PlenaryServer.start(platform);
  }

  /** On {@code database} ({@code h2} or {@code postgresql}), with {@code config} besides, on {@code clock}. */
  static Running on(String database, Map<String, String> config, Clock clock) throws IOException {
    if (database.equals("h2")) {
      return new Running(config, List.of(), clock);
    }
    Postgres data = Postgres.freshSchema();
    Postgres keys = Postgres.freshSchema();
    Map<String, String> all = new HashMap<>(config);
    all.putAll(Map.of("database.url", data.url(), "database.user", data.user(), "keystore.url", keys.url(), "keystore.user", keys.user()));
    return new Running(all, List.of(data, keys), clock);
  }

  /**
   * Stops the server and closes the platform, keeping the data (the folder, or the PostgreSQL schemas),
   * then opens both again on it: a restart. Answers this.
   */
  Running restart() {
    server.stop();
    platform.close();
    platform = Platform.open(Config.load(null, Map.of(), config), clock);
    server = PlenaryServer.start(platform);
    return this;
  }

  /** A second node on the same data (the same database and data directory), with its own server: close it before this one. */
  Node secondNode() {
    Map<String, String> own = new HashMap<>(config);
    own.put("collector.journal", "false"); // the first node holds the embedded database's journal
    Platform other = Platform.open(Config.load(null, Map.of(), own), clock);
    try {
      return new Node(other, PlenaryServer.start(other));
    } catch (RuntimeException e) {
      other.close();
      throw e;
    }
  }

  /** The data directory (its keys): another node on the same database starts with the same one. */
  String dataDir() {
    return config.get("data_dir");
  }

  /** Another node of the same deployment. */
  record Node(Platform platform, PlenaryServer server) implements AutoCloseable {
    @Override
    public void close() {
      server.stop();
      platform.close();
    }
  }

  Running() throws IOException {
    this(Map.of());
  }

  /** On {@code database}: {@code h2} (the embedded default) or {@code postgresql}. */
  static Running on(String database) throws IOException {
    return on(database, Map.of());
  }

  /** On {@code database} ({@code h2} or {@code postgresql}), with {@code config} besides. */
  static Running on(String database, Map<String, String> config) throws IOException {
    if (database.equals("h2")) {
      return new Running(config);
    }
    Postgres data = Postgres.freshSchema();
    Postgres keys = Postgres.freshSchema();
    Map<String, String> all = new HashMap<>(config);
    all.putAll(Map.of("database.url", data.url(), "database.user", data.user(), "keystore.url", keys.url(), "keystore.user", keys.user()));
    return new Running(all, List.of(data, keys));
  }

  private final Map<String, String> serviceKeys = new HashMap<>();

  /** A key of the service {@code name}, issued the first time it is asked for (a service has one active key). */
  synchronized String serviceKey(String name) {
    return serviceKeys.computeIfAbsent(name, n -> platform.store().credentials().issue(Credentials.Kind.SERVICE, n).key());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> send(String method, String path, String contentType, String body, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> postJson(String path, String body, String bearer) throws IOException, InterruptedException {
    return bearer == null ? send("POST", path, "application/json", body) : send("POST", path, "application/json", body, "Authorization", "Bearer " + bearer);
  }

  @Override
  public void close() {
    server.stop();
    platform.close();
    schemas.forEach(Postgres::close);
  }
}
