package com.plenary.privacy.server.internal;

import com.plenary.privacy.PlenaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fingerprints of the key files every node must share (the blind-index, token-issuer, form-token,
 * audit-checkpoint, unsubscribe and webhook keys): the SHA-256 of each file in the key directory, by
 * name. Left out: the master key's keyset ({@code master.json}, which {@code plenary keys rotate}
 * changes in place and whose mismatch the other keys, made with it, reveal), the embedded key store's
 * database files and temporary files. A SHA-256 of a random key says nothing of the key.
 */
public final class SharedKeys {
  private SharedKeys() {}

  public static Map<String, String> fingerprints(Path keyDir) {
    Map<String, String> out = new TreeMap<>();
    if (!Files.isDirectory(keyDir)) {
      return out;
    }
    try (var files = Files.list(keyDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || name.equals("master.json") || name.startsWith("keystore") || name.endsWith(".tmp")
            || name.endsWith(".lock")) {
          continue;
        }
        out.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    } catch (IOException e) {
      throw new PlenaryException("cannot read the key files in " + keyDir + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
