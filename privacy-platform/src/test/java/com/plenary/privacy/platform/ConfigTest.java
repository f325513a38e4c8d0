package com.plenary.privacy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
  @Test
  void theSignInThrottleHasDefaultsAndIsSetFromTheEnvironment() {
    Config defaults = Config.defaults(Path.of("data"));
    assertThat(defaults.signInPerAccount()).isEqualTo(Config.DEFAULT_SIGN_IN_PER_ACCOUNT);
    assertThat(defaults.signInPerAddress()).isEqualTo(Config.DEFAULT_SIGN_IN_PER_ADDRESS);
    assertThat(defaults.signInWindow()).isEqualTo(Config.DEFAULT_SIGN_IN_WINDOW);
    assertThat(defaults.signInTracked()).isEqualTo(Config.DEFAULT_SIGN_IN_TRACKED);
    Config set = Config.load(null, Map.of("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT", "3", "PLENARY_AUTH_SIGN_IN_PER_ADDRESS", "50",
        "PLENARY_AUTH_SIGN_IN_WINDOW", "PT5M", "PLENARY_AUTH_SIGN_IN_TRACKED", "1000"), Map.of());
    assertThat(set.signInPerAccount()).isEqualTo(3);
    assertThat(set.signInPerAddress()).isEqualTo(50);
    assertThat(set.signInWindow()).isEqualTo(Duration.ofMinutes(5));
    assertThat(set.signInTracked()).isEqualTo(1000);
    assertThat(set.describe()).containsEntry("auth.sign_in.per_account", "3").containsEntry("auth.sign_in.window", "PT5M");
  }

  @Test
  void aClusterOnTheEmbeddedDatabaseOrKeyStoreIsRefusedNamingTheKey() {
    assertThat(Config.defaults(Path.of("data")).cluster()).isFalse();
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_CLUSTER", "true"), Map.of("data_dir", "data")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("'cluster'").hasMessageContaining("database.url").hasMessageContaining("serves one node only");
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_CLUSTER", "true", "PLENARY_DATABASE_URL", "jdbc:postgresql://db/plenary"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("keystore.url");
    Config both = Config.load(null, Map.of("PLENARY_CLUSTER", "true", "PLENARY_DATABASE_URL", "jdbc:postgresql://db/plenary",
        "PLENARY_KEYSTORE_URL", "jdbc:postgresql://keys/plenary_keys"), Map.of());
    assertThat(both.cluster()).isTrue();
    assertThat(both.describe()).containsEntry("cluster", "true");
  }

  @Test
  void theOtherRegionsAreReadAsRegionUrlPairsAndABadListNamesItsKey() {
    assertThat(Config.defaults(Path.of("data")).regionPeers()).isEmpty();
    Config set = Config.load(null, Map.of("PLENARY_REGIONS_PEERS", "us=https://us.plenary.example, apac=http://apac.internal:8080"), Map.of());
    assertThat(set.regionPeers()).containsExactly(Map.entry("us", URI.create("https://us.plenary.example")),
        Map.entry("apac", URI.create("http://apac.internal:8080")));
    assertThat(set.describe()).containsEntry("regions.peers", "us=https://us.plenary.example, apac=http://apac.internal:8080");
    for (String bad : new String[] {"us", "=https://us.example", "us=ftp://us.example", "us=https://us.example,us=https://other.example", "us=not a url"}) {
      assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("regions.peers", bad))).as(bad)
          .isInstanceOf(ConfigException.class).hasMessageContaining("'regions.peers'").hasMessageContaining("PLENARY_REGIONS_PEERS");
    }
  }

  @Test
  void theRegionsSecretIsMaskedAndTooShortASecretNamesItsKey() {
    assertThat(Config.defaults(Path.of("data")).regionsSecret()).isNull();
    assertThat(Config.defaults(Path.of("data")).regionsForwardTimeout()).isEqualTo(Config.DEFAULT_REGIONS_FORWARD_TIMEOUT);
    String secret = "s".repeat(Config.MIN_REGIONS_SECRET);
    Config set = Config.load(null, Map.of("PLENARY_REGIONS_SECRET", secret), Map.of("regions.forward_timeout", "PT2S"));
    assertThat(set.regionsSecret()).isEqualTo(secret);
    assertThat(set.regionsForwardTimeout()).hasSeconds(2);
    assertThat(set.describe()).containsEntry("regions.secret", "****").doesNotContainValue(secret);
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("regions.secret", "short"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("'regions.secret'").hasMessageNotContaining("short\"");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("regions.forward_timeout", "PT5M"))).isInstanceOf(ConfigException.class)
        .hasMessageContaining("regions.forward_timeout");
  }

  @Test
  void aSignInLimitOutOfRangeNamesItsKey() {
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT", "0"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.sign_in.per_account").hasMessageContaining("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("auth.sign_in.window", "PT0S")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.sign_in.window");
  }

  @Test
  void theConsolesOidcClientNeedsTheIssuerAndItsSecretIsMasked() {
    Map<String, String> issuer = Map.of("auth.oidc.issuer", "https://id.example/realms/plenary", "auth.oidc.jwks_url", "https://id.example/jwks");
    assertThat(Config.load(null, Map.of(), issuer).oidcClientId()).isNull();
    Map<String, String> client = new HashMap<>(issuer);
    client.put("auth.oidc.client_id", "console");
    Config set = Config.load(null, Map.of("PLENARY_AUTH_OIDC_CLIENT_SECRET", "s3cret"), client);
    assertThat(set.oidcClientId()).isEqualTo("console");
    assertThat(set.oidcClientSecret()).isEqualTo("s3cret");
    assertThat(set.describe()).containsEntry("auth.oidc.client_id", "console").containsEntry("auth.oidc.client_secret", "****");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("auth.oidc.client_id", "console")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.oidc.client_id").hasMessageContaining("auth.oidc.issuer");
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_AUTH_OIDC_CLIENT_SECRET", "s3cret"), issuer))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.oidc.client_secret");
  }

  @Test
  void thePasswordResetLinkLivesAnHourByDefaultAndAtMostADay() {
    assertThat(Config.defaults(Path.of("data")).passwordResetLifetime()).isEqualTo(Duration.ofHours(1));
    Config set = Config.load(null, Map.of("PLENARY_AUTH_PASSWORD_RESET_LIFETIME", "PT20M"), Map.of());
    assertThat(set.passwordResetLifetime()).isEqualTo(Duration.ofMinutes(20));
    assertThat(set.describe()).containsEntry("auth.password_reset.lifetime", "PT20M");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("auth.password_reset.lifetime", "P2D")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.password_reset.lifetime");
  }

  @Test
  void theUnsubscribeMailboxIsOffByDefaultAndItsPasswordIsMasked() {
    Config none = Config.load(null, Map.of(), Map.of());
    assertThat(none.unsubscribeImapHost()).isNull();
    assertThat(none.mailSenders()).isEqualTo(Config.DEFAULT_MAIL_SENDERS);
    assertThat(none.mailSendBatch()).isEqualTo(Config.DEFAULT_MAIL_SEND_BATCH);
    Config set = Config.load(null, Map.of("PLENARY_MAIL_UNSUBSCRIBE_IMAP_PASSWORD", "mailbox secret"),
        Map.of("mail.unsubscribe.imap.host", "imap.example.org", "mail.unsubscribe.imap.user", "unsubscribe", "mail.senders", "2", "mail.send_batch", "50"));
    assertThat(set.unsubscribeImapPort()).isEqualTo(993);
    assertThat(set.unsubscribeImapTls()).isTrue();
    assertThat(set.unsubscribeImapPassword()).isEqualTo("mailbox secret");
    assertThat(set.describe()).containsEntry("mail.unsubscribe.imap.password", "****").containsEntry("mail.unsubscribe.poll_interval", "PT1M")
        .containsEntry("mail.senders", "2").containsEntry("mail.send_batch", "50");
    assertThat(set.toString()).doesNotContain("mailbox secret");
  }

  @Test
  void aBadMailboxOrSenderSettingNamesItsKey() {
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("mail.unsubscribe.imap.host", "imap.example.org")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.unsubscribe.imap.user");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("mail.unsubscribe.poll_interval", "PT0.01S")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.unsubscribe.poll_interval");
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_MAIL_SENDERS", "0"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.senders").hasMessageContaining("PLENARY_MAIL_SENDERS");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("mail.send_batch", "501")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.send_batch");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("mail.unsubscribe.imap.tls", "yes")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("mail.unsubscribe.imap.tls");
  }

  @Test
  void theCollectorWritesToTheDatabaseByDefaultAndKafkaNeedsItsBrokers() {
    Config none = Config.defaults(Path.of("data"));
    assertThat(none.collectorSink()).isEqualTo(Config.SINK_DATABASE);
    assertThat(none.describe()).containsEntry("collector.sink", "database").containsEntry("kafka.bootstrap_servers", "");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("collector.sink", "kafka")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.bootstrap_servers").hasMessageContaining("PLENARY_KAFKA_BOOTSTRAP_SERVERS");
    Config kafka = Config.load(null, Map.of("PLENARY_KAFKA_PASSWORD", "broker secret"), Map.of("collector.sink", "kafka",
        "kafka.bootstrap_servers", "kafka-1:9092, kafka-2:9092", "kafka.security_protocol", "SASL_SSL", "kafka.user", "plenary"));
    assertThat(kafka.kafkaTopic()).isEqualTo(Config.DEFAULT_KAFKA_TOPIC);
    assertThat(kafka.kafkaGroupId()).isEqualTo(Config.DEFAULT_KAFKA_GROUP);
    assertThat(kafka.kafkaAckTimeout()).isEqualTo(Config.DEFAULT_KAFKA_ACK_TIMEOUT);
    assertThat(kafka.kafkaConsume()).isTrue();
    assertThat(kafka.kafkaPassword()).isEqualTo("broker secret");
    assertThat(kafka.collectorJournal()).as("the topic, not the journal, makes events durable").isFalse();
    assertThat(kafka.describe()).containsEntry("collector.sink", "kafka").containsEntry("kafka.password", "****")
        .containsEntry("kafka.bootstrap_servers", "kafka-1:9092, kafka-2:9092");
    assertThat(kafka.toString()).doesNotContain("broker secret");
  }

  @Test
  void aBadKafkaSettingNamesItsKey() {
    Map<String, String> kafka = Map.of("collector.sink", "kafka", "kafka.bootstrap_servers", "kafka-1:9092");
    for (var bad : Map.of("collector.sink", "queue", "kafka.bootstrap_servers", "kafka-1", "kafka.topic", "events/all", "kafka.ack_timeout", "PT9S",
        "kafka.ingest_batch", "0", "kafka.security_protocol", "TLS", "kafka.consume", "yes", "collector.journal", "on").entrySet()) {
      Map<String, String> settings = new HashMap<>(kafka);
      settings.put(bad.getKey(), bad.getValue());
      assertThatThrownBy(() -> Config.load(null, Map.of(), settings)).as(bad.getKey())
          .isInstanceOf(ConfigException.class).hasMessageContaining(bad.getKey());
    }
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_KAFKA_PASSWORD", "broker secret"),
        Map.of("collector.sink", "kafka", "kafka.bootstrap_servers", "kafka-1:9092", "kafka.security_protocol", "SASL_SSL")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.user").hasMessageNotContaining("broker secret");
    assertThatThrownBy(() -> Config.load(null, Map.of(),
        Map.of("collector.sink", "kafka", "kafka.bootstrap_servers", "kafka-1:9092", "kafka.security_protocol", "SASL_SSL", "kafka.user", "plenary")))
        .as("the user set and no password: the password is what is named as missing")
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("configuration key 'kafka.password' must be set").hasMessageContaining("PLENARY_KAFKA_PASSWORD");
  }
}
