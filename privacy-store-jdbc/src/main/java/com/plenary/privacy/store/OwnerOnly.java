package com.plenary.privacy.store;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps the platform's files its owner's only, whatever the umask: directories {@code rwx------},
 * files {@code rw-------}. On a file system without POSIX permissions every method does nothing
 * (the directory's own protection applies there).
 */
public final class OwnerOnly {
  private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private OwnerOnly() {}

  /** Creates {@code dir} (and missing parents, which keep the umask's permissions) owner-only, or makes an existing one so. */
  public static Path directory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      if (dir.getParent() != null) {
        Files.createDirectories(dir.getParent());
      }
      if (POSIX) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
      } else {
        Files.createDirectory(dir);
      }
    }
    if (POSIX) {
      Files.setPosixFilePermissions(dir, DIRECTORY);
    }
    return dir;
  }

  /**
   * Makes {@code path} owner-only when it exists: a directory and everything in it, or a file.
   * Symbolic links are not followed; a file that goes while this runs (a journal segment another
   * process has applied) is passed over.
   */
  public static void tighten(Path path) throws IOException {
    if (!POSIX || Files.isSymbolicLink(path) || !Files.exists(path)) {
      return;
    }
    try {
      boolean dir = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
      Files.setPosixFilePermissions(path, dir ? DIRECTORY : FILE);
      if (dir) {
        List<Path> children;
        try (Stream<Path> list = Files.list(path)) {
          children = list.toList();
        }
        for (Path child : children) {
          tighten(child);
        }
      }
    } catch (NoSuchFileException gone) {
      // removed meanwhile: nothing to protect
    }
  }

  /** The attributes that create a file owner-only ({@code Files.createFile}, {@code FileChannel.open}); none off POSIX. */
  public static FileAttribute<?>[] fileAttributes() {
    return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
  }
}
