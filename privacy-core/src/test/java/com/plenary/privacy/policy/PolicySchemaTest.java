package com.plenary.privacy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.plenary.privacy.testkit.Repo;
import java.nio.file.Files;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The published JSON Schema accepts Plenary's policy and refuses a typo, and the published text anchors every clause. */
class PolicySchemaTest {
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  private JsonSchema schema() throws Exception {
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
        .getSchema(Files.readString(Repo.root().resolve("policies/policy.schema.json")));
  }

  @Test
  void theSchemaAcceptsPlenarysPolicy() throws Exception {
    JsonNode policy = yaml.readTree(Repo.policyFile().toFile());
    assertThat(schema().validate(policy)).isEmpty();
  }

  @Test
  void theSchemaRefusesAnUnknownKeyAndAnUnknownAction() throws Exception {
    String text = Files.readString(Repo.policyFile()).replace("regions: [eu, us]", "regions: [eu, us]\nregoins: [eu]")
        .replace("actions: [collect, read, use]", "actions: [collect, read, sell]");
    assertThat(schema().validate(yaml.readTree(text))).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void thePublishedTextAnchorsEveryClause() throws Exception {
    String text = Files.readString(Repo.root().resolve("policies/privacy-policy.md"));
    IntStream.rangeClosed(1, 36).forEach(i -> assertThat(text).contains("<a id=\"C" + i + "\"></a>**[C" + i + "]**"));
    assertThat(text).contains("We will not sell any contact information to third parties.");
  }
}
