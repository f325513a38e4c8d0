package com.plenary.privacy.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the repository, found from any module's working directory. */
public final class Repo {
  private Repo() {}

  /** The repository root: the nearest folder upwards that holds {@code policies/plenary.yaml}. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve("policies/plenary.yaml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("cannot find the repository root (policies/plenary.yaml) above " + Path.of("").toAbsolutePath());
  }

  public static Path policyFile() {
    return root().resolve("policies/plenary.yaml");
  }
}
