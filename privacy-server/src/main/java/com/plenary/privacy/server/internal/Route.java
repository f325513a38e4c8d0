package com.plenary.privacy.server.internal;

import com.plenary.privacy.server.Caller;
import io.javalin.http.Handler;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One endpoint: method, path, who may call it, and its description for {@code /openapi.json}. The
 * server registers routes only from this table, so the document cannot miss one.
 *
 * @param callers the caller kinds allowed; empty means public
 * @param staffRoles for staff callers, the roles of which one is needed; empty means any staff
 * @param statuses the statuses the route answers when it succeeds (and those of its problems it documents)
 * @param body the record a JSON body is bound to (the handler reads it with {@link JsonBodies}, the
 *     document describes it with {@link Schemas}); null when the route takes no JSON body
 * @param responses for each status answered with a JSON body, the record the handler answers with, or
 *     the records of which the answer is one; the document describes them with {@link Schemas}. A
 *     status not named here answers no JSON (204, a redirect, a page, a script, a problem).
 * @param texts for each status answered with a body that is not JSON, its media type (a signed note is
 *     {@code text/plain}); the document describes it as a string of that type
 * @param lines for each status that can also be streamed as NDJSON (asked for with {@code Accept:
 *     application/x-ndjson}), the records one of which each line is; the document describes them
 *     under {@code x-item-schema} of that media type
 */
public record Route(
    String method,
    String path,
    String tag,
    String summary,
    Set<Caller.Kind> callers,
    Set<String> staffRoles,
    List<Integer> statuses,
    Class<? extends Record> body,
    Map<Integer, List<Class<? extends Record>>> responses,
    Handler handler,
    Map<Integer, String> texts,
    Map<Integer, List<Class<? extends Record>>> lines) {

  /** The media type of a stream of JSON objects, one a line. */
  public static final String NDJSON = "application/x-ndjson";

  /** No JSON answer. */
  public static final Map<Integer, List<Class<? extends Record>>> NO_JSON = Map.of();

  public Route {
    statuses = List.copyOf(statuses);
    responses = Map.copyOf(responses);
    texts = Map.copyOf(texts);
    lines = Map.copyOf(lines);
    for (var e : lines.entrySet()) {
      if (!statuses.contains(e.getKey()) || e.getValue().isEmpty()) {
        throw new IllegalArgumentException(method + " " + path + ": NDJSON lines of status " + e.getKey() + " that the route does not list, or of no record");
      }
    }
    for (var e : texts.entrySet()) {
      if (!statuses.contains(e.getKey()) || responses.containsKey(e.getKey())) {
        throw new IllegalArgumentException(method + " " + path + ": a text answer of status " + e.getKey() + " that the route does not list, or that is JSON too");
      }
    }
    for (var e : responses.entrySet()) {
      if (!statuses.contains(e.getKey()) || e.getValue().isEmpty()) {
        throw new IllegalArgumentException(method + " " + path + ": a JSON answer of status " + e.getKey() + " that the route does not list, or of no record");
      }
    }
  }

  /** A route whose answers are JSON, text of the media types in {@code texts}, or none. */
  public Route(String method, String path, String tag, String summary, Set<Caller.Kind> callers, Set<String> staffRoles, List<Integer> statuses,
      Class<? extends Record> body, Map<Integer, List<Class<? extends Record>>> responses, Handler handler, Map<Integer, String> texts) {
    this(method, path, tag, summary, callers, staffRoles, statuses, body, responses, handler, texts, Map.of());
  }

  /** This route, whose answer of {@code status} can also be streamed as NDJSON, each line one of {@code oneOf}. */
  public Route streaming(int status, List<Class<? extends Record>> oneOf) {
    return new Route(method, path, tag, summary, callers, staffRoles, statuses, body, responses, handler, texts, Map.of(status, oneOf));
  }

  /** A route whose answers are JSON or none. */
  public Route(String method, String path, String tag, String summary, Set<Caller.Kind> callers, Set<String> staffRoles, List<Integer> statuses,
      Class<? extends Record> body, Map<Integer, List<Class<? extends Record>>> responses, Handler handler) {
    this(method, path, tag, summary, callers, staffRoles, statuses, body, responses, handler, Map.of());
  }

  /** The answer of {@code status} is this record, as JSON. */
  public static Map<Integer, List<Class<? extends Record>>> json(int status, Class<? extends Record> record) {
    return Map.of(status, List.of(record));
  }

  /** The answer of {@code status} is one of these records, as JSON. */
  public static Map<Integer, List<Class<? extends Record>>> json(int status, List<Class<? extends Record>> oneOf) {
    return Map.of(status, oneOf);
  }

  public static Route publicGet(String path, String tag, String summary, Handler handler) {
    return new Route("get", path, tag, summary, Set.of(), Set.of(), List.of(200), null, NO_JSON, handler);
  }

  public static Route publicGet(String path, String tag, String summary, Class<? extends Record> response, Handler handler) {
    return new Route("get", path, tag, summary, Set.of(), Set.of(), List.of(200), null, json(200, response), handler);
  }

  public static Route publicPost(String path, String tag, String summary, Class<? extends Record> body, Class<? extends Record> response, Handler handler) {
    return new Route("post", path, tag, summary, Set.of(), Set.of(), List.of(200), body, json(200, response), handler);
  }

  /** Whether the route takes a JSON body (and so answers 415 to another content type). */
  public boolean jsonBody() {
    return body != null;
  }

  /** Whether some success of the route is answered with JSON. */
  public boolean jsonResponse() {
    return !responses.isEmpty();
  }

  public boolean isPublic() {
    return callers.isEmpty();
  }
}
