package com.plenary.privacy.domain.subjects;

import com.plenary.privacy.InvalidInputException;
import com.plenary.privacy.policy.Field;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a registration value against its field's type and length. Messages name the field, never the value. */
final class FieldValues {
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 ()./-]{3,31}");
  private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

  private FieldValues() {}

  static String check(Field field, Object raw) {
    String name = field.name();
    if (!(raw instanceof String value)) {
      throw new InvalidInputException(name, "the field '" + name + "' must be a text");
    }
    if (value.isBlank()) {
      throw new InvalidInputException(name, "the field '" + name + "' is empty");
    }
    if (value.codePointCount(0, value.length()) > field.max()) {
      throw new InvalidInputException(name, "the field '" + name + "' is longer than " + field.max() + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c) && c != '\n' || Character.isSurrogate(c) && !validSurrogate(value, i)) {
        throw new InvalidInputException(name, "the field '" + name + "' holds a control character or broken text");
      }
    }
    String v = value.strip();
    switch (field.type()) {
      case "email" -> {
        if (!EMAIL.matcher(v).matches()) {
          throw new InvalidInputException(name, "the field '" + name + "' must be an email address");
        }
      }
      case "phone" -> {
        if (!PHONE.matcher(v).matches()) {
          throw new InvalidInputException(name, "the field '" + name + "' must be a telephone number of digits, spaces and + ( ) . / -");
        }
      }
      case "date" -> {
        try {
          LocalDate d = LocalDate.parse(v);
          if (d.getYear() < 1900 || d.isAfter(LocalDate.now())) {
            throw new InvalidInputException(name, "the field '" + name + "' must be a date between 1900 and today");
          }
        } catch (DateTimeParseException e) {
          throw new InvalidInputException(name, "the field '" + name + "' must be a date such as 1990-04-30");
        }
      }
      case "country" -> {
        if (!COUNTRIES.contains(v.toUpperCase(Locale.ROOT)) || v.length() != 2) {
          throw new InvalidInputException(name, "the field '" + name + "' must be a two-letter ISO 3166 country code");
        }
        v = v.toUpperCase(Locale.ROOT);
      }
      default -> {
        // text: length and characters checked above
      }
    }
    if (field.type().equals("text") && value.indexOf('\n') >= 0) {
      throw new InvalidInputException(name, "the field '" + name + "' must be a single line");
    }
    return v;
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
