package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Schemas (as OpenAPI 3.1 uses them) of the records request bodies are bound to, read from the
 * record components and the {@link JsonBodies} annotations the binding itself enforces: texts, true
 * or false, whole numbers, lists, maps and nested records; required are the components not marked
 * {@link JsonBodies.Optional} (an optional one may also be null); no other properties are allowed.
 */
public final class Schemas {
  private static final ObjectMapper EXAMPLES = new ObjectMapper();

  private Schemas() {}

  /** The schema of a request body of this record type. */
  public static Map<String, Object> of(Class<?> body) {
    Map<String, Object> one = record(body);
    JsonBodies.OrBatch batch = body.getAnnotation(JsonBodies.OrBatch.class);
    if (batch == null) {
      return one;
    }
    Map<String, Object> many = new LinkedHashMap<>();
    many.put("type", "array");
    many.put("items", one);
    many.put("minItems", 1);
    many.put("maxItems", batch.max());
    return Map.of("oneOf", List.of(one, many));
  }

  private static Map<String, Object> record(Class<?> type) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException("a request body is a record: " + type.getName());
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      String name = JsonBodies.name(c);
      properties.put(name, component(c));
      if (c.getAnnotation(JsonBodies.Optional.class) == null) {
        required.add(name);
      }
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("title", type.getSimpleName());
    s.put("type", "object");
    s.put("properties", properties);
    if (!required.isEmpty()) {
      s.put("required", required);
    }
    s.put("additionalProperties", false);
    return s;
  }

  private static Map<String, Object> component(RecordComponent c) {
    Map<String, Object> s = type(c.getGenericType());
    boolean optional = c.getAnnotation(JsonBodies.Optional.class) != null;
    JsonBodies.Max max = c.getAnnotation(JsonBodies.Max.class);
    JsonBodies.MinItems min = c.getAnnotation(JsonBodies.MinItems.class);
    JsonBodies.Format format = c.getAnnotation(JsonBodies.Format.class);
    JsonBodies.Example example = c.getAnnotation(JsonBodies.Example.class);
    String kind = String.valueOf(s.get("type"));
    if (kind.equals("string") && !optional) {
      s.put("pattern", "\\S"); // a required text is not blank
    }
    if (format != null) {
      s.put("format", format.value());
    }
    if (kind.equals("integer")) {
      s.put("minimum", 0);
    }
    if (max != null) {
      s.put(switch (kind) {
        case "string" -> "maxLength";
        case "array" -> "maxItems";
        case "object" -> "maxProperties";
        default -> "maximum";
      }, max.value());
    }
    if (min != null) {
      s.put("minItems", min.value());
    }
    if (example != null) {
      try {
        s.put("examples", List.of(EXAMPLES.readValue(example.value(), Object.class)));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the example of " + c + " is not JSON", e);
      }
    }
    if (optional && s.get("type") instanceof String t) {
      s.put("type", List.of(t, "null"));
    }
    return s;
  }

  private static Map<String, Object> type(Type t) {
    Map<String, Object> s = new LinkedHashMap<>();
    Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : t instanceof Class<?> k ? k : Object.class;
    if (raw == String.class) {
      s.put("type", "string");
    } else if (raw == Boolean.class || raw == boolean.class) {
      s.put("type", "boolean");
    } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
      s.put("type", "integer");
    } else if (Collection.class.isAssignableFrom(raw)) {
      s.put("type", "array");
      s.put("items", t instanceof ParameterizedType p ? type(p.getActualTypeArguments()[0]) : Map.of());
    } else if (Map.class.isAssignableFrom(raw)) {
      s.put("type", "object");
      Type values = t instanceof ParameterizedType p ? p.getActualTypeArguments()[1] : Object.class;
      s.put("additionalProperties", values == Object.class ? true : type(values));
    } else if (raw.isRecord()) {
      return record(raw);
    } else if (raw != Object.class) {
      throw new IllegalArgumentException("no schema for " + raw.getName() + " in a request body");
    }
    return s; // Object: any JSON value
  }
}
