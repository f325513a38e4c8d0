package com.plenary.privacy.cli;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code plenary serve} in a process of its own (as operators run it), on a free port, for tests that stop or kill it. */
record ServerProcess(Process process, int port) {

  /** Starts the server on {@code dir} with {@code env} added to its environment, logging to {@code log} in it, and waits until it is ready. */
  static ServerProcess start(Path dir, String log, Map<String, String> env, HttpClient http, String... serveOptions) throws Exception {
    ServerProcess server = launch(dir, log, env, List.of(), serveOptions);
    try {
      server.awaitReady(http);
    } catch (Exception | AssertionError e) {
      server.process.destroyForcibly().waitFor();
      throw e;
    }
    return server;
  }

  /** Starts the server as {@link #start} does, with {@code jvmOptions}, without waiting for it: for tests that kill it while it starts. */
  static ServerProcess launch(Path dir, String log, Map<String, String> env, List<String> jvmOptions, String... serveOptions) throws Exception {
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--data-dir", dir.toString(), "serve", "--port", String.valueOf(port), "--host", "127.0.0.1"));
    command.addAll(List.of(serveOptions));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile());
    builder.environment().putAll(env);
    return new ServerProcess(builder.start(), port);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private void awaitReady(HttpClient http) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the server exited with " + process.exitValue() + " before it was ready");
      }
      try {
        if (http.send(HttpRequest.newBuilder(uri("/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not become ready on port " + port);
  }

  /** A node's data directory {@code root/name}, with a copy of {@code keysFrom}'s key files when given (the key store itself is in PostgreSQL). */
  static Path nodeDir(Path root, String name, Path keysFrom) throws IOException {
    Path d = Files.createDirectories(root.resolve(name));
    if (keysFrom != null) {
      Path keys = Files.createDirectories(d.resolve("keys"));
      try (var files = Files.list(keysFrom.resolve("keys"))) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (Files.isRegularFile(p)) {
            Files.copy(p, keys.resolve(p.getFileName()));
          }
        }
      }
    }
    return d;
  }

  /** Starts a node in {@code d} and waits until it is ready; when it exits first, the failure carries its log. */
  static ServerProcess startNode(Path d, Map<String, String> env, HttpClient http) throws Exception {
    try {
      return start(d, "node.log", env, http);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + ":\n" + Files.readString(d.resolve("node.log")), e);
    }
  }

  private static int freePort() throws Exception {
    try (var s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
