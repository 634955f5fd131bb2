package org.vertxotp.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.TestLogs;
import org.vertxotp.genserver.spi.NameRegistry;

/** Each sender's messages find their servers in the order it gave them, by name or by ref. */
class SenderLanesTest {

  private static final ServerName NAME = ServerName.of("routed");
  private static final ServerRef FIRST = new ServerRef("node-a", 1);
  private static final ServerRef SECOND = new ServerRef("node-b", 2);

  private Vertx vertx;
  private Context sender;
  private Context other;

  /** A table whose lookups answer only when the test says, and a copy of it the test fills. */
  private static class HeldLookups implements NameRegistry {
    final Map<ServerName, ServerRef> table = new ConcurrentHashMap<>();
    final Map<ServerName, ServerRef> copy = new ConcurrentHashMap<>();
    final List<Promise<Optional<ServerRef>>> held = new CopyOnWriteArrayList<>();
    final List<ServerName> asked = new CopyOnWriteArrayList<>();

    @Override
    public Future<Optional<ServerRef>> register(ServerName name, ServerRef holder) {
      return Future.succeededFuture(Optional.ofNullable(table.putIfAbsent(name, holder)));
    }

    @Override
    public Future<Void> unregister(ServerName name, ServerRef holder) {
      table.remove(name, holder);
      return Future.succeededFuture();
    }

    @Override
    public Future<Optional<ServerRef>> whereis(ServerName name) {
      asked.add(name);
      Promise<Optional<ServerRef>> answer = Promise.promise();
      held.add(answer);
      return answer.future();
    }

    @Override
    public Optional<ServerRef> lastKnownHolder(ServerName name) {
      return Optional.ofNullable(copy.get(name));
    }

    @Override
    public void holderGone(ServerName name, ServerRef holder) {
      copy.remove(name, holder);
    }

    /** Answers the oldest lookup with what the table says now. */
    void answer() {
      held.remove(0).complete(Optional.ofNullable(table.get(NAME)));
    }

    @Override
    public void onRelease(Handler<Released> listener) {
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(org.vertxotp.genserver.TestVertx.options()); // one event loop in the build's second run
    sender = vertx.getOrCreateContext();
    other = vertx.getOrCreateContext();
    TestLogs.reset();
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    assertEquals(List.of(), TestLogs.unexpectedErrors());
  }

  /** Runs {@code step} on {@code context} and waits for it, and for every task queued there before it. */
  private static void on(Context context, Runnable step) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        step.run();
        done.complete(null);
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    done.get(10, TimeUnit.SECONDS);
  }

  private static SenderLanes.HolderAction record(List<String> sent, String what) {
    return holder -> sent.add(what + "->" + holder.map(String::valueOf).orElse("nobody"));
  }

  @Test
  void aMessageByRefGivenWhileTheSendersMessageByNameIsLookedUpGoesAfterIt() throws Exception {
    HeldLookups names = new HeldLookups();
    names.table.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, record(sent, "0 by name"));
      lanes.withHolder(sender, FIRST, false, record(sent, "1 by ref"));
      lanes.withHolder(sender, NAME, false, record(sent, "2 by name"));
      lanes.withHolder(sender, FIRST, false, record(sent, "3 by ref"));
    });
    assertEquals(List.of(), sent, "nothing overtakes the lookup");
    names.answer();
    on(sender, () -> { });
    assertEquals(List.of("0 by name->" + FIRST, "1 by ref->" + FIRST, "2 by name->" + FIRST, "3 by ref->" + FIRST), sent);
    assertEquals(1, names.asked.size(), "one answer serves the messages to the name that waited behind it");
  }

  @Test
  void aRetryGivenByAnActionKeepsItsPlaceAheadOfWhatWaitedBehindIt() throws Exception {
    ServerName before = ServerName.of("before");
    HeldLookups names = new HeldLookups() {
      @Override
      void answer() {
        Promise<Optional<ServerRef>> next = held.remove(0);
        ServerName name = asked.get(asked.size() - held.size() - 1);
        next.complete(Optional.ofNullable(table.get(name)));
      }
    };
    names.table.put(before, FIRST);
    names.copy.put(NAME, FIRST); // the copy still names a holder that is gone
    names.table.put(NAME, SECOND);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, before, false, record(sent, "0"));
      lanes.withHolder(sender, NAME, false, holder -> {
        if (holder.orElseThrow().equals(FIRST)) { // as a cast does when the holder's node has left
          names.holderGone(NAME, FIRST);
          lanes.withHolder(sender, NAME, true, record(sent, "1 retried"));
        } else {
          sent.add("1 found " + holder.orElseThrow());
        }
      });
      lanes.withHolder(sender, NAME, false, record(sent, "2"));
    });
    while (!names.held.isEmpty()) {
      names.answer();
      on(sender, () -> { });
    }
    assertEquals(List.of("0->" + FIRST, "1 retried->" + SECOND, "2->" + SECOND), sent);
  }

  @Test
  void aNameTheNodesCopyKnowsGoesAtOnceWithoutALookup() throws Exception {
    HeldLookups names = new HeldLookups();
    names.copy.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new ArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, record(sent, "by name"));
      lanes.withHolder(sender, SECOND, false, record(sent, "by ref"));
      assertEquals(List.of("by name->" + FIRST, "by ref->" + SECOND), sent, "inline, in order");
    });
    assertEquals(List.of(), names.asked);
  }

  @Test
  void aLookupHoldsBackOnlyItsOwnSender() throws Exception {
    HeldLookups names = new HeldLookups();
    names.table.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> lanes.withHolder(sender, NAME, false, record(sent, "held")));
    on(other, () -> lanes.withHolder(other, SECOND, false, record(sent, "other sender")));
    assertEquals(List.of("other sender->" + SECOND), sent);
    names.answer();
    on(sender, () -> { });
    assertEquals(List.of("other sender->" + SECOND, "held->" + FIRST), sent);
  }

  @Test
  void fromTheTableSkipsTheCopyForAHolderFoundGone() throws Exception {
    HeldLookups names = new HeldLookups();
    names.copy.put(NAME, FIRST);
    names.table.put(NAME, SECOND);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, true, record(sent, "retry"));
      lanes.withHolder(sender, NAME, false, record(sent, "next"));
    });
    names.answer();
    on(sender, () -> { });
    assertEquals(List.of("retry->" + SECOND, "next->" + FIRST), sent, "the next one takes the copy again, in order");
  }

  @Test
  void aMessageGivenByAnActionRunsAfterThoseAlreadyWaiting() throws Exception {
    HeldLookups names = new HeldLookups();
    names.table.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, holder -> {
        sent.add("first->" + holder.orElseThrow());
        lanes.withHolder(sender, SECOND, false, record(sent, "given by the first"));
      });
      lanes.withHolder(sender, FIRST, false, record(sent, "second"));
    });
    names.answer();
    on(sender, () -> { });
    assertEquals(List.of("first->" + FIRST, "second->" + FIRST, "given by the first->" + SECOND), sent);
    on(sender, () -> {
      lanes.withHolder(sender, SECOND, false, record(sent, "later"));
      assertEquals("later->" + SECOND, sent.get(3), "the lane is gone once drained: a ref goes inline again");
    });
  }

  @Test
  void anActionThatThrowsDoesNotStrandTheOnesBehindIt() throws Exception {
    TestLogs.allow("a message to routed failed on its way");
    HeldLookups names = new HeldLookups();
    names.table.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, holder -> {
        throw new IllegalStateException("a send that failed");
      });
      lanes.withHolder(sender, FIRST, false, record(sent, "after"));
    });
    names.answer();
    on(sender, () -> { });
    assertEquals(List.of("after->" + FIRST), sent);
  }

  @Test
  void aRegistryWhoseLookupThrowsAnswersNobodyInsteadOfHoldingEverythingBack() throws Exception {
    NameRegistry throwing = new HeldLookups() {
      @Override
      public Future<Optional<ServerRef>> whereis(ServerName name) {
        throw new IllegalStateException("registry down");
      }
    };
    SenderLanes lanes = new SenderLanes(throwing, other);
    List<String> sent = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, record(sent, "a"));
      lanes.withHolder(sender, FIRST, false, record(sent, "b"));
    });
    on(sender, () -> { });
    assertEquals(List.of("a->nobody", "b->" + FIRST), sent);
  }

  @Test
  void aLookupThatFailsIsToldAsAFailureToEveryMessageWaitingForThatNameAndTheNextOneLooksAgain() throws Exception {
    HeldLookups names = new HeldLookups();
    names.table.put(NAME, FIRST);
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> told = new CopyOnWriteArrayList<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, SenderLanes.HolderAction.of(holder -> told.add("found " + holder),
          e -> told.add("failed: " + e.getMessage())));
      lanes.withHolder(sender, NAME, false, record(told, "a cast")); // one that does not care: as nobody
    });
    names.held.remove(0).fail(new IllegalStateException("partition owner gone"));
    on(sender, () -> { });
    assertEquals(List.of("failed: partition owner gone", "a cast->nobody"), told, "one failure holds the sender back once");
    assertEquals(1, names.asked.size());
    on(sender, () -> lanes.withHolder(sender, NAME, false, record(told, "then")));
    assertEquals(2, names.asked.size(), "a failure is not remembered: the next message looks again");
    names.answer();
    on(sender, () -> { });
    assertEquals("then->" + FIRST, told.get(2));
  }

  @Test
  void aLookupTheTableNeverAnswersFailsAfterItsLimitAndTheSenderGoesOn() throws Exception {
    HeldLookups names = new HeldLookups();
    SenderLanes lanes = new SenderLanes(names, other, 50);
    List<String> told = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> after = new CompletableFuture<>();
    on(sender, () -> {
      lanes.withHolder(sender, NAME, false, SenderLanes.HolderAction.of(holder -> told.add("found " + holder),
          e -> told.add("failed: " + e.getClass().getSimpleName())));
      lanes.withHolder(sender, FIRST, false, holder -> {
        told.add("then " + holder.orElseThrow());
        after.complete(null);
      });
    });
    after.get(10, TimeUnit.SECONDS);
    assertEquals(List.of("failed: TimeoutException", "then " + FIRST), told);
    names.answer(); // too late: nothing is told twice
    on(sender, () -> { });
    assertEquals(2, told.size());
  }

  @Test
  void aNameTheCopyKnowsIsFreeIsNobodyAtOnceWithoutALookup() throws Exception {
    HeldLookups names = new HeldLookups() {
      @Override
      public boolean knownFree(ServerName name) {
        return true;
      }
    };
    SenderLanes lanes = new SenderLanes(names, other);
    List<String> sent = new ArrayList<>();
    on(sender, () -> lanes.withHolder(sender, NAME, false, record(sent, "to a free name")));
    assertEquals(List.of("to a free name->nobody"), sent);
    assertEquals(List.of(), names.asked);
  }
}
