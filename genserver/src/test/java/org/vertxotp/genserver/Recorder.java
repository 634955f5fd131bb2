package org.vertxotp.genserver;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Queue;

/**
 * A test server that records every info message it receives (Downs included) in the queue the
 * test passes as init argument, and on request monitors, sends, holds its mailbox or stops.
 */
final class Recorder implements GenServer<Queue<Object>, Queue<Object>> {

  /** Monitors {@code target}; replies the monitor. */
  record Watch(Destination target) {}

  /** Sends {@code count} numbered infos to {@code to}, then stops normally replying "sent". */
  record SendThenStop(Destination to, int count) {}

  /** Holds the mailbox until {@code until} completes. */
  record Hold(Promise<Void> until) {}

  /** Replies the context its callbacks run on. */
  record WhereAmI() {}

  /** Starts another recorder (its own verticle) recording into {@code events}; replies its ref. */
  record Spawn(Queue<Object> events) {}

  private final Vertx vertx;

  Recorder(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<Queue<Object>> init(Queue<Object> events) {
    return ok(events);
  }

  @Override
  public CallResult<Queue<Object>> handleCall(Object request, From from, Queue<Object> events) {
    if (request instanceof Watch watch) {
      return reply(Monitors.monitor(vertx, watch.target()), events);
    } else if (request instanceof SendThenStop send) {
      for (int i = 0; i < send.count(); i++) {
        GenServer.send(vertx, send.to(), i);
      }
      return stop(ExitReason.normal(), "sent", events);
    } else if (request instanceof Hold hold) {
      return async(hold.until().future().map(v -> reply("held", events)));
    } else if (request instanceof WhereAmI) {
      return reply(Vertx.currentContext(), events);
    } else if (request instanceof Spawn spawn) {
      return async(GenServer.start(vertx, new Recorder(vertx), spawn.events()).map(ref -> reply(ref, events)));
    }
    return reject("unknown " + request, events);
  }

  @Override
  public NoReplyResult<Queue<Object>> handleInfo(Object message, Queue<Object> events) {
    events.add(message);
    return noreply(events);
  }
}
