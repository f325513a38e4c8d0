package com.plenary.privacy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory and everything in it is its owner's only (C29): directories 0700, files 0600, whatever the umask. */
class FilePermissionsTest {
  @TempDir
  Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static void assertOwnerOnly(Path dataDir) throws Exception {
    List<Path> all;
    try (Stream<Path> s = Files.walk(dataDir)) {
      all = s.toList();
    }
    assertThat(all).contains(dataDir.resolve("plenary.mv.db"), dataDir.resolve("keys").resolve("keystore.mv.db"));
    for (Path p : all) {
      if (Files.isDirectory(p)) {
        assertThat(mode(p)).as("%s", p).isEqualTo("rwx------");
      } else {
        assertThat(mode(p)).as("%s", p).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void C29_aNewDataDirectoryAndItsFilesAreTheOwnersOnly() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "a POSIX file system");
    Path dataDir = tmp.resolve("data");
    try (Running running = new Running(Map.of("data_dir", dataDir.toString()))) {
      assertThat(running.get("/health/ready").statusCode()).isEqualTo(200);
      assertOwnerOnly(dataDir);
    }
  }

  @Test
  void C29_aStartTightensADataDirectoryLeftReadableByOthers() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "a POSIX file system");
    Path dataDir = tmp.resolve("data");
    new Running(Map.of("data_dir", dataDir.toString())).close();
    try (Stream<Path> s = Files.walk(dataDir)) {
      for (Path p : s.toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    try (Running running = new Running(Map.of("data_dir", dataDir.toString()))) {
      assertThat(running.get("/health/ready").statusCode()).isEqualTo(200);
      assertOwnerOnly(dataDir);
    }
  }
}
