package com.plenary.privacy.server.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document, generated from the route table: each operation with its callers, its
 * request body's schema and, for each success answered with JSON, the schema of the record it is.
 */
public final class OpenApi {
  private OpenApi() {}

  public static Map<String, Object> document(List<Route> routes, String version) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", "Plenary Privacy Platform API", "version", version,
        "description", "Makes Plenary IT Solutions' privacy policy true at run time. Errors are application/problem+json (RFC 9457)."));
    Map<String, Object> paths = new TreeMap<>();
    for (Route r : routes) {
      @SuppressWarnings("unchecked")
      Map<String, Object> item = (Map<String, Object>) paths.computeIfAbsent(openApiPath(r.path()), p -> new LinkedHashMap<>());
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("tags", List.of(r.tag()));
      op.put("summary", r.summary());
      op.put("operationId", r.method() + r.path().replaceAll("[^A-Za-z0-9]+", "_"));
      if (!r.isPublic()) {
        op.put("security", List.of(Map.of("bearer", List.of())));
        StringBuilder who = new StringBuilder("Callers: ");
        who.append(String.join(", ", r.callers().stream().map(k -> k.name().toLowerCase(Locale.ROOT)).sorted().toList()));
        if (!r.staffRoles().isEmpty()) {
          who.append(" (staff roles: ").append(String.join(", ", r.staffRoles().stream().sorted().toList())).append(")");
        }
        op.put("description", who.toString());
      }
      // the same, for machines (the fuzz and authorisation tests read them): empty means public
      op.put("x-callers", r.callers().stream().map(k -> k.name().toLowerCase(Locale.ROOT)).sorted().toList());
      op.put("x-staff-roles", r.staffRoles().stream().sorted().toList());
      List<Map<String, Object>> params = new ArrayList<>();
      var m = Pattern.compile("\\{(\\w+)}").matcher(r.path());
      while (m.find()) {
        params.add(Map.of("name", m.group(1), "in", "path", "required", true, "schema", Map.of("type", "string")));
      }
      if (!params.isEmpty()) {
        op.put("parameters", params);
      }
      if (r.jsonBody()) {
        op.put("requestBody", Map.of("required", true, "content", Map.of("application/json", Map.of("schema", Schemas.of(r.body())))));
      }
      Map<String, Object> responses = new LinkedHashMap<>();
      for (int s : r.statuses()) {
        List<Class<? extends Record>> answer = r.responses().get(s);
        String text = r.texts().get(s);
        Map<String, Object> content = new LinkedHashMap<>();
        if (answer != null) {
          content.put("application/json", Map.of("schema", Schemas.response(answer)));
        }
        if (text != null) {
          content.put(text, Map.of("schema", Map.of("type", "string")));
        }
        List<Class<? extends Record>> lines = r.lines().get(s);
        if (lines != null) {
          // OpenAPI 3.1 has no schema for a sequence of JSON values; each line's is given as an extension (3.2 calls it itemSchema)
          content.put(Route.NDJSON, Map.of("schema", Map.of("type", "string", "description", "one JSON object a line, each as x-item-schema describes"),
              "x-item-schema", Schemas.response(lines)));
        }
        responses.put(String.valueOf(s), content.isEmpty() ? Map.of("description", "success") : Map.of("description", "success", "content", content));
      }
      Map<String, Object> problem = Map.of("description", "a problem (RFC 9457)", "content", Map.of("application/problem+json", Map.of("schema", Map.of("$ref", "#/components/schemas/Problem"))));
      if (!r.isPublic()) {
        responses.put("401", problem);
        responses.put("403", problem);
      }
      if (r.jsonBody()) {
        responses.put("400", problem);
        responses.put("415", problem);
      }
      responses.put("default", problem);
      op.put("responses", responses);
      item.put(r.method(), op);
    }
    doc.put("paths", paths);
    doc.put("components", Map.of(
        "securitySchemes", Map.of("bearer", Map.of("type", "http", "scheme", "bearer",
            "description", "A service key (pls_…), a partner key (plp_…) or a staff JWT")),
        "schemas", Map.of("Problem", Map.of("type", "object", "required", List.of("type", "title", "status"),
            "properties", Map.of("type", Map.of("type", "string"), "title", Map.of("type", "string"),
                "status", Map.of("type", "integer"), "detail", Map.of("type", "string"), "instance", Map.of("type", "string"),
                "clauses", Map.of("type", "array", "items", Map.of("type", "string")),
                "rules", Map.of("type", "array", "items", Map.of("type", "string")))))));
    return doc;
  }

  /** Javalin's {id} is also OpenAPI's form; strip Javalin's <…> form if used. */
  static String openApiPath(String path) {
    return path.replace('<', '{').replace('>', '}');
  }
}
