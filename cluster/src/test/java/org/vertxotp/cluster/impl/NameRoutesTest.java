package org.vertxotp.cluster.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/** Messages to one name keep their order, and a holder found gone is looked up again. */
class NameRoutesTest {

  private static final ServerName NAME = ServerName.of("routed");
  private static final ServerRef FIRST = new ServerRef("node-a", 1);
  private static final ServerRef SECOND = new ServerRef("node-b", 2);

  /** The node's own registry, whose lookups answer only when the test says. */
  private static class HeldLookups implements NameRegistry {
    final NameRegistry names = NameRegistry.local();
    final List<Promise<Optional<ServerRef>>> held = new ArrayList<>();
    final List<ServerName> asked = new ArrayList<>();

    @Override
    public Future<Optional<ServerRef>> register(ServerName name, ServerRef holder) {
      return names.register(name, holder);
    }

    @Override
    public Future<Void> unregister(ServerName name, ServerRef holder) {
      return names.unregister(name, holder);
    }

    @Override
    public Future<Optional<ServerRef>> whereis(ServerName name) {
      asked.add(name);
      Promise<Optional<ServerRef>> answer = Promise.promise();
      held.add(answer);
      return answer.future();
    }

    /** Answers the oldest lookup with what the table says now. */
    void answer() {
      held.remove(0).complete(names.whereis(NAME).result());
    }

    @Override
    public void onRelease(Handler<Released> listener) {
      names.onRelease(listener);
    }
  }

  @Test
  void messagesGivenWhileTheHolderIsLookedUpGoInTheOrderTheyWereGiven() {
    HeldLookups names = new HeldLookups();
    names.register(NAME, FIRST);
    NameRoutes routes = new NameRoutes(names);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      routes.withHolder(NAME, holder -> sent.add(n + "->" + holder.orElseThrow()));
    }
    assertEquals(1, names.asked.size(), "one lookup for all of them");
    names.answer();
    routes.withHolder(NAME, holder -> sent.add("5->" + holder.orElseThrow()));
    assertEquals(List.of("0->" + FIRST, "1->" + FIRST, "2->" + FIRST, "3->" + FIRST, "4->" + FIRST, "5->" + FIRST), sent);
    assertEquals(1, names.asked.size(), "the holder is remembered");
  }

  @Test
  void aMessageThatFindsItsHolderGoneDuringTheDrainIsGivenTheNewHolderNotTheSameAnswer() {
    HeldLookups names = new HeldLookups();
    names.register(NAME, FIRST);
    NameRoutes routes = new NameRoutes(names);
    List<String> sent = new ArrayList<>();
    routes.withHolder(NAME, holder -> {
      // As a call does when the holder's node answers "no such server": forget it, look again.
      names.unregister(NAME, FIRST);
      names.register(NAME, SECOND);
      routes.forget(NAME, holder.orElseThrow());
      routes.withHolder(NAME, retried -> sent.add("retry->" + retried.orElseThrow()));
    });
    routes.withHolder(NAME, holder -> sent.add("next->" + holder.orElseThrow()));
    names.answer(); // the first lookup: FIRST, as the table said when it was asked
    assertEquals(List.of("next->" + FIRST), sent, "what was given before the retry went with that answer");
    assertEquals(2, names.asked.size(), "the retry looked the name up again");
    names.answer();
    assertEquals(List.of("next->" + FIRST, "retry->" + SECOND), sent, "the retry went to the new holder");
  }

  @Test
  void anActionThatThrowsDoesNotStrandTheOnesBehindIt() {
    org.vertxotp.genserver.TestLogs.reset();
    org.vertxotp.genserver.TestLogs.allow("a message to routed failed on its way");
    HeldLookups names = new HeldLookups();
    names.register(NAME, FIRST);
    NameRoutes routes = new NameRoutes(names);
    List<String> sent = new ArrayList<>();
    routes.withHolder(NAME, holder -> {
      throw new IllegalStateException("a send that failed");
    });
    routes.withHolder(NAME, holder -> sent.add("after->" + holder.orElseThrow()));
    names.answer();
    assertEquals(List.of("after->" + FIRST), sent);
  }

  @Test
  void aRegistryWhoseLookupThrowsAnswersNobodyInsteadOfHoldingEverythingBack() {
    NameRegistry throwing = new HeldLookups() {
      @Override
      public Future<Optional<ServerRef>> whereis(ServerName name) {
        throw new IllegalStateException("registry down");
      }
    };
    NameRoutes routes = new NameRoutes(throwing);
    List<Optional<ServerRef>> answers = new ArrayList<>();
    routes.withHolder(NAME, answers::add);
    routes.withHolder(NAME, answers::add);
    assertEquals(List.of(Optional.empty(), Optional.empty()), answers);
  }

  @Test
  void aLookupThatFailsIsToldAsAFailureNotAsNobodyAndTheNextMessageLooksAgain() {
    HeldLookups names = new HeldLookups();
    names.register(NAME, FIRST);
    NameRoutes routes = new NameRoutes(names);
    List<String> told = new ArrayList<>();
    routes.withHolder(NAME, NameRoutes.HolderAction.of(holder -> told.add("found " + holder), e -> told.add("failed: "
        + e.getMessage())));
    routes.withHolder(NAME, holder -> told.add("a cast finds " + holder)); // one that does not care: as nobody
    names.held.remove(0).fail(new IllegalStateException("partition owner gone"));
    assertEquals(List.of("failed: partition owner gone", "a cast finds Optional.empty"), told);
    routes.withHolder(NAME, holder -> told.add("then " + holder.orElseThrow()));
    assertEquals(2, names.asked.size(), "a failure is not remembered: the next message looks again");
    names.answer();
    assertEquals("then " + FIRST, told.get(2));
  }
}
