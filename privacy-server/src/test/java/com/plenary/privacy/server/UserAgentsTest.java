package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.plenary.privacy.server.internal.UserAgents;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** C7: uap-java's parsing of real-world user agents, with the families we store. */
class UserAgentsTest {
  private static final UserAgents PARSER = new UserAgents();

  @ParameterizedTest(name = "{1} on {2} ({3})")
  @CsvSource(delimiter = '|', value = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36|Chrome|Windows|Other",
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15|Safari|Mac OS X|Mac",
      "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0|Firefox|Linux|Other",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1|Mobile Safari|iOS|iPhone",
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36|Chrome Mobile|Android|Pixel 8",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91|Edge|Windows|Other",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)|Googlebot|Other|Spider",
      "curl/8.4.0|curl|Other|Other",
  })
  void C7_parsesRealUserAgentsIntoBrowserOsAndDeviceFamilies(String ua, String browser, String os, String device) {
    var parsed = PARSER.parse(ua);
    assertThat(parsed.get("browser")).isEqualTo(browser);
    assertThat(parsed.get("os")).isEqualTo(os);
    assertThat(parsed.get("device")).isEqualTo(device);
  }

  @ParameterizedTest
  @CsvSource({"''", "' '"})
  void anEmptyUserAgentIsOther(String ua) {
    assertThat(PARSER.parse(ua)).containsEntry("browser", "Other");
  }
}
