package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.Piped;

/**
 * Starts slow work (an HTTP request, say) for each call and answers at once: the work's outcome
 * comes back later as a message (pipe-to-self), so many pieces of work run at once while the
 * server keeps answering. Call {@code "results"} for what came back so far.
 */
public final class Fetcher implements GenServer<Function<String, Future<String>>, Fetcher.State> {

  /** The work to start per request, and the outcomes so far. */
  public static final class State {
    final Function<String, Future<String>> work;
    final List<String> results = new ArrayList<>();

    State(Function<String, Future<String>> work) {
      this.work = work;
    }
  }

  @Override
  public InitResult<State> init(Function<String, Future<String>> work) {
    return ok(new State(work));
  }

  // README: pipe-to-self
  @Override
  public CallResult<State> handleCall(Object request, From from, State s) {
    if ("results".equals(request)) {
      return reply(List.copyOf(s.results), s);
    }
    GenServer.pipeToSelf(s.work.apply((String) request), request); // returns at once: the mailbox stays free
    return reply("started", s);
  }

  @Override
  public NoReplyResult<State> handleInfo(Object message, State s) {
    if (message instanceof Piped.Succeeded done) {                 // the work's outcome, tagged with the request
      s.results.add(done.tag() + " -> " + done.value());
    } else if (message instanceof Piped.Failed failed) {
      s.results.add(failed.tag() + " failed: " + failed.cause().getMessage());
    }
    return noreply(s);
  }
  // README end
}
