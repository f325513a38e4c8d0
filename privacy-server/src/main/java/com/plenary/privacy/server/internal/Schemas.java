package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.time.LocalDate;
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
 *
 * <p>The records handlers answer with are described the same way ({@link #response}), as the
 * server's Jackson writes them: every component is a property that is always present — unless it is
 * marked {@code @JsonInclude(NON_NULL)}, when it is left out instead of being null — and never null
 * unless it is marked {@link Nullable}; texts that are times carry their format; a component marked
 * {@link JsonValue} is the answer itself; no other properties are written.
 */
public final class Schemas {
  private static final ObjectMapper EXAMPLES = new ObjectMapper();

  /** A component of a response record that may be null (it is written as {@code null}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Nullable {}

  private Schemas() {}

  /** The schema of a request body of this record type. */
  public static Map<String, Object> of(Class<?> body) {
    Map<String, Object> one = record(body, false);
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

  /** The schema of an answer of this record type, or of one of these record types. */
  public static Map<String, Object> response(List<Class<? extends Record>> oneOf) {
    if (oneOf.size() == 1) {
      return record(oneOf.get(0), true);
    }
    return Map.of("oneOf", oneOf.stream().map(r -> record(r, true)).toList());
  }

  private static Map<String, Object> record(Class<?> type, boolean response) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException((response ? "an answer" : "a request body") + " is a record: " + type.getName());
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      if (response && c.getAccessor().isAnnotationPresent(JsonValue.class)) {
        if (type.getRecordComponents().length != 1) {
          throw new IllegalArgumentException(type.getName() + " has other components beside its @JsonValue");
        }
        return component(c, true); // the component is written in the record's place
      }
      String name = JsonBodies.name(c);
      properties.put(name, component(c, response));
      if (response ? !omittedWhenNull(c) : c.getAnnotation(JsonBodies.Optional.class) == null) {
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

  /** Whether Jackson leaves the component out when it is null (so it is never null, and not always present). */
  private static boolean omittedWhenNull(RecordComponent c) {
    // like @JsonProperty, Java puts @JsonInclude on the accessor (and field, parameter), not on the component
    JsonInclude include = c.getAccessor().getAnnotation(JsonInclude.class);
    return include != null && include.value() != JsonInclude.Include.ALWAYS && include.value() != JsonInclude.Include.USE_DEFAULTS;
  }

  private static Map<String, Object> component(RecordComponent c, boolean response) {
    Map<String, Object> s = type(c.getGenericType(), response);
    if (response) {
      if (c.getAnnotation(Nullable.class) != null && s.get("type") instanceof String t) {
        s.put("type", List.of(t, "null"));
      }
      return s;
    }
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

  private static Map<String, Object> type(Type t, boolean response) {
    Map<String, Object> s = new LinkedHashMap<>();
    Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : t instanceof Class<?> k ? k : Object.class;
    if (raw == String.class) {
      s.put("type", "string");
    } else if (response && raw == Instant.class) {
      s.put("type", "string");
      s.put("format", "date-time");
    } else if (response && raw == LocalDate.class) {
      s.put("type", "string");
      s.put("format", "date");
    } else if (raw == Boolean.class || raw == boolean.class) {
      s.put("type", "boolean");
    } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
      s.put("type", "integer");
    } else if (Collection.class.isAssignableFrom(raw)) {
      s.put("type", "array");
      s.put("items", t instanceof ParameterizedType p ? type(p.getActualTypeArguments()[0], response) : Map.of());
    } else if (Map.class.isAssignableFrom(raw)) {
      s.put("type", "object");
      Type values = t instanceof ParameterizedType p ? p.getActualTypeArguments()[1] : Object.class;
      s.put("additionalProperties", values == Object.class ? true : type(values, response));
    } else if (raw.isRecord()) {
      return record(raw, response);
    } else if (raw != Object.class) {
      throw new IllegalArgumentException("no schema for " + raw.getName() + (response ? " in an answer" : " in a request body"));
    }
    return s; // Object: any JSON value
  }
}
