package org.vertxotp.genserver;

/**
 * A monitored server stopped (Erlang's {@code {'DOWN', Ref, process, Server, Reason}}): the
 * monitoring server receives it in {@code handleInfo}. {@code server} is the server's
 * {@link ServerRef}, or the name that was monitored if nobody held it; {@code reason} is its exit
 * reason, {@link ExitReason#NOPROC} if it was already gone when monitored, and
 * {@link ExitReason#KILLED} if it was killed.
 */
public record Down(MonitorRef monitor, Destination server, ExitReason reason) {
}
