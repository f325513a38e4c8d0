package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.ParsedSql;
import org.junit.jupiter.api.Test;

class SqlListsTest {
  @Test
  void writesOnlyPlainIdentifiersSoNothingACallerSendsChangesTheStatement() {
    assertThat(SqlLists.literals(List.of("s-6f1c2b9e-0000-4000-8000-000000000001", "ab12:c_d.e", "s-6f1c2b9e-0000-4000-8000-000000000001")))
        .isEqualTo("'s-6f1c2b9e-0000-4000-8000-000000000001','ab12:c_d.e'");
    assertThat(SqlLists.literals(List.of("x') OR 1=1 --", "a b", "é", "", "x".repeat(101)))).isEqualTo("NULL");
  }

  @Test
  void theParserFindsNamedParametersAndPassesOverQuotedTextAndCasts() {
    ParsedSql parsed = SqlLists.PARSER.parse("SELECT a FROM t WHERE k = :k AND id IN ('a:b',':c') AND \"x:y\"::text = :since_1", null);
    assertThat(parsed.getSql()).isEqualTo("SELECT a FROM t WHERE k = ? AND id IN ('a:b',':c') AND \"x:y\"::text = ?");
    assertThat(parsed.getParameters().getParameterNames()).containsExactly("k", "since_1");
    assertThat(SqlLists.PARSER.parse("SELECT 1", null).getSql()).isEqualTo("SELECT 1");
  }

  @Test
  void aQueryWithALiteralListFindsItsRowsAndBindsItsParameters() {
    Jdbi jdbi = Jdbi.create("jdbc:h2:mem:sqllists" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    List<String> found = jdbi.withHandle(h -> {
      h.execute("CREATE TABLE t (id VARCHAR(40), k VARCHAR(10))");
      h.execute("INSERT INTO t VALUES ('a:1', 'x'), ('b:2', 'x'), ('c:3', 'y'), ('d:4', 'x')");
      return SqlLists.query(h, "SELECT id FROM t WHERE k = :k AND id IN (<ids>) ORDER BY id", "ids", List.of("a:1", "c:3", "d:4", "x' OR '1'='1"))
          .bind("k", "x").mapTo(String.class).list();
    });
    assertThat(found).containsExactly("a:1", "d:4");
  }
}
