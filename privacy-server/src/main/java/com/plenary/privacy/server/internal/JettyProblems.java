package com.plenary.privacy.server.internal;

import com.plenary.privacy.Ids;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.BiFunction;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses — for requests refused before Javalin sees them: a request line or
 * headers the parser cannot read, a URI too long (414), headers too large (431), a NUL or bad UTF-8
 * in the path — as {@code application/problem+json} with the security headers, for every method and
 * path, instead of Jetty's HTML page. The body never echoes the request. Each gets a request id of
 * its own (the request was not read, so it brought none that counts), in {@code X-Request-Id} and the
 * problem's {@code instance}.
 */
public final class JettyProblems extends ErrorHandler {
  private final BiFunction<Integer, String, byte[]> problem;
  private final Map<String, String> headers;

  /**
   * @param problem the problem document for a status and a request id, as bytes
   * @param headers headers every response carries (the security headers)
   */
  public JettyProblems(BiFunction<Integer, String, byte[]> problem, Map<String, String> headers) {
    this.problem = problem;
    this.headers = Map.copyOf(headers);
  }

  @Override
  public boolean errorPageForMethod(String method) {
    return true; // a body for every method, or a PATCH would get an error with no Content-Type
  }

  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    String id = Ids.timeOrdered().toString();
    byte[] body = problem.apply(code, id);
    HttpFields.Mutable fields = response.getHeaders();
    fields.put("X-Request-Id", id);
    fields.put(HttpHeader.CONTENT_TYPE, "application/problem+json");
    fields.put(HttpHeader.CONTENT_LENGTH, body.length);
    headers.forEach(fields::put);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
