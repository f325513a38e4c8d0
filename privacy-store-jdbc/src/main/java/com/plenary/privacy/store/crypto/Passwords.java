package com.plenary.privacy.store.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashing with Argon2id (C6), slow on purpose: 19 MiB, 2 passes, 1 lane (OWASP's
 * minimum). Hashes are stored in the PHC string form, so the cost can be raised later and old hashes
 * still verify.
 */
public final class Passwords {
  public static final int MEMORY_KIB = 19_456;
  public static final int ITERATIONS = 2;
  public static final int PARALLELISM = 1;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private Passwords() {}

  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
    return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
  }

  /** True when {@code password} matches {@code encoded}; compares in constant time. */
  public static boolean verify(String password, String encoded) {
    try {
      String[] parts = encoded.split("\\$");
      if (parts.length != 6 || !parts[1].equals("argon2id")) {
        return false;
      }
      int m = 0;
      int t = 0;
      int p = 0;
      for (String kv : parts[3].split(",")) {
        String[] x = kv.split("=");
        switch (x[0]) {
          case "m" -> m = Integer.parseInt(x[1]);
          case "t" -> t = Integer.parseInt(x[1]);
          case "p" -> p = Integer.parseInt(x[1]);
          default -> {
            return false;
          }
        }
      }
      byte[] expected = B64D.decode(parts[5]);
      return MessageDigest.isEqual(expected, derive(password, B64D.decode(parts[4]), m, t, p));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** A hash computed and thrown away, so an unknown email costs the same time as a wrong password. */
  public static void burn(String password) {
    derive(password, new byte[16], MEMORY_KIB, ITERATIONS, PARALLELISM);
  }

  private static byte[] derive(String password, byte[] salt, int memory, int iterations, int parallelism) {
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withSalt(salt).withMemoryAsKB(memory).withIterations(iterations).withParallelism(parallelism).build());
    byte[] out = new byte[32];
    gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
