package com.plenary.privacy.store;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * The values of an {@code IN (…)} list written into the SQL as literals, for the look-ups of a whole
 * group at once (a bulk send's thousand people). H2 evaluates an {@code IN} list of parameters by
 * comparing each row with every parameter, a thousand comparisons a row; a list of literals it
 * turns into a hash set. Only plain identifiers are written — people's ids, hashes — checked by
 * {@link #plain}: a value with any other character can name no row, so it is left out, and nothing a
 * caller sends can change the statement.
 */
final class SqlLists {
  private SqlLists() {}

  /** Whether {@code v} may be written into a statement: 1 to 100 ASCII letters, digits, {@code . _ : -}. */
  static boolean plain(String v) {
    if (v == null || v.isEmpty() || v.length() > 100) {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** The plain values among {@code values}, quoted and separated by commas; {@code NULL} (which matches nothing) when there is none. */
  static String literals(Collection<String> values) {
    String out = values.stream().filter(SqlLists::plain).distinct().map(v -> "'" + v + "'").collect(Collectors.joining(","));
    return out.isEmpty() ? "NULL" : out;
  }
}
