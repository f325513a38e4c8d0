package com.plenary.privacy.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file kept beside the audit tables (C29), written by several logs at once. */
class AuditCheckpointsTest {
  @TempDir
  Path dataDir;

  /**
   * Two nodes of one process (as in the tests of several nodes) share a data directory: their logs append to one checkpoint file at
   * the same moments. A file lock belongs to the whole process, so the second one's lock would fail at once rather than wait; each
   * append must wait its turn, and every checkpoint lands, the file ending at the largest size either signed.
   */
  @Test
  void C29_twoLogsOfOneProcessAppendToOneCheckpointFileAtOnceAndNeitherFails() throws Exception {
    Path keys = dataDir.resolve("keys");
    AuditCheckpoints first = AuditCheckpoints.open(keys, dataDir);
    AuditCheckpoints second = AuditCheckpoints.open(keys, dataDir);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch start = new CountDownLatch(1);
    int rounds = 400;
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (AuditCheckpoints log : List.of(first, second)) {
        runs.add(pool.submit(() -> {
          start.await();
          for (int size = 1; size <= rounds; size++) {
            log.record(size, new byte[32]);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> run : runs) {
        run.get(60, TimeUnit.SECONDS); // an OverlappingFileLockException of either log fails the test here
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(Files.exists(dataDir.resolve(AuditCheckpoints.LOG_FILE))).isTrue();
    List<AuditCheckpoints.Signed> all = AuditCheckpoints.open(keys, dataDir).all();
    assertThat(all).isNotEmpty().allSatisfy(s -> assertThat(s.problem()).isNull());
    assertThat(all.get(all.size() - 1).checkpoint().size()).isEqualTo(rounds);
    // appended in turn, never a smaller tree after a larger one
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).checkpoint().size()).isGreaterThan(all.get(i - 1).checkpoint().size());
    }
  }
}
