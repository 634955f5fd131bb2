package org.vertxotp.genserver.sys;

import java.time.Duration;
import java.util.Optional;

/**
 * What a server did since it started, as OTP's {@code sys:statistics} gives it.
 *
 * @param startedAtMillis  when its init returned, in the toolkit clock's wall-clock milliseconds
 * @param messagesHandled  messages its callbacks handled (calls, casts, infos, continues)
 * @param callsAnswered    calls it answered, at once or later through a {@code From}
 * @param callbackTime     time spent in its callbacks while timing was on ({@link Sys#statistics(io.vertx.core.Vertx,
 *                         org.vertxotp.genserver.Destination, boolean)}), empty if it never was
 * @param dropped          casts and infos dropped at its full mailbox
 * @param refused          calls refused at its full mailbox
 */
public record ServerStatistics(long startedAtMillis, long messagesHandled, long callsAnswered,
                               Optional<Duration> callbackTime, long dropped, long refused) {
}
