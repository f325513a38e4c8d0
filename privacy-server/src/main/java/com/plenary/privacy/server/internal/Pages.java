package com.plenary.privacy.server.internal;

import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pages people see, rendered from the jte templates under {@code src/main/jte} (compiled into
 * classes at build time, every value HTML-escaped by the engine), and the values each template
 * takes. No page is assembled from strings in Java.
 */
public final class Pages {
  private static final TemplateEngine ENGINE = TemplateEngine.createPrecompiled(ContentType.Html);

  private Pages() {}

  /**
   * Renders {@code template} with {@code params} as the response, with {@code status}, in the language
   * the request asks for ({@link Texts#of(Context)}, the templates' {@code t}) unless {@code params} name one.
   */
  /** The request attribute that says a page was rendered for this request. */
  public static final String RENDERED = "page-rendered";

  static void render(Context ctx, int status, String template, Map<String, Object> params) {
    Map<String, Object> all = new HashMap<>(params);
    Texts t = (Texts) all.computeIfAbsent("t", k -> Texts.of(ctx));
    StringOutput out = new StringOutput();
    ENGINE.render(template, all, out);
    ctx.attribute(RENDERED, Boolean.TRUE); // an error status of a page of its own (an invalid link's page) is not replaced by the error page
    ctx.status(status).header("Content-Language", t.lang()).header("Vary", "Accept-Language").html(out.toString());
  }

  /** One input of a form: a field of the policy, labelled for people. */
  public record FormField(String name, String label, String type, int max, String value, boolean required, String autocomplete) {}

  /** A printable document for staff (a review report, the records of processing): a title, a line under it, and its sections as tables. */
  public record Document(String title, String subtitle, List<Table> tables) {
    public Document {
      tables = List.copyOf(tables);
    }
  }

  /** One section of a {@link Document}: a heading, a note (may be empty), the column names and the rows. The same tables make its CSV. */
  public record Table(String title, String note, List<String> header, List<List<String>> rows) {
    public Table {
      header = List.copyOf(header);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /** A label and a value. */
  public record Row(String label, String value) {}

  /**
   * One section of the readable export: a title and either a sentence ({@code text}: a single value, or
   * that nothing is recorded) or a table (its {@code columns} and {@code rows}, one cell a column).
   */
  public record Section(String title, String text, List<String> columns, List<List<String>> rows) {
    public Section {
      columns = List.copyOf(columns);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /** A purpose a person can consent to, and whether they have. */
  public record ConsentRow(String purpose, String recipient, String text, boolean given) {}

  /** A service's request for the person's consent, waiting for their answer: the exact text they are shown and its SHA-256. */
  public record ConsentAsk(String id, String text, String textSha256) {}

  /** A request of the person's (access, correction, erasure) with its deadline, its status and whether the deadline was met. */
  public record RequestRow(String kind, String made, String due, String status, String met) {}

  /** A page with one form of a signed-in person: its CSRF token and what went wrong, if anything. */
  public record Simple(String csrf, String error) {}

  /** The forgotten-password page: {@code sent} once a link was asked for (whatever the address), and how many minutes it works. */
  public record Forgot(String csrf, boolean sent, long minutes, String email, String error) {}

  /** The page a reset link opens: the new password's form while the link works. */
  public record Reset(String token, String csrf, boolean valid, String error) {}

  /** The privacy center before sign-in. */
  public record Anonymous(String title, String csrf, String done, String error, String email, List<FormField> fields) {
    public Anonymous {
      fields = List.copyOf(fields);
    }
  }

  /** The privacy center of a signed-in person. */
  public record Home(String csrf, String done, String error, List<String> off, List<Row> values, List<FormField> correctable,
      List<ConsentRow> consents, List<Row> recipients, List<Row> sharingPurposes, List<ConsentAsk> asks, List<RequestRow> requests,
      List<MessageRow> messages, List<SubscriptionRow> subscriptions, List<MessageRow> waiting, boolean showingText) {
    public Home {
      off = List.copyOf(off);
      recipients = List.copyOf(recipients);
      sharingPurposes = List.copyOf(sharingPurposes);
      asks = List.copyOf(asks);
      waiting = List.copyOf(waiting);
      values = List.copyOf(values);
      correctable = List.copyOf(correctable);
      consents = List.copyOf(consents);
      requests = List.copyOf(requests);
      messages = List.copyOf(messages);
      subscriptions = List.copyOf(subscriptions);
    }
  }

  /** A message sent (or being sent) to the person: what kind, what for, when, and where it is; never its text. */
  public record MessageRow(String kind, String purpose, String queued, String status, String subject, String body) {}

  /** A kind of message the person may stop, and whether they get it. */
  public record SubscriptionRow(String kind, String label, boolean subscribed) {}

  /** A cookie class the visitor may choose. */
  public record Choice(String id, String label, String text, boolean checked, boolean required) {}

  /** A cookie we or a partner set. */
  public record CookieRow(String name, String cookieClass, String owner, String purpose, String lifetime) {}

  /** The cookie choices page. */
  public record Cookies(String csrf, boolean saved, boolean gpc, List<String> off, List<Choice> choices, List<CookieRow> cookies) {
    public Cookies {
      off = List.copyOf(off);
      choices = List.copyOf(choices);
      cookies = List.copyOf(cookies);
    }
  }

  /** The unsubscribe page of a one-click link: asks to confirm (a GET changes nothing), or says it is done, or that the link is not valid. */
  public record Unsubscribe(String title, String token, String what, boolean valid, boolean done) {}

  /** A page in place of an error a browser asked for: its title, one plain sentence, and the request's reference for support. */
  public record ErrorPage(String title, String sentence, String reference) {}

  /**
   * Whether the request is a browser's, for a page: a GET or HEAD that accepts HTML, outside the API, the
   * collector, health and metrics. Such a request is answered with a page, not with problem+json.
   */
  public static boolean wantsPage(Context ctx) {
    String method = ctx.method().name();
    String accept = ctx.header("Accept");
    String path = ctx.path();
    return (method.equals("GET") || method.equals("HEAD")) && accept != null && accept.contains("text/html") && !path.startsWith("/api/")
        && !path.startsWith("/c/") && !path.startsWith("/health") && !path.equals("/metrics") && !path.startsWith("/openapi")
        && !path.startsWith("/assets/");
  }

  /** The error page for {@code status}, in the browser's language. */
  public static void renderError(Context ctx, int status, String requestId) {
    Texts t = Texts.of(ctx);
    String kind = switch (status) {
      case 401, 403 -> "forbidden";
      case 404, 405, 410 -> "not-found";
      case 429 -> "too-many";
      default -> status >= 500 ? "server" : "request";
    };
    render(ctx, status, "error.jte", Map.of("t", t, "page", new ErrorPage(t.get("error." + kind + ".title"), t.get("error." + kind), requestId)));
  }
}
