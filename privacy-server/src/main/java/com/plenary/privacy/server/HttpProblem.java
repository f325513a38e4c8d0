package com.plenary.privacy.server;

import com.plenary.privacy.PlenaryException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error to send as {@code application/problem+json} (RFC 9457). The type is a stable slug
 * (served as {@code /problems/{slug}}); the detail is a sentence that never repeats a personal value.
 * Rendered in exactly one place, the server's exception mapper.
 */
public final class HttpProblem extends PlenaryException {
  private final int status;
  private final String slug;
  private final String title;
  private final Map<String, Object> extensions;

  public HttpProblem(int status, String slug, String title, String detail, Map<String, Object> extensions) {
    super(detail);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.extensions = Map.copyOf(extensions);
  }

  public HttpProblem(int status, String slug, String title, String detail) {
    this(status, slug, title, detail, Map.of());
  }

  public static HttpProblem unauthorized(String detail) {
    return new HttpProblem(401, "unauthorized", "Authentication required", detail);
  }

  public static HttpProblem forbidden(String detail) {
    return new HttpProblem(403, "forbidden", "Not allowed", detail);
  }

  public int status() {
    return status;
  }

  public String slug() {
    return slug;
  }

  public String title() {
    return title;
  }

  /** The problem document, with {@code instance} set to the request id. */
  public Map<String, Object> body(String requestId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "/problems/" + slug);
    m.put("title", title);
    m.put("status", status);
    m.put("detail", getMessage());
    m.put("instance", "urn:request:" + requestId);
    m.putAll(extensions);
    return m;
  }
}
