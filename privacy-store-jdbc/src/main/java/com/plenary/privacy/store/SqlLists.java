package com.plenary.privacy.store;

import java.sql.SQLException;
import java.util.Collection;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.ParsedSql;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlParser;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.Update;
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
  /** Whether {@code h} speaks to PostgreSQL (else H2), for the few statements the two write differently. */
  static boolean postgres(Handle h) {
    try {
      return h.getConnection().getMetaData().getDatabaseProductName().equals("PostgreSQL");
    } catch (SQLException e) {
      throw new StoreException("the database did not say what it is", e);
    }
  }

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

  /**
   * A query whose {@code <name>} is the IN list of {@code values} written as literals, read with {@link
   * #PARSER}: Jdbi's own statement parser would lex every such statement — always a new one, tens of
   * kilobytes for a bulk send's thousand people — and keep it in its cache.
   */
  static Query query(Handle h, String sql, String name, Collection<String> values) {
    return h.createQuery(sql).define(name, literals(values)).configure(SqlStatements.class, c -> c.setSqlParser(PARSER));
  }

  /** {@link #query} for an update: its {@code <name>} the IN list of {@code values} written as literals. */
  static Update update(Handle h, String sql, String name, Collection<String> values) {
    return h.createUpdate(sql).define(name, literals(values)).configure(SqlStatements.class, c -> c.setSqlParser(PARSER));
  }

  /**
   * Finds the {@code :name} parameters of a statement in one pass over its characters, caching
   * nothing: quoted strings and identifiers are passed over, and so is PostgreSQL's {@code ::} cast.
   */
  static final SqlParser PARSER = new SqlParser() {
    @Override
    public ParsedSql parse(String sql, StatementContext ctx) {
      ParsedSql.Builder out = ParsedSql.builder();
      int n = sql.length();
      int from = 0;
      int i = 0;
      while (i < n) {
        char c = sql.charAt(i);
        if (c == '\'' || c == '"') {
          int end = sql.indexOf(c, i + 1);
          i = end < 0 ? n : end + 1;
        } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
          i += 2;
        } else if (c == ':' && i + 1 < n && Character.isJavaIdentifierStart(sql.charAt(i + 1))) {
          int end = i + 1;
          while (end < n && Character.isJavaIdentifierPart(sql.charAt(end))) {
            end++;
          }
          out.append(sql.substring(from, i)).appendNamedParameter(sql.substring(i + 1, end));
          from = end;
          i = end;
        } else {
          i++;
        }
      }
      return out.append(sql.substring(from)).build();
    }

    @Override
    public String nameParameter(String rawName, StatementContext ctx) {
      return ":" + rawName;
    }
  };

  /** The plain values among {@code values}, quoted and separated by commas; {@code NULL} (which matches nothing) when there is none. */
  static String literals(Collection<String> values) {
    String out = values.stream().filter(SqlLists::plain).distinct().map(v -> "'" + v + "'").collect(Collectors.joining(","));
    return out.isEmpty() ? "NULL" : out;
  }
}
