package org.vertxotp.genserver;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;

/**
 * A test server driven by request words. Everything it sees, and its terminate reason, goes to
 * the events queue the test passes as init argument.
 *
 * <ul>
 *   <li>call {@code "echo:X"} replies X; {@code "get"} replies the count of handled calls</li>
 *   <li>call {@code "defer"} keeps the From; cast {@code "release:X"} answers every kept From with X</li>
 *   <li>call {@code "boom"} throws; call {@code "self"} calls itself, {@code "self-later"} from an
 *       async continuation (replying the failure kind); call {@code "stop:X"} stops
 *       normally replying X after terminate</li>
 *   <li>call {@code "slow:MS"} replies after MS milliseconds (async, holding the mailbox)</li>
 * </ul>
 */
final class Probe implements GenServer<BlockingQueue<Object>, Probe.State> {

  static final class State {
    final BlockingQueue<Object> events;
    final List<From> deferred = new ArrayList<>();
    int calls;

    State(BlockingQueue<Object> events) {
      this.events = events;
    }
  }

  private final Vertx vertx;

  Probe(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public InitResult<State> init(BlockingQueue<Object> events) {
    return ok(new State(events));
  }

  @Override
  public CallResult<State> handleCall(Object request, From from, State s) throws Exception {
    s.calls++;
    String word = (String) request;
    if (word.startsWith("echo:")) {
      return reply(word.substring(5), s);
    } else if (word.equals("get")) {
      return reply(s.calls, s);
    } else if (word.equals("defer")) {
      s.deferred.add(from);
      return noreply(s);
    } else if (word.equals("boom")) {
      throw new IllegalStateException("boom");
    } else if (word.equals("self")) {
      ServerRef me = GenServer.whereisLocal(vertx, ServerName.of("probe")).orElseThrow();
      s.events.add(GenServer.call(vertx, me, "get"));
      return reply("called", s);
    } else if (word.equals("self-later")) {
      // The self-call happens in a continuation, after the callback returned and while it holds the mailbox.
      return async(vertx.timer(1)
          .compose(t -> GenServer.<Object>call(vertx, GenServer.self(), "get"))
          .transform(ar -> Future.succeededFuture(reply(
              ar.failed() ? ((CallException) ar.cause()).failure() : "answered", s))));
    } else if (word.startsWith("stop:")) {
      return stop(ExitReason.normal(), word.substring(5), s);
    } else if (word.startsWith("slow:")) {
      long millis = Long.parseLong(word.substring(5));
      return async(vertx.timer(millis).map(t -> {
        s.events.add("handled " + word);
        return reply("slept", s);
      }));
    }
    return reject("unknown word " + word, s);
  }

  @Override
  public NoReplyResult<State> handleCast(Object message, State s) {
    String word = (String) message;
    if (word.startsWith("release:")) {
      String value = word.substring(8);
      for (From from : s.deferred) {
        from.reply(value);
        try {
          from.reply("again");
          s.events.add("second reply accepted");
        } catch (IllegalStateException expected) {
          s.events.add("second reply threw");
        }
      }
      s.deferred.clear();
      s.events.add("released");
    }
    return noreply(s);
  }

  @Override
  public void terminate(ExitReason reason, State s) {
    s.events.add(reason);
  }
}
