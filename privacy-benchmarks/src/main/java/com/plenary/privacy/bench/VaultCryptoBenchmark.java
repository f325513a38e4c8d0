package com.plenary.privacy.bench;

import com.plenary.privacy.store.crypto.Keys;
import com.plenary.privacy.store.crypto.Passwords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the vault's cryptography, each against its bare baseline in the same run: sealing and
 * opening a field with a person's data key, unwrapping a data key, the blind index of an email, and
 * Argon2id apart from everything else (it is slow on purpose).
 *
 * <p>Run: {@code java -jar privacy-benchmarks/target/benchmarks.jar VaultCryptoBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VaultCryptoBenchmark {
  private Keys keys;
  private Keys.DataKey dataKey;
  private byte[] sealed;
  private byte[] wrapped;
  private String argonHash;

  @Setup
  public void setUp() throws Exception {
    keys = Keys.local(Files.createTempDirectory("plenary-bench-keys"));
    dataKey = keys.newDataKey("s-bench");
    wrapped = dataKey.wrapped();
    sealed = dataKey.seal("email", "ada.lovelace@example.org");
    argonHash = Passwords.hash("correct horse battery staple");
  }

  @Benchmark
  public byte[] sealField() {
    return dataKey.seal("email", "ada.lovelace@example.org");
  }

  @Benchmark
  public String openField() {
    return dataKey.open("email", sealed);
  }

  @Benchmark
  public Keys.DataKey unwrapDataKey() {
    return keys.open("s-bench", wrapped, 0);
  }

  @Benchmark
  public String blindIndex() {
    return keys.emailIndex("Ada.Lovelace@example.org");
  }

  /** The baseline: copying the value's bytes, the least any storage of it costs. */
  @Benchmark
  public byte[] bareCopy() {
    return "ada.lovelace@example.org".getBytes(StandardCharsets.UTF_8);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public boolean argon2idVerify() {
    return Passwords.verify("correct horse battery staple", argonHash);
  }
}
