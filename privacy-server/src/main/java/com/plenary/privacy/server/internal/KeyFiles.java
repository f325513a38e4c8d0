package com.plenary.privacy.server.internal;

import com.plenary.privacy.PlenaryException;
import com.plenary.privacy.store.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Base64;

/** The server's own 256-bit keys, one owner-only file each in the key directory, made the first time they are needed. */
final class KeyFiles {
  private KeyFiles() {}

  /**
   * The key in {@code keyDir/name}, made the first time. A key another process made meanwhile wins: what
   * it signed (links in people's mail, tokens on pages) is already out, so it is never written over.
   */
  static byte[] loadOrCreate(Path keyDir, String name, String what) {
    Path file = keyDir.resolve(name);
    try {
      if (!Files.isRegularFile(file)) {
        OwnerOnly.directory(keyDir);
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        Path tmp = Files.createTempFile(keyDir, name, ".tmp", OwnerOnly.fileAttributes());
        Files.writeString(tmp, Base64.getEncoder().encodeToString(raw), StandardCharsets.US_ASCII);
        try {
          Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException made) {
          // theirs is the key
        } catch (UnsupportedOperationException | FileSystemException noLinks) {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      if (key.length < 32) {
        throw new PlenaryException("the " + what + " key at " + file + " is shorter than 256 bits");
      }
      return key;
    } catch (IOException | IllegalArgumentException e) {
      throw new PlenaryException("cannot load or create the " + what + " key at " + file + ": " + e.getMessage(), e);
    }
  }
}
