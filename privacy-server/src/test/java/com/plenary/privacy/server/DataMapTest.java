package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.plenary.privacy.domain.Access;
import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.ConfigException;
import com.plenary.privacy.platform.Platform;
import com.plenary.privacy.policy.PolicyException;
import com.plenary.privacy.store.Credentials;
import com.plenary.privacy.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where personal data lives: the registry of data centres, store placement and home regions (C12, C13, C31). */
class DataMapTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void C12_theDataMapListsEachStoreWithItsDataCentreAndOperator() throws Exception {
    try (Running running = new Running(Map.of("database.data_centre", "ams-1", "keystore.data_centre", "fra-1"))) {
      var auditor = running.platform.vault().staff().add("Aud", "employee", List.of("auditor"), Instant.now());
      String token = running.platform.issuer().issue(auditor.id(), Duration.ofMinutes(5));
      JsonNode map = json.readTree(running.get("/api/v1/datamap", "Authorization", "Bearer " + token).body());
      assertThat(map.get("region").asText()).isEqualTo("eu");
      JsonNode stores = map.get("stores");
      assertThat(stores.size()).isEqualTo(3);
      assertThat(stores.get(0).get("store").asText()).isEqualTo("database");
      assertThat(stores.get(0).get("data_centre").asText()).isEqualTo("ams-1");
      assertThat(stores.get(0).get("operator").asText()).isEqualTo("partner:northwind-hosting");
      assertThat(stores.get(1).get("data_centre").asText()).isEqualTo("fra-1");
      for (JsonNode s : stores) {
        assertThat(s.get("attestation").asText()).isNotBlank();
        assertThat(s.get("name").asText()).isNotBlank();
        assertThat(s.get("kind").asText()).isNotBlank();
      }
      assertThat(stores.get(0).get("name").asText()).isEqualTo("plenary");
      assertThat(stores.get(0).get("kind").asText()).isEqualTo("H2 embedded");
      assertThat(stores.get(1).get("name").asText()).isEqualTo("keystore");
      // never a path, a JDBC URL or a credential
      String body = stores.toString();
      assertThat(body).doesNotContain(running.dir.toString()).doesNotContain(running.dir.toRealPath().toString())
          .doesNotContain("jdbc:").doesNotContain("AUTO_SERVER").doesNotContain("password");
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      assertThat(running.get("/api/v1/datamap", "Authorization", "Bearer " + key).statusCode()).isEqualTo(403);
    }
  }

  @Test
  void C12_aPostgresStoreIsNamedByItsDatabaseWithoutHostUserOrPassword() {
    var pg = Platform.describeStore("jdbc:postgresql://db.internal:5432/plenary?user=app&password=s3cret&currentSchema=eu");
    assertThat(pg).containsEntry("name", "plenary").containsEntry("kind", "PostgreSQL");
    assertThat(pg.toString()).doesNotContain("s3cret").doesNotContain("app").doesNotContain("db.internal");
    assertThat(Platform.describeStore("jdbc:h2:mem:test-1;DB_CLOSE_DELAY=-1")).containsEntry("name", "test-1").containsEntry("kind", "H2 in memory");
    assertThat(Platform.describeStore("jdbc:h2:tcp://h2.internal:9092//srv/data/plenary;PASSWORD=x")).containsEntry("name", "plenary").containsEntry("kind", "H2 server");
  }

  @Test
  void C13_aStoreOutsideTheRegistryStopsStartUp() throws Exception {
    Path dir = Files.createTempDirectory("plenary-dc");
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> Platform.open(
        Config.load(null, Map.of(), Map.of("data_dir", dir.toString(), "database.data_centre", "mars-1")), Clock.systemUTC()));
    assertThat(e).hasMessageContaining("'database.data_centre'").hasMessageContaining("mars-1").hasMessageContaining("C13");
  }

  @Test
  void C13_aRegionThePolicyDoesNotListOrThisDeploymentsOwnAmongThePeersStopsStartUp() throws Exception {
    for (String peers : new String[] {"mars=https://mars.example", "us=https://us.example"}) {
      Path dir = Files.createTempDirectory("plenary-dc");
      ConfigException e = catchThrowableOfType(ConfigException.class, () -> Platform.open(Config.load(null, Map.of(),
          Map.of("data_dir", dir.toString(), "database.data_centre", "iad-1", "regions.peers", peers)), Clock.systemUTC()));
      assertThat(e).as(peers).hasMessageContaining("'regions.peers'").hasMessageContaining(peers.substring(0, peers.indexOf('=')));
    }
  }

  @Test
  void C13_aPersonOfAnotherRegionIsNotRegisteredHereAndNothingIsStored() throws Exception {
    try (Running running = new Running(Map.of("database.data_centre", "iad-1"))) {
      String key = running.platform.store().credentials().issue(Credentials.Kind.SERVICE, "mail").key();
      var refused = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"eu@example.org\",\"name\":\"E\"},\"region\":\"eu\"}", key);
      assertThat(refused.statusCode()).isEqualTo(421);
      assertThat(json.readTree(refused.body()).get("region").asText()).isEqualTo("eu");
      assertThat(running.platform.keyStore().count()).isZero();
      var ok = running.postJson("/api/v1/subjects", "{\"fields\":{\"email\":\"us@example.org\",\"name\":\"U\"}}", key);
      assertThat(ok.statusCode()).isEqualTo(201);
      String id = json.readTree(ok.body()).get("id").asText();
      var export = running.platform.domain().subjects().export(Access.subject(id, null), id).value();
      assertThat(((Map<?, ?>) export.get("subject")).get("home_region")).isEqualTo("us");
    }
  }

  @Test
  void C31_aDataCentreWithoutAPhysicalSecurityAttestationCannotBeUsed() throws Exception {
    Path policy = Files.createTempFile("policy", ".yaml");
    Files.writeString(policy, Files.readString(Repo.policyFile()).replace("location: Ashburn, attestation: ISO-27001 2026-02, ", "location: Ashburn, "));
    Path dir = Files.createTempDirectory("plenary-dc");
    PolicyException e = catchThrowableOfType(PolicyException.class, () -> Platform.open(
        Config.load(null, Map.of(), Map.of("data_dir", dir.toString(), "policy.file", policy.toString(), "database.data_centre", "iad-1")), Clock.systemUTC()));
    assertThat(e).hasMessageContaining("attestation").hasMessageContaining("C31");
  }
}
