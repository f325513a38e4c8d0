package com.plenary.privacy.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
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
  void aSignInLimitOutOfRangeNamesItsKey() {
    assertThatThrownBy(() -> Config.load(null, Map.of("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT", "0"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.sign_in.per_account").hasMessageContaining("PLENARY_AUTH_SIGN_IN_PER_ACCOUNT");
    assertThatThrownBy(() -> Config.load(null, Map.of(), Map.of("auth.sign_in.window", "PT0S")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("auth.sign_in.window");
  }
}
