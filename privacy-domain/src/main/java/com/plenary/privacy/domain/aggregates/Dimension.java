package com.plenary.privacy.domain.aggregates;

import com.plenary.privacy.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What an aggregate may group by, with the data category each one reads (C27). The person's
 * dimensions (country, age band) come from their registration; the others from the usage event.
 * Each is coarse by construction: an age band of ten years, a page's path without its query, the
 * browser and device families the collector parsed, the primary language tag, the day in UTC.
 */
public enum Dimension {
  COUNTRY("country", "user.demographic.country", true),
  AGE_BAND("age_band", "user.demographic.date_of_birth", true),
  LANGUAGE("language", "user.behavior.browsing_history", false),
  DEVICE_TYPE("device_type", "user.device", false),
  BROWSER("browser", "user.device", false),
  PAGE("page", "user.behavior.browsing_history", false),
  DAY("day", "user.behavior", false);

  /** The value of a dimension that the data does not give. */
  public static final String UNKNOWN = "unknown";

  private final String id;
  private final String category;
  private final boolean ofPerson;

  Dimension(String id, String category, boolean ofPerson) {
    this.id = id;
    this.category = category;
    this.ofPerson = ofPerson;
  }

  /** The name an API caller uses. */
  public String id() {
    return id;
  }

  /** The data category the dimension reads, which the enforcer decides on. */
  public String category() {
    return category;
  }

  /** Whether it is read from the person's registration rather than from the event. */
  public boolean ofPerson() {
    return ofPerson;
  }

  /**
   * The dimension's value for one event, from its opened details and the time it was received; only
   * for a dimension that is not {@link #ofPerson()}. Coarse: a family, a primary tag, a path, a day.
   */
  public String ofEvent(Map<String, Object> details, Instant receivedAt) {
    return switch (this) {
      case LANGUAGE -> details.get("language") instanceof String l && !l.isEmpty() ? l.split("-", 2)[0].toLowerCase(Locale.ROOT) : UNKNOWN;
      case BROWSER -> details.get("browser") instanceof String b && !b.isEmpty() ? b : UNKNOWN;
      case DEVICE_TYPE -> deviceType(details);
      case PAGE -> path(details.get("page"));
      case DAY -> LocalDate.ofInstant(receivedAt, ZoneOffset.UTC).toString();
      default -> throw new IllegalStateException(id + " is a person's dimension");
    };
  }

  /** The dimension's value for a person from their opened field ({@code country} or {@code birth_date}; null: not given) on {@code day}. */
  public String ofPerson(String value, LocalDate day) {
    if (value == null || value.isBlank()) {
      return UNKNOWN;
    }
    return switch (this) {
      case COUNTRY -> value.strip().toUpperCase(Locale.ROOT);
      case AGE_BAND -> ageBand(value, day);
      default -> throw new IllegalStateException(id + " is an event's dimension");
    };
  }

  /** The registration field a person's dimension reads. */
  public String field() {
    return switch (this) {
      case COUNTRY -> "country";
      case AGE_BAND -> "birth_date";
      default -> throw new IllegalStateException(id + " is an event's dimension");
    };
  }

  private static String ageBand(String birthDate, LocalDate day) {
    try {
      int years = Period.between(LocalDate.parse(birthDate.strip()), day).getYears();
      if (years < 0) {
        return UNKNOWN;
      }
      if (years >= 80) {
        return "80+";
      }
      int low = years / 10 * 10;
      return low + "-" + (low + 9);
    } catch (DateTimeParseException e) {
      return UNKNOWN;
    }
  }

  private static String deviceType(Map<String, Object> details) {
    String os = details.get("os") instanceof String o ? o : "";
    String device = details.get("device") instanceof String d ? d : "";
    if (device.equals("Spider")) {
      return "bot";
    }
    if (device.contains("iPad") || device.contains("Tablet") || device.contains("Kindle")) {
      return "tablet";
    }
    if (os.equals("iOS") || os.equals("Android") || device.equals("iPhone") || device.contains("Phone")) {
      return "mobile";
    }
    return os.isEmpty() && device.isEmpty() ? UNKNOWN : "desktop";
  }

  private static String path(Object page) {
    if (!(page instanceof String p)) {
      return UNKNOWN;
    }
    try {
      URI u = new URI(p);
      String host = u.getHost() == null ? "" : u.getHost().toLowerCase(Locale.ROOT);
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      return host + path;
    } catch (URISyntaxException e) {
      return UNKNOWN;
    }
  }

  /** The dimension named {@code id}; an {@link InvalidInputException} naming the dimensions there are otherwise. */
  public static Dimension of(String id) {
    for (Dimension d : values()) {
      if (d.id.equals(id)) {
        return d;
      }
    }
    throw new InvalidInputException("dimensions", "an aggregate groups by " + Arrays.stream(values()).map(Dimension::id).collect(Collectors.joining(", ")));
  }
}
