package org.vertxotp.genserver.time;

import java.util.Objects;

/**
 * A {@link TimerRef} as it crosses nodes, in a {@link TimerTimeout} or any other message: the
 * node that armed the timer and the timer's number there. Copies of one timer's ref that crossed
 * nodes are equal to each other; the timer itself is cancelled and read on the node that armed
 * it, with the ref {@link Timers#startTimer} returned there.
 */
public record PortableTimerRef(String node, long sequence) implements TimerRef {
  public PortableTimerRef {
    Objects.requireNonNull(node, "node");
  }
}
