package org.vertxotp.examples;

import static org.vertxotp.genserver.Results.*;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallResult;
import org.vertxotp.genserver.ExitReason;
import org.vertxotp.genserver.From;
import org.vertxotp.genserver.GenServer;
import org.vertxotp.genserver.InitResult;
import org.vertxotp.genserver.NodeStats;
import org.vertxotp.genserver.NoReplyResult;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.Timeout;
import org.vertxotp.genserver.WireFormat;
import org.vertxotp.genserver.supervisor.ChildSpec;
import org.vertxotp.genserver.supervisor.Supervisor;
import org.vertxotp.genserver.supervisor.SupervisorSpec;
import org.vertxotp.genserver.time.Timers;

/**
 * A gen_server tour, on one embedded Vert.x node: a job queue as a supervised gen_server. Workers ask
 * for a job with a call; when the queue is empty the server keeps their {@link From} and answers
 * when a job is cast in (a deferred reply). A job can be scheduled with a timer; an idle timeout
 * reports when nothing happened for a while; a plain Vert.x request reads the queue over the
 * documented JSON wire format; a bad request crashes the server, its waiting callers fail at once,
 * and its supervisor starts a fresh one under the same name.
 *
 * <p>{@code java -cp examples/target/examples.jar org.vertxotp.examples.JobQueueDemo}
 */
public final class JobQueueDemo {

  /** State: jobs waiting for a worker, and workers waiting for a job. */
  record Queue(Deque<String> jobs, Deque<From> idleWorkers) {}

  static final class JobQueue implements GenServer<Void, Queue> {
    static final Duration IDLE = Duration.ofMillis(300);

    @Override
    public InitResult<Queue> init(Void args) {
      return ok(new Queue(new ArrayDeque<>(), new ArrayDeque<>()), IDLE);
    }

    @Override
    public CallResult<Queue> handleCall(Object request, From from, Queue q) {
      if ("take".equals(request)) {
        if (q.jobs().isEmpty()) {
          q.idleWorkers().add(from);
          return noreply(q, IDLE); // answer later, when a job arrives
        }
        return reply(q.jobs().poll(), q, IDLE);
      }
      if (request instanceof JsonObject json && "size".equals(json.getString("op"))) {
        return reply(new JsonObject().put("jobs", q.jobs().size()).put("idleWorkers", q.idleWorkers().size()), q, IDLE);
      }
      if ("poison".equals(request)) {
        throw new IllegalStateException("poisoned job queue");
      }
      return reject("unknown request " + request, q);
    }

    @Override
    public NoReplyResult<Queue> handleCast(Object job, Queue q) {
      From worker = q.idleWorkers().poll();
      if (worker != null) {
        worker.reply(job);
      } else {
        q.jobs().add((String) job);
      }
      return noreply(q, IDLE);
    }

    @Override
    public NoReplyResult<Queue> handleInfo(Object message, Queue q) {
      if (message instanceof Timeout) {
        System.out.println("  [jobs] idle for " + IDLE.toMillis() + " ms with " + q.jobs().size() + " jobs queued");
        return noreply(q);
      }
      System.out.println("  [jobs] the scheduled job '" + message + "' arrived");
      return handleCast(message, q); // a job delivered by a timer
    }

    @Override
    public void terminate(ExitReason reason, Queue q) {
      System.out.println("  [jobs] terminate(" + reason + ") with " + q.idleWorkers().size() + " workers waiting");
    }
  }

  /** Keeps a strong reference: JUL forgets the configuration of loggers nobody holds. */
  private static final Logger REPORTS = Logger.getLogger("org.vertxotp.genserver.report");

  public static void main(String[] args) {
    showReportsAsNarration();
    Vertx vertx = Vertx.vertx();
    ServerName jobs = ServerName.of("jobs");
    try {
      run(vertx, jobs).await();
      System.out.println("demo finished");
    } catch (Throwable t) {
      System.out.println("demo failed: " + t);
      System.exit(1);
    } finally {
      vertx.close().await();
    }
  }

  /**
   * The toolkit writes crash reports (OTP's error reports) to the logger
   * {@code org.vertxotp.genserver.report}. The demo crashes a server on purpose, so it prints
   * that report as part of its story instead of as an error log line.
   */
  private static void showReportsAsNarration() {
    REPORTS.setUseParentHandlers(false);
    REPORTS.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        System.out.println("   [crash report] " + record.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    });
  }

  private static Future<Void> run(Vertx vertx, ServerName jobs) {
    System.out.println("1. a supervisor starts the job queue as '" + jobs + "'");
    SupervisorSpec tree = SupervisorSpec.oneForOne(ChildSpec.worker("jobs", JobQueue::new, (Void) null).withName(jobs.name()));
    return Supervisor.start(vertx, tree)
        .compose(supervisor -> {
          System.out.println("   started " + GenServer.whereisLocal(vertx, jobs).orElseThrow() + " under " + supervisor);
          System.out.println("2. a worker asks for a job before there is one: its reply is deferred");
          Future<String> waiting = GenServer.call(vertx, jobs, "take");
          GenServer.cast(vertx, jobs, "resize-image-17");
          return waiting;
        })
        .compose(job -> {
          System.out.println("   worker got '" + job + "' as soon as it was cast in");
          System.out.println("3. a job scheduled with Timers.sendAfter arrives 200 ms later");
          Timers.sendAfter(vertx, Duration.ofMillis(200), jobs, "send-mail-5");
          GenServer.cast(vertx, jobs, "send-mail-4");
          return vertx.timer(250);
        })
        .compose(t -> {
          System.out.println("4. a plain Vert.x request reads the queue over the JSON wire format");
          return vertx.eventBus().request(jobs.address(), new JsonObject().put("op", "size"),
              new DeliveryOptions().addHeader(WireFormat.KIND_HEADER, WireFormat.KIND_CALL));
        })
        .compose(msg -> {
          System.out.println("   reply: " + msg.body());
          System.out.println("5. nothing happens for a while: the idle timeout fires once");
          return vertx.timer(500);
        })
        .compose(t -> {
          System.out.println("6. a poisoned request crashes the server; a waiting worker fails at once");
          GenServer.call(vertx, jobs, "take"); // takes a queued job
          GenServer.call(vertx, jobs, "take"); // takes the last one
          Future<Object> waiting = vertx.timer(50).compose(x -> GenServer.call(vertx, jobs, "take", Duration.ofSeconds(30)));
          long[] poisonedAt = new long[1];
          Future<Object> poison = vertx.timer(100).compose(x -> {
            poisonedAt[0] = System.nanoTime();
            return GenServer.call(vertx, jobs, "poison");
          });
          return Future.join(waiting, poison).transform(ar -> {
            CallException e = (CallException) waiting.cause();
            System.out.printf("   waiting worker: %s %.1f ms after the poison was sent (its timeout was 30 s)%n",
                e.failure(), (System.nanoTime() - poisonedAt[0]) / 1e6);
            return Future.succeededFuture();
          });
        })
        .compose(v -> {
          System.out.println("7. the supervisor restarted the queue: the same name reaches a fresh server");
          return GenServer.call(vertx, jobs, new JsonObject().put("op", "size"));
        })
        .map(size -> {
          System.out.println("   '" + jobs + "' is now " + GenServer.whereisLocal(vertx, jobs).orElseThrow() + ", state " + size);
          NodeStats stats = GenServer.stats(vertx);
          System.out.println();
          System.out.println("summary: a deferred reply, a scheduled job, a plain JSON call, an idle timeout,");
          System.out.println("         a crash whose waiting caller failed at once, and a restart under the same name;");
          System.out.println("         " + stats.servers() + " servers running (the supervisor and the queue), "
              + stats.pendingCalls() + " calls pending, " + stats.pendingTimers() + " timers pending");
          return null;
        });
  }
}
