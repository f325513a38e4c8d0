package com.plenary.privacy.policy;

import java.util.List;

/**
 * A purpose of processing (C15). Purposes form a tree by their dotted ids: a rule on {@code
 * communicate} covers {@code communicate.marketing}. A purpose that is not {@code listed} is not one
 * of the policy's purposes; it is declared only so that prohibitions can name it.
 *
 * @param since the policy version that introduced it: people who accepted an older version must
 *     consent afresh before it applies to them (C36)
 */
public record Purpose(String id, String text, boolean listed, int since, List<String> clauses) {
  public Purpose {
    clauses = List.copyOf(clauses);
  }
}
