package com.plenary.privacy.server.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.server.HttpProblem;
import io.javalin.http.Context;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * JSON request bodies bound to records. A body is one record (see {@link Route#body()}): Jackson binds
 * it strictly — unknown fields, wrong types and scalars of the wrong kind are refused, nothing is
 * coerced — and then {@link #check} holds it to the shape its components declare: every component is
 * required unless marked {@link Optional}, a required text is not blank, and {@link Max} bounds texts,
 * numbers, lists and maps. Names the policy must judge (purposes, fields, roles) are left to the domain.
 *
 * <p>Every refusal is an {@link InvalidInputException} naming the JSON path ({@code consents[0].shown_sha256});
 * its message never repeats the value that was sent. The OpenAPI document describes the same records
 * ({@link Schemas}), so the document and the binding cannot disagree.
 */
public final class JsonBodies {
  /** A component that may be left out or sent as null. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Optional {}

  /** The most characters of a text, entries of a list or map, or the largest number. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Max {
    long value();
  }

  /** The fewest entries of a list. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface MinItems {
    int value();
  }

  /** A text of a known format (as in JSON Schema: {@code date-time}); the handler parses it. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Format {
    String value();
  }

  /** A value that would pass, as JSON, for the OpenAPI document. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.RECORD_COMPONENT)
  public @interface Example {
    String value();
  }

  /** A body that is this record or a JSON array of 1 to {@code max} of them. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.TYPE)
  public @interface OrBatch {
    int max();
  }

  private final ObjectMapper strict;

  /** {@code base} reads the body's text (its parser limits and duplicate detection apply); binding is strict. */
  public JsonBodies(ObjectMapper base) {
    this.strict = JsonMapper.builder(base.getFactory().copy())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        // a text is a JSON string, true or false a JSON boolean, a number a JSON number: nothing is taken for another
        .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Boolean, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail).setCoercion(CoercionInputShape.Float, CoercionAction.Fail))
        .withCoercionConfig(LogicalType.Integer, c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
        .build();
  }

  /**
   * The body as {@code type}: a JSON object, bound and checked. An object is bound in one pass from the
   * bytes (no tree in between: the decisions endpoint reads thousands a second); anything else goes
   * through the tree, which names what it is instead.
   */
  public <T extends Record> T read(Context ctx, Class<T> type) throws IOException {
    byte[] body = ctx.bodyAsBytes();
    if (!startsAnObject(body)) {
      return bind(tree(body), type, "");
    }
    return read(body, type);
  }

  private <T extends Record> T read(byte[] body, Class<T> type) throws IOException {
    T value = readers.get(type).readValue(body);
    if (value == null) {
      throw new HttpProblem(400, "malformed-json", "Malformed JSON", "the body is not well-formed JSON");
    }
    check(value, "");
    return value;
  }

  private static boolean startsAnObject(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return b == '{';
      }
    }
    return false;
  }

  /** One strict reader per body record, made once. */
  private final ClassValue<ObjectReader> readers = new ClassValue<>() {
    @Override
    protected ObjectReader computeValue(Class<?> type) {
      return strict.readerFor(type);
    }
  };

  /** A body that was one record alone ({@code batch} false) or a JSON array of them. */
  public record OneOrBatch<T>(List<T> items, boolean batch) {}

  /** The body as one {@code type} alone or a JSON array of 1 to {@link OrBatch#max()} of them. */
  public <T extends Record> OneOrBatch<T> readOneOrBatch(Context ctx, Class<T> type) throws IOException {
    byte[] body = ctx.bodyAsBytes();
    if (startsAnObject(body)) {
      return new OneOrBatch<>(List.of(read(body, type)), false); // one request: bound in one pass, as {@link #read}
    }
    JsonNode tree = tree(body);
    if (!tree.isArray()) {
      return new OneOrBatch<>(List.of(bind(tree, type, "")), false);
    }
    OrBatch limit = type.getAnnotation(OrBatch.class);
    if (tree.isEmpty() || limit == null || tree.size() > limit.max()) {
      throw new InvalidInputException("", "a batch must hold from 1 to " + (limit == null ? 0 : limit.max()) + " requests");
    }
    JavaType listOf = strict.getTypeFactory().constructCollectionType(List.class, type);
    List<T> out = strict.readerFor(listOf).readValue(tree);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i) == null) {
        throw new InvalidInputException("[" + i + "]", "[" + i + "] must be an object");
      }
      check(out.get(i), "[" + i + "]");
    }
    return new OneOrBatch<>(out, true);
  }

  private JsonNode tree(byte[] body) throws IOException {
    JsonNode tree = strict.readTree(body);
    if (tree == null || tree.isMissingNode()) {
      throw new HttpProblem(400, "malformed-json", "Malformed JSON", "the body is not well-formed JSON");
    }
    return tree;
  }

  private <T extends Record> T bind(JsonNode tree, Class<T> type, String at) throws IOException {
    if (!tree.isObject()) {
      throw new InvalidInputException(at, "the body must be a JSON object");
    }
    T value = strict.readerFor(type).readValue(tree);
    check(value, at);
    return value;
  }

  /** A record component as the check needs it, looked up once per record class. */
  private record Component(Method accessor, String name, boolean optional, Max max, MinItems min) {}

  private static final ClassValue<List<Component>> COMPONENTS = new ClassValue<>() {
    @Override
    protected List<Component> computeValue(Class<?> type) {
      List<Component> out = new ArrayList<>();
      for (RecordComponent c : type.getRecordComponents()) {
        Method accessor = c.getAccessor();
        accessor.trySetAccessible(); // a body record may be private to its handler's class
        out.add(new Component(accessor, name(c), c.getAnnotation(Optional.class) != null, c.getAnnotation(Max.class), c.getAnnotation(MinItems.class)));
      }
      return List.copyOf(out);
    }
  };

  /** Holds a bound record to the shape its components declare; {@code at} is its JSON path. */
  static void check(Record value, String at) {
    for (Component c : COMPONENTS.get(value.getClass())) {
      Object v;
      try {
        v = c.accessor().invoke(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.name(), e);
      }
      String path = at.isEmpty() ? c.name() : at + "." + c.name();
      if (v == null) {
        if (!c.optional()) {
          throw new InvalidInputException(path, path + " is required");
        }
        continue;
      }
      Max max = c.max();
      MinItems min = c.min();
      if (v instanceof String s) {
        if (!c.optional() && s.isBlank()) {
          throw new InvalidInputException(path, path + " is required and may not be blank");
        }
        if (max != null && s.length() > max.value()) {
          throw new InvalidInputException(path, path + " must be a text of at most " + max.value() + " characters");
        }
      } else if (v instanceof Number n) {
        if (n.longValue() < 0 || max != null && n.longValue() > max.value()) {
          throw new InvalidInputException(path, path + " must be a whole number from 0 to " + (max == null ? Long.MAX_VALUE : max.value()));
        }
      } else if (v instanceof Collection<?> list) {
        if (max != null && list.size() > max.value() || min != null && list.size() < min.value()) {
          throw new InvalidInputException(path, path + " must hold from " + (min == null ? 0 : min.value()) + " to " + (max == null ? "any number of" : max.value()) + " entries");
        }
        int i = 0;
        for (Object item : list) {
          if (item == null) {
            throw new InvalidInputException(path + "[" + i + "]", path + "[" + i + "] may not be null");
          }
          if (item instanceof Record r) {
            check(r, path + "[" + i + "]");
          }
          i++;
        }
      } else if (v instanceof Map<?, ?> map) {
        if (max != null && map.size() > max.value()) {
          throw new InvalidInputException(path, path + " may hold at most " + max.value() + " entries");
        }
      } else if (v instanceof Record r) {
        check(r, path);
      }
    }
  }

  /** The component's name on the wire. */
  static String name(RecordComponent c) {
    // @JsonProperty does not apply to record components: Java puts it on the accessor (and field, parameter)
    JsonProperty p = c.getAccessor().getAnnotation(JsonProperty.class);
    return p != null && !p.value().isEmpty() ? p.value() : c.getName();
  }

  /**
   * The problem for a body Jackson could not bind, naming the JSON path; null when the failure has no
   * path (it is then not the body's shape but its syntax). Never repeats the value that was sent.
   */
  public static InvalidInputException problem(JsonMappingException e) {
    // reading only: a value that does not fit its component, or a number too large for it; a failure
    // to write a response (also a JsonMappingException) stays the server's own error
    boolean read = e instanceof MismatchedInputException || e.getCause() instanceof StreamReadException;
    if (!read || e.getPath().isEmpty() || e.getCause() instanceof JsonParseException) {
      // a syntax error met while binding: the body is not well-formed JSON, whatever field it was in
      return null;
    }
    String path = path(e.getPath());
    if (e instanceof UnrecognizedPropertyException u) {
      // the unknown name is the caller's input: named only when it looks like a field name, else its object is
      String name = u.getPropertyName();
      String at = name != null && !FIELD_NAME.matcher(name).matches() ? parent(e.getPath()) : path;
      TreeSet<String> known = new TreeSet<>();
      if (u.getKnownPropertyIds() != null) {
        u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      }
      return new InvalidInputException(at.isEmpty() ? "body" : at, "unknown field" + (at.isEmpty() || at.equals(path) ? "" : " in " + at) + "; allowed: " + String.join(", ", known));
    }
    if (e instanceof InvalidNullException) {
      return new InvalidInputException(path, path + " may not be null");
    }
    if (e instanceof MismatchedInputException m) {
      return new InvalidInputException(path, path + " must be " + expected(m.getTargetType()));
    }
    return new InvalidInputException(path, path + " is not a value of the right type and size");
  }

  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private static String parent(List<JsonMappingException.Reference> refs) {
    return path(refs.subList(0, refs.size() - 1));
  }

  /** A Jackson reference chain as a JSON path: {@code consents[0].shown_sha256}, {@code [1].facts}. */
  public static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (type == String.class) {
      return "a text";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    return "an object";
  }
}
