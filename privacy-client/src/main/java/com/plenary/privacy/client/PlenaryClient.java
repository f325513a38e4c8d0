package com.plenary.privacy.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The platform's Java client for the company's services. One instance per service key; thread-safe.
 *
 * <pre>{@code
 * PlenaryClient plenary = PlenaryClient.builder(URI.create("https://privacy.internal"))
 *     .serviceKey(System.getenv("PLENARY_KEY")).build();
 * String id = plenary.register(Map.of("email", "ada@example.org", "name", "Ada"), null).id();
 * Map<String, String> fields = plenary.read(id, "provide", "email").fields();
 * }</pre>
 *
 * <p>Retries: a call is retried, with exponential back-off and jitter, only when the platform surely
 * did not act on it — the connection was refused, or it answered 503 or 429 (honouring
 * {@code Retry-After}). Reads are also retried after a timeout. Errors come back as
 * {@link PolicyDeniedException} (with clauses and rules), {@link InvalidRequestException} (with the
 * field) or {@link PlenaryClientException}.
 */
public final class PlenaryClient {
  /** A registration's answer (C2, C22). */
  public record Registration(String id, List<String> stored, List<String> declined, List<Map<String, Object>> unavailable) {}

  /** Fields read for a purpose: those permitted, and the names of those withheld (C14). */
  public record Fields(Map<String, String> fields, List<String> withheld, List<String> clauses) {}

  /** A decision: effect, the categories permitted, and why (rules and clauses). */
  public record Decision(String effect, List<String> permitted, List<String> rules, List<String> clauses, List<String> obligations) {
    public boolean permits() {
      return "permit".equals(effect);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String key;
  private final Duration timeout;
  private final int retries;
  private final Duration backoff;
  private final HttpClient http;

  private PlenaryClient(Builder b) {
    this.base = b.base;
    this.key = Objects.requireNonNull(b.key, "serviceKey == null");
    this.timeout = b.timeout;
    this.retries = b.retries;
    this.backoff = b.backoff;
    this.http = HttpClient.newBuilder().connectTimeout(b.timeout).build();
  }

  public static Builder builder(URI base) {
    return new Builder(base);
  }

  /** Registers a person for this service with the fields given; {@code password} may be null. */
  public Registration register(Map<String, ?> fields, String password) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("fields", fields);
    if (password != null) {
      body.put("password", password);
    }
    JsonNode r = call("POST", "/api/v1/subjects", body, false);
    return new Registration(r.get("id").asText(), strings(r.get("stored")), strings(r.get("declined")),
        JSON.convertValue(r.get("unavailable"), JSON.getTypeFactory().constructCollectionType(List.class, Map.class)));
  }

  /** Reads a person's fields for a purpose; all their fields when none are named. */
  public Fields read(String subjectId, String purpose, String... fields) {
    String q = "?purpose=" + enc(purpose) + (fields.length == 0 ? "" : "&fields=" + enc(String.join(",", fields)));
    JsonNode r = call("GET", "/api/v1/subjects/" + enc(subjectId) + q, null, true);
    Map<String, String> values = new LinkedHashMap<>();
    r.get("fields").properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
    return new Fields(values, strings(r.get("withheld")), strings(r.get("decision").get("clauses")));
  }

  /** Records usage events (each a map of subject or browser, type, page, …); up to 1000 per call. */
  public int recordEvents(List<Map<String, ?>> events) {
    if (events.isEmpty() || events.size() > 1000) {
      throw new IllegalArgumentException("events must hold 1 to 1000 events");
    }
    return call("POST", "/api/v1/events", Map.of("events", events), false).get("stored").asInt();
  }

  /**
   * Asks whether an action is permitted before taking it. The platform decides on its own facts (the
   * person's consents, the service's agreements, staff grants); a caller has none to give.
   */
  public Decision decide(String action, String purpose, String subjectId, List<String> categories) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("action", action);
    body.put("purpose", purpose);
    if (subjectId != null) {
      body.put("subject", subjectId);
    }
    body.put("categories", categories);
    JsonNode r = call("POST", "/api/v1/decisions", body, true);
    return new Decision(r.get("effect").asText(), strings(r.get("permitted")), strings(r.get("rules")), strings(r.get("clauses")), strings(r.get("obligations")));
  }

  // ---- transport ----

  private JsonNode call(String method, String path, Object body, boolean retryOnTimeout) {
    byte[] payload;
    try {
      payload = body == null ? null : JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("the request cannot be written as JSON: " + e.getMessage(), e);
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
        .header("Authorization", "Bearer " + key).header("Accept", "application/json");
    if (payload != null) {
      rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
    } else {
      rb.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpRequest request = rb.build();
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        if (attempt < retries) {
          pause(attempt, null);
          continue;
        }
        throw new PlenaryClientException(0, "unreachable", "the platform at " + base + " cannot be reached", e);
      } catch (HttpTimeoutException e) {
        if (retryOnTimeout && attempt < retries) {
          pause(attempt, null);
          continue;
        }
        throw new PlenaryClientException(0, "timeout", "the platform did not answer within " + timeout, e);
      } catch (IOException e) {
        throw new PlenaryClientException(0, "io", "the call to the platform failed: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PlenaryClientException(0, "interrupted", "interrupted while calling the platform", e);
      }
      int status = response.statusCode();
      if ((status == 503 || status == 429) && attempt < retries) {
        pause(attempt, response.headers().firstValue("Retry-After").orElse(null));
        continue;
      }
      if (status >= 200 && status < 300) {
        try {
          return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
          throw new PlenaryClientException(status, "malformed-answer", "the platform's answer is not JSON", e);
        }
      }
      throw problem(status, response.body());
    }
  }

  private static PlenaryClientException problem(int status, String body) {
    JsonNode p;
    try {
      p = JSON.readTree(body);
    } catch (IOException e) {
      return new PlenaryClientException(status, "http-" + status, "the platform answered " + status, null);
    }
    String type = p.path("type").asText("http-" + status);
    String detail = p.path("detail").asText("the platform answered " + status);
    if (status == 403 && type.endsWith("/policy-denied")) {
      return new PolicyDeniedException(detail, strings(p.get("clauses")), strings(p.get("rules")));
    }
    if (status == 400 && p.has("field")) {
      return new InvalidRequestException(detail, p.get("field").asText());
    }
    return new PlenaryClientException(status, type, detail, null);
  }

  private void pause(int attempt, String retryAfter) {
    long millis = backoff.toMillis() * (1L << Math.min(attempt, 6));
    millis += ThreadLocalRandom.current().nextLong(Math.max(1, millis / 2));
    if (retryAfter != null) {
      try {
        millis = Math.max(millis, Math.min(30, Long.parseLong(retryAfter.trim())) * 1000);
      } catch (NumberFormatException ignored) {
        // a date form: keep the back-off
      }
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlenaryClientException(0, "interrupted", "interrupted while waiting to retry", e);
    }
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Settings with their defaults: 5 s timeout, 3 retries, 100 ms first back-off. */
  public static final class Builder {
    private final URI base;
    private String key;
    private Duration timeout = Duration.ofSeconds(5);
    private int retries = 3;
    private Duration backoff = Duration.ofMillis(100);

    private Builder(URI base) {
      this.base = Objects.requireNonNull(base, "base == null");
    }

    public Builder serviceKey(String key) {
      this.key = key;
      return this;
    }

    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout <= 0");
      }
      this.timeout = timeout;
      return this;
    }

    public Builder retries(int retries) {
      if (retries < 0 || retries > 10) {
        throw new IllegalArgumentException("retries must be 0 to 10");
      }
      this.retries = retries;
      return this;
    }

    public Builder backoff(Duration backoff) {
      this.backoff = backoff;
      return this;
    }

    public PlenaryClient build() {
      return new PlenaryClient(this);
    }
  }
}
