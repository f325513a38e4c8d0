package com.plenary.privacy.platform;

/**
 * The platform served over the network, from {@link ServerProvider#start} until {@link #stop}. The
 * server stops; the {@link Platform} it serves stays open, its owner's to close.
 */
public interface Server extends AutoCloseable {
  /** The port it listens on: the configured one, or the free one picked for port 0. */
  int port();

  /**
   * Stops taking requests, waits up to {@code server.shutdown_grace} for those in flight, stops
   * serving, and finishes the work it took on (events it accepted, audit entries to seal).
   */
  void stop();

  /** The same as {@link #stop}. */
  @Override
  void close();
}
