package com.plenary.privacy.server;

import com.plenary.privacy.testkit.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/** Versions of Plenary's policy for the tests of policy versions (C36), made from the shipped file. */
final class PolicyTexts {
  private PolicyTexts() {}

  static String shipped() throws IOException {
    return Files.readString(Repo.policyFile(), StandardCharsets.UTF_8);
  }

  /** The shipped policy as version {@code n}, with nothing changed. */
  static String same(int n) throws IOException {
    return shipped().replaceFirst("(?m)^version: 1$", "version: " + n);
  }

  /** Version {@code n}: a new purpose, {@code personalise}, that Plenary Mail declares. */
  static String withNewPurpose(int n) throws IOException {
    String s = same(n);
    s = s.replaceFirst("(?m)^  - id: develop\n", "  - id: personalise\n    text: Personalising what our services show you\n    clauses: [C15, C36]\n  - id: develop\n");
    return s.replace("    purposes: [provide, communicate, technical, improve, convenience]\n    required: [email, name]",
        "    purposes: [provide, communicate, technical, improve, convenience, personalise]\n    required: [email, name]");
  }
}
