package org.vertxotp.genserver.time;

/**
 * One timer started with {@link Timers#sendAfter} or {@link Timers#startTimer}, for
 * {@link Timers#cancelTimer} and {@link Timers#readTimer}. Opaque: compare it with
 * {@code equals} (identity), keep it in state, match it against {@link TimerTimeout#ref()}.
 * Only the toolkit creates them. One that crossed nodes arrives as a {@link PortableTimerRef}:
 * equal to every other copy that crossed, not to the original, and cancelled or read only on the
 * node that armed it, with the original.
 */
public interface TimerRef {
}
