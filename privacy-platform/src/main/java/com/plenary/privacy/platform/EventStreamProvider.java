package com.plenary.privacy.platform;

import java.util.ServiceLoader;

/**
 * Opens an {@link EventStream} for a {@code collector.sink}. {@code privacy-kafka} provides the
 * Kafka one; the platform finds it on the class path with {@link ServiceLoader}, so the embedded
 * default needs no Kafka client at all. A provider is a public class with a public no-argument
 * constructor, named in {@code META-INF/services/com.plenary.privacy.platform.EventStreamProvider}.
 */
public interface EventStreamProvider {
  /** The {@code collector.sink} it serves, such as {@code kafka}. */
  String sink();

  /** Opens the stream the configuration names; connects lazily, so an unreachable broker fails publishing, not this. */
  EventStream open(Config config);

  /**
   * The provider for {@code sink} on the class path.
   *
   * @throws ConfigException naming what is missing when there is none
   */
  static EventStreamProvider installed(String sink) {
    return ServiceLoader.load(EventStreamProvider.class).stream().map(ServiceLoader.Provider::get).filter(p -> p.sink().equals(sink)).findFirst()
        .orElseThrow(() -> new ConfigException("configuration key 'collector.sink' is " + sink + ", but the " + sink
            + " integration (privacy-" + sink + ") is not on the class path; the plenary command built by privacy-app carries it"));
  }
}
