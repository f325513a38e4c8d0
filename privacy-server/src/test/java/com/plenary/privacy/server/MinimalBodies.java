package com.plenary.privacy.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;

/** A request body made from the OpenAPI document alone, as a client that reads only the document would make it. */
final class MinimalBodies {
  private MinimalBodies() {}

  /** A value for a request schema: its example, else the smallest value of its type; only required properties. */
  static JsonNode minimal(JsonNode schema) {
    if (schema.has("examples")) {
      return schema.get("examples").get(0);
    }
    String type = schema.get("type").isArray() ? schema.get("type").get(0).asText() : schema.get("type").asText();
    return switch (type) {
      case "object" -> {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        schema.path("required").forEach(n -> o.set(n.asText(), minimal(schema.get("properties").get(n.asText()))));
        yield o;
      }
      case "array" -> {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        a.add(minimal(schema.get("items")));
        yield a;
      }
      case "string" -> JsonNodeFactory.instance.textNode("date-time".equals(schema.path("format").asText())
          ? Instant.now().plus(Duration.ofDays(1)).toString() : "x");
      case "integer" -> JsonNodeFactory.instance.numberNode(1);
      case "boolean" -> JsonNodeFactory.instance.booleanNode(true);
      default -> throw new AssertionError("a schema type this test does not know: " + type);
    };
  }
}
