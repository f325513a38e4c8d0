package com.plenary.privacy.server.internal;

import com.plenary.privacy.server.HttpProblem;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Small request bodies read into an array of their own size. Javalin's reader copies through an 8 KiB
 * buffer per request, which for beacons of a few hundred bytes was the collector's largest source of
 * garbage (and so of collection pauses).
 */
public final class Bodies {
  private Bodies() {}

  /** The body, at most {@code max} bytes; a longer one is refused with 413 before it is read. */
  public static byte[] read(Context ctx, int max) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > max) {
      throw tooLarge(max);
    }
    InputStream in = ctx.req().getInputStream();
    if (declared >= 0) {
      byte[] body = in.readNBytes((int) declared);
      if (body.length != declared) {
        throw new HttpProblem(400, "incomplete-body", "Incomplete body", "the body ended before its Content-Length");
      }
      return body;
    }
    byte[] body = new byte[Math.min(max + 1, 1024)];
    int n = 0;
    for (int r; (r = in.read(body, n, body.length - n)) >= 0; ) {
      n += r;
      if (n > max) {
        throw tooLarge(max);
      }
      if (n == body.length) {
        body = Arrays.copyOf(body, Math.min(max + 1, body.length * 2));
      }
    }
    return Arrays.copyOf(body, n);
  }

  private static HttpProblem tooLarge(int max) {
    return new HttpProblem(413, "too-large", "Request too large", "the body may be at most " + max + " bytes");
  }
}
