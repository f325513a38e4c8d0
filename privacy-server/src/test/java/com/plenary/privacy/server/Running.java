package com.plenary.privacy.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** A real platform on H2 in a temporary folder, served on a free port, and an HTTP client for it. */
final class Running implements AutoCloseable {
  final Path dir;
  final Platform platform;
  final PlenaryServer server;
  final HttpClient http = HttpClient.newHttpClient();

  Running(Map<String, String> config) throws IOException {
    dir = Files.createTempDirectory("plenary-test");
    Map<String, String> all = new java.util.HashMap<>(config);
    all.putIfAbsent("data_dir", dir.toString());
    all.putIfAbsent("server.port", "0");
    all.putIfAbsent("server.host", "127.0.0.1");
    platform = Platform.open(Config.load(null, Map.of(), all), Clock.systemUTC());
    server = PlenaryServer.start(platform);
  }

  Running() throws IOException {
    this(Map.of());
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
  }
}
