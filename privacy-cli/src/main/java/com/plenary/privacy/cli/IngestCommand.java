package com.plenary.privacy.cli;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.platform.EventStreamProvider;
import com.plenary.privacy.platform.Platform;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code plenary ingest}: a consumer of the event stream's group in a process of its own, writing
 * collected events from Kafka into the database until it is stopped (SIGTERM, Ctrl-C). Run as many
 * as the topic has partitions; with {@code kafka.consume: false} the servers leave it to them.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Write collected events from the Kafka topic into the database, as one consumer of the group, until stopped (collector.sink: kafka).")
final class IngestCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(IngestCommand.class);

  @ParentCommand
  Plenary root;

  @Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--report-every", paramLabel = "SECONDS", defaultValue = "60",
      description = "Print what was written and the group's lag every SECONDS (0: never; default ${DEFAULT-VALUE}).")
  int reportEvery;

  @Override
  public Integer call() throws InterruptedException {
    Config config = root.loadConfig(Map.of());
    if (!Config.SINK_KAFKA.equals(config.collectorSink())) {
      throw new ConfigException("plenary ingest reads the Kafka topic of collected events: set collector.sink to kafka (and kafka.bootstrap_servers)");
    }
    LOG.info("configuration: {}", config.describe());
    EventStreamProvider.installed(config.collectorSink()); // before any data is opened: names what is missing
    Platform platform = Platform.open(config, Clock.systemUTC());
    EventStream.Ingest ingest;
    try {
      ingest = platform.eventStream().orElseThrow().ingest(platform.vault().usage());
    } catch (RuntimeException e) {
      platform.close();
      throw e;
    }
    CountDownLatch stopRequested = new CountDownLatch(1);
    AtomicBoolean stopping = new AtomicBoolean();
    Runnable stop = () -> {
      if (stopping.compareAndSet(false, true)) {
        ingest.close();
        platform.close();
      }
    };
    for (String name : List.of("TERM", "INT")) {
      ServeCommand.onSignal(name, stopRequested::countDown);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "plenary-shutdown"));
    PrintWriter out = spec.commandLine().getOut();
    out.println("Writing events from topic " + config.kafkaTopic() + " (group " + config.kafkaGroupId() + ") into the database. Stop: Ctrl-C");
    out.flush();
    while (!stopRequested.await(reportEvery > 0 ? reportEvery : Integer.MAX_VALUE, TimeUnit.SECONDS)) {
      long lag = platform.eventStream().orElseThrow().lag();
      out.println("written " + ingest.ingested() + ", delivered again " + ingest.duplicates() + ", failed batches " + ingest.failures()
          + ", group lag " + (lag < 0 ? "unknown" : String.valueOf(lag)));
      out.flush();
    }
    stop.run();
    return Main.OK;
  }
}
