package org.vertxotp.bench;

import java.lang.management.ManagementFactory;

/** Heap in use after collecting: the lowest of five readings, each after a full GC and a pause. */
final class Heap {

  private Heap() {
  }

  static long used() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
