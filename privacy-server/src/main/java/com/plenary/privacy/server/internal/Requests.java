package com.plenary.privacy.server.internal;

import io.javalin.http.Context;
import java.util.Locale;

/** Facts about a request that several routes need. */
public final class Requests {
  private Requests() {}

  /**
   * Whether the browser reached us over HTTPS: directly, or through a proxy that ends TLS and says so
   * in {@code X-Forwarded-Proto} or {@code Forwarded}. Cookies are then marked Secure. Believing the
   * header costs nothing: a client that claims HTTPS over plain HTTP only gets cookies it cannot send
   * back over plain HTTP.
   */
  public static boolean overHttps(Context ctx) {
    if ("https".equals(ctx.scheme())) {
      return true;
    }
    String proto = ctx.header("X-Forwarded-Proto");
    if (proto != null && proto.split(",", 2)[0].trim().equalsIgnoreCase("https")) {
      return true;
    }
    String forwarded = ctx.header("Forwarded");
    return forwarded != null && forwarded.split(",", 2)[0].toLowerCase(Locale.ROOT).replace(" ", "").matches("(.*;)?proto=\"?https\"?(;.*)?");
  }
}
