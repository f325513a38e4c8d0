package com.plenary.privacy.domain.messages;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-service limit of messages queued a minute (C16): a sliding window of the last minute for each
 * service. {@link #take} grants at most what is left of the window, atomically, so concurrent sends of
 * one service cannot pass the limit together; what a send took and then did not queue (refused by
 * a later rule, or a transaction that failed before it decided) it {@link #giveBack gives back}.
 *
 * <p>The window lives in this process: with several servers on one database each holds its own, so a
 * service can queue up to the limit at each of them. Thread-safe.
 */
final class ServiceRate {
  private static final Duration WINDOW = Duration.ofMinutes(1);

  private final int limit;
  private final Map<String, Window> windows = new HashMap<>();

  ServiceRate(int limit) {
    this.limit = limit;
  }

  int limit() {
    return limit;
  }

  /** Takes up to {@code wanted} of what is left of the service's minute at {@code now}; answers how many it took. */
  synchronized int take(String service, int wanted, Instant now) {
    Window w = windows.computeIfAbsent(service, s -> new Window());
    w.expire(now);
    int granted = (int) Math.max(0, Math.min(wanted, limit - w.used));
    if (granted > 0) {
      w.add(now, granted);
    }
    return granted;
  }

  /** Gives back {@code n} that a send took and did not queue. */
  synchronized void giveBack(String service, int n) {
    Window w = windows.get(service);
    if (w != null && n > 0) {
      w.takeBack(n);
    }
  }

  /** The messages a service took within the last minute, as (time, count) steps, oldest first. */
  private static final class Window {
    private final Deque<long[]> steps = new ArrayDeque<>();
    private long used;

    void add(Instant at, int n) {
      steps.addLast(new long[] {at.toEpochMilli(), n});
      used += n;
    }

    /** Takes {@code n} off the newest steps, so that what is given back leaves the window when what it took does. */
    void takeBack(long n) {
      for (var it = steps.descendingIterator(); it.hasNext() && n > 0;) {
        long[] step = it.next();
        long d = Math.min(step[1], n);
        step[1] -= d;
        used -= d;
        n -= d;
      }
    }

    void expire(Instant now) {
      long from = now.minus(WINDOW).toEpochMilli();
      while (!steps.isEmpty() && steps.peekFirst()[0] <= from) {
        used -= steps.pollFirst()[1];
      }
    }
  }
}
