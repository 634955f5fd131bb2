package org.vertxotp.genserver.time;

/**
 * What a timer started with {@link Timers#startTimer} delivers to {@code handleInfo} (Erlang's
 * {@code {timeout, TimerRef, Msg}}).
 */
public record TimerTimeout(TimerRef ref, Object message) {
}
