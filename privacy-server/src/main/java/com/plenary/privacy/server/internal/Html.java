package com.plenary.privacy.server.internal;

/** A small HTML writer: every text that goes through {@link #text} or {@link #attr} is escaped. */
final class Html {
  private final StringBuilder out = new StringBuilder(4096);

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String capitalise(String s) {
    return s == null || s.isEmpty() ? "" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** Appends markup written by us, never input. */
  Html raw(String markup) {
    out.append(markup);
    return this;
  }

  Html text(String s) {
    out.append(escape(s));
    return this;
  }

  Html el(String tag, String content) {
    out.append('<').append(tag).append('>').append(escape(content)).append("</").append(tag).append('>');
    return this;
  }

  /** A page with the header, the title and the body {@code main}. */
  static String page(String title, String main) {
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + "<title>" + escape(title) + " — Plenary privacy center</title><link rel=\"stylesheet\" href=\"/assets/plenary.css\"></head><body>"
        + "<header><a href=\"/account\">Plenary privacy center</a><a href=\"/privacy/cookies\">Cookies</a><a href=\"/api/v1/policy\">Privacy policy (data)</a></header>"
        + "<main>" + main + "</main></body></html>";
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
