package com.plenary.privacy.domain.subjects;

/**
 * Named points in multi-step operations where a test may stop the process dead, to prove that a crash
 * there leaves a state the next start completes. Off unless the JVM is started with
 * {@code -Dplenary.failpoint=NAME}; then reaching NAME halts the JVM at once (no shutdown hooks, as
 * {@code kill -9} would), with exit status 137.
 */
final class Failpoints {
  private static final String ARMED = System.getProperty("plenary.failpoint");

  private Failpoints() {}

  static void reach(String name) {
    if (ARMED != null && ARMED.equals(name)) {
      Runtime.getRuntime().halt(137);
    }
  }
}
