package com.plenary.privacy.kafka;

import com.plenary.privacy.platform.Config;
import com.plenary.privacy.platform.Platform;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * A consumer of the group in a process of its own, as {@code plenary ingest} runs it, for a test to
 * kill with SIGKILL: its arguments are {@code key=value} settings. It prints {@code ingesting} once it
 * has joined and runs until it is killed.
 */
public final class IngestProcess {
  private IngestProcess() {
  }

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> settings = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      settings.put(a.substring(0, eq), a.substring(eq + 1));
    }
    Platform platform = Platform.open(Config.load(null, Map.of(), settings), Clock.systemUTC());
    platform.eventStream().orElseThrow().ingest(platform.vault().usage());
    System.out.println("ingesting");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
