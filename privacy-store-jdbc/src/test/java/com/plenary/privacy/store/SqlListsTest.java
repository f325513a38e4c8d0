package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SqlListsTest {
  @Test
  void writesOnlyPlainIdentifiersSoNothingACallerSendsChangesTheStatement() {
    assertThat(SqlLists.literals(List.of("s-6f1c2b9e-0000-4000-8000-000000000001", "ab12:c_d.e", "s-6f1c2b9e-0000-4000-8000-000000000001")))
        .isEqualTo("'s-6f1c2b9e-0000-4000-8000-000000000001','ab12:c_d.e'");
    assertThat(SqlLists.literals(List.of("x') OR 1=1 --", "a b", "é", "", "x".repeat(101)))).isEqualTo("NULL");
  }
}
