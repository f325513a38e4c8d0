package com.plenary.privacy.kafka;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.EventStream;
import com.plenary.privacy.platform.EventStreamProvider;

/** {@code collector.sink: kafka}: found by the platform through {@link java.util.ServiceLoader}. */
public final class KafkaEventStreamProvider implements EventStreamProvider {
  @Override
  public String sink() {
    return Config.SINK_KAFKA;
  }

  @Override
  public EventStream open(Config config) {
    return KafkaEventStream.open(KafkaSettings.of(config));
  }
}
