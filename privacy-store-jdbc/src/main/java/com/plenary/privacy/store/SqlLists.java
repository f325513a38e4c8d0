package com.plenary.privacy.store;

import java.util.Collection;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The values of an {@code IN (…)} list written into the SQL as literals, for the look-ups of a whole
 * group at once (a bulk send's thousand people). H2 evaluates an {@code IN} list of parameters by
 * comparing each row with every parameter, a thousand comparisons a row; a list of literals it
 * turns into a hash set. Only plain identifiers are written — people's ids, hashes — checked against
 * {@link #PLAIN}: a value with any other character can name no row, so it is left out, and nothing a
 * caller sends can change the statement.
 */
final class SqlLists {
  /** What a value must look like to be written into a statement: letters, digits, {@code . _ : -}. */
  static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

  private SqlLists() {}

  /** The plain values among {@code values}, quoted and separated by commas; {@code NULL} (which matches nothing) when there is none. */
  static String literals(Collection<String> values) {
    String out = values.stream().filter(v -> v != null && PLAIN.matcher(v).matches()).distinct().map(v -> "'" + v + "'").collect(Collectors.joining(","));
    return out.isEmpty() ? "NULL" : out;
  }
}
