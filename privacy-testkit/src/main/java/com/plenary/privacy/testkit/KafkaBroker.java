package com.plenary.privacy.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache Kafka broker in KRaft mode (one process that is its own controller), started from
 * the {@code org.apache.kafka:kafka_2.13} artifact on the test class path, listening on loopback
 * only. It runs as a child JVM so that a test can stop it, kill it and start it again on the same
 * log directory and port, as an operator would; no Docker. Close it to stop it and delete its data.
 *
 * <p>The module using it declares {@code kafka_2.13} in test scope; this class needs nothing of
 * Kafka's at compile time.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final String classPath;
  private Process process;

  private KafkaBroker(Path dir, int port, int controllerPort, String classPath) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.classPath = classPath;
  }

  /** Formats a fresh log directory and starts the broker; returns once it accepts connections. */
  public static KafkaBroker start() {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    try {
      Class.forName("kafka.Kafka", false, KafkaBroker.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("kafka_2.13 is not on the class path: declare org.apache.kafka:kafka_2.13 in test scope to start a broker", e);
    }
    try {
      Path dir = Files.createTempDirectory("plenary-kafka-");
      KafkaBroker broker = new KafkaBroker(dir, freePort(), freePort(), classPath);
      broker.writeConfig();
      broker.format();
      broker.launch();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** The broker's data: its log segments, which a test may read raw. */
  public Path logDir() {
    return dir.resolve("logs");
  }

  /** Stops the broker (SIGTERM, a controlled shutdown) and waits for it. */
  public void stop() {
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor(Duration.ofSeconds(60));
      if (process.isAlive()) {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
      }
    }
  }

  /** Kills the broker (SIGKILL) and waits for it to be gone. */
  public void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitFor(Duration.ofSeconds(10));
    }
  }

  /** Starts the stopped or killed broker again on the same log directory and port. */
  public void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the broker is running");
    }
    launch();
  }

  public boolean running() {
    return process != null && process.isAlive();
  }

  @Override
  public void close() {
    kill();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory: left for the system to clean
    }
  }

  private void writeConfig() throws IOException {
    String config = String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + logDir(),
        "num.partitions=4",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        "log.flush.interval.messages=1",
        "");
    Files.writeString(dir.resolve("server.properties"), config, StandardCharsets.UTF_8);
  }

  private void format() throws IOException {
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    Process p = java("kafka.tools.StorageTool", List.of("format", "-t", clusterId, "-c", dir.resolve("server.properties").toString()),
        dir.resolve("format.log"));
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("formatting the broker's log directory failed: " + Files.readString(dir.resolve("format.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void launch() {
    try {
      process = java("kafka.Kafka", List.of(dir.resolve("server.properties").toString()), dir.resolve("broker.log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("the broker exited with " + process.exitValue() + ": " + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        sleep(100);
      }
    }
    kill();
    throw new IllegalStateException("the broker did not listen on " + bootstrapServers() + " within " + START_TIMEOUT + ": " + tail());
  }

  private Process java(String main, List<String> args, Path log) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xms64m");
    cmd.add("-Xmx384m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dlog4j2.level=WARN");
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(main);
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private void waitFor(Duration d) {
    try {
      process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
