package com.plenary.privacy.server.internal;

import com.plenary.privacy.server.Caller;
import io.javalin.http.Handler;
import java.util.List;
import java.util.Set;

/**
 * One endpoint: method, path, who may call it, and its description for {@code /openapi.json}. The
 * server registers routes only from this table, so the document cannot miss one.
 *
 * @param callers the caller kinds allowed; empty means public
 * @param staffRoles for staff callers, the roles of which one is needed; empty means any staff
 * @param body the record a JSON body is bound to (the handler reads it with {@link JsonBodies}, the
 *     document describes it with {@link Schemas}); null when the route takes no JSON body
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
    Handler handler) {

  public static Route publicGet(String path, String tag, String summary, Handler handler) {
    return new Route("get", path, tag, summary, Set.of(), Set.of(), List.of(200), null, handler);
  }

  public static Route publicPost(String path, String tag, String summary, Class<? extends Record> body, Handler handler) {
    return new Route("post", path, tag, summary, Set.of(), Set.of(), List.of(200), body, handler);
  }

  /** Whether the route takes a JSON body (and so answers 415 to another content type). */
  public boolean jsonBody() {
    return body != null;
  }

  public boolean isPublic() {
    return callers.isEmpty();
  }
}
