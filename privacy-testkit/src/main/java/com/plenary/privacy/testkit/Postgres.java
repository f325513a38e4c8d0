package com.plenary.privacy.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh PostgreSQL schema for one test class, dropped when closed. The server comes from
 * {@code PLENARY_TEST_PG_URL} (default {@code jdbc:postgresql://127.0.0.1:5432/test}, user {@code
 * PLENARY_TEST_PG_USER} or {@code postgres}). Where it cannot be reached the tests are skipped with a
 * message naming that setting, except under {@code CI=true}, where they fail: CI never passes without
 * running them.
 */
public final class Postgres implements AutoCloseable {
  public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

  private final String baseUrl;
  private final String user;
  private final String schema;

  private Postgres(String baseUrl, String user, String schema) {
    this.baseUrl = baseUrl;
    this.user = user;
    this.schema = schema;
  }

  /** Creates the schema, or skips (fails under CI) when PostgreSQL is unreachable. */
  public static Postgres freshSchema() {
    String url = env("PLENARY_TEST_PG_URL", DEFAULT_URL);
    String user = env("PLENARY_TEST_PG_USER", "postgres");
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(url, user, env("PLENARY_TEST_PG_PASSWORD", ""));
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + url + " (" + e.getMessage()
          + "); set PLENARY_TEST_PG_URL (and PLENARY_TEST_PG_USER) to a reachable server";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(message + "; under CI=true the PostgreSQL tests must run", e);
      }
      Assumptions.abort(message);
    }
    return new Postgres(url, user, schema);
  }

  /** A JDBC URL whose connections use the fresh schema. */
  public String url() {
    return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  public String user() {
    return user;
  }

  public String schema() {
    return schema;
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(baseUrl, user, env("PLENARY_TEST_PG_PASSWORD", ""));
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot drop the test schema " + schema + ": " + e.getMessage(), e);
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
