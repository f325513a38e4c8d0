package com.plenary.privacy.kafka;

import com.plenary.privacy.platform.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What the Kafka clients are given, from the platform's validated configuration. The producer is
 * idempotent with {@code acks=all}; the consumer commits by hand, after the rows.
 */
record KafkaSettings(String bootstrapServers, String topic, String groupId, Duration ackTimeout, int ingestBatch, String securityProtocol,
    String saslMechanism, String user, String password) {

  /** The producer's wait for more events to share a request: short, since each beacon waits for its acknowledgement. */
  static final int LINGER_MS = 2;
  /** How long the group waits for a silent consumer before its partitions go to the others. */
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);

  static KafkaSettings of(Config c) {
    return new KafkaSettings(c.kafkaBootstrapServers(), c.kafkaTopic(), c.kafkaGroupId(), c.kafkaAckTimeout(), c.kafkaIngestBatch(),
        c.kafkaSecurityProtocol(), c.kafkaSaslMechanism(), c.kafkaUser(), c.kafkaPassword());
  }

  /** For tests and benchmarks: a plain-text broker. */
  static KafkaSettings plain(String bootstrapServers, String topic, String groupId, Duration ackTimeout, int ingestBatch) {
    return new KafkaSettings(bootstrapServers, topic, groupId, ackTimeout, ingestBatch, "PLAINTEXT", "PLAIN", null, "");
  }

  Map<String, Object> producer(String clientId) {
    Map<String, Object> p = common(clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    int timeout = (int) ackTimeout.toMillis();
    // a record not acknowledged within the beacon's wait fails; the request behind it is told 503
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeout);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.max(50, timeout - LINGER_MS));
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) timeout);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  /**
   * A producer of batches: the producer's settings with a transactional id. Its transaction times out
   * (and is aborted by the brokers) after {@link #transactionTimeout}, so a node killed inside a batch
   * holds the group back on that batch's partitions for that long at most.
   */
  Map<String, Object> transactional(String transactionalId) {
    Map<String, Object> p = producer(transactionalId);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout().toMillis());
    return p;
  }

  /** Ten seconds, or three acknowledgement waits when that is longer. */
  Duration transactionTimeout() {
    Duration three = ackTimeout.multipliedBy(3);
    return three.compareTo(Duration.ofSeconds(10)) > 0 ? three : Duration.ofSeconds(10);
  }

  Map<String, Object> consumer(String clientId) {
    Map<String, Object> p = common(clientId);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, ingestBatch);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // a killed consumer's partitions go to the others after 10 s, not the client's default of 45
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis() / 3);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  Map<String, Object> admin(String clientId) {
    return common(clientId);
  }

  private Map<String, Object> common(String clientId) {
    Map<String, Object> p = new HashMap<>();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
    if (securityProtocol.startsWith("SASL_")) {
      p.put(SaslConfigs.SASL_MECHANISM, saslMechanism);
      String module = saslMechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + quoted(user) + "\" password=\"" + quoted(password) + "\";");
    }
    return p;
  }

  private static String quoted(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  /** Never the password. */
  @Override
  public String toString() {
    return "KafkaSettings[" + bootstrapServers + ", topic=" + topic + ", group=" + groupId + ", protocol=" + securityProtocol + "]";
  }
}
