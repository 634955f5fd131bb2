package org.vertxotp.genserver.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.NameRegistry;

/**
 * The contract every {@link NameRegistry} keeps, as JUnit 5 tests. An implementation's test
 * extends this class and says how to get its registries:
 *
 * <pre>{@code
 * class HazelcastNameRegistryTest extends NameRegistryContract {
 *   protected List<NameRegistry> registries(int nodes) { ... one per cluster member ... }
 * }
 * }</pre>
 *
 * A registry of one node returns the same registry {@code nodes} times. Every test uses fresh
 * names, and waits for no more than {@value #WAIT_SECONDS} seconds for any answer.
 */
public abstract class NameRegistryContract {

  private static final int WAIT_SECONDS = 10;
  private static int sequence;

  /** {@code nodes} views of one shared table of names, as seen from {@code nodes} nodes. */
  protected abstract List<NameRegistry> registries(int nodes) throws Exception;

  /** Releases what {@link #registries} made; after each test. */
  @AfterEach
  protected void closeRegistries() throws Exception {
  }

  private static synchronized ServerName freshName() {
    return ServerName.of("contract-" + System.nanoTime() + "-" + sequence++);
  }

  /**
   * The id of the {@code node}th node, as the refs of its servers carry it. A registry that
   * releases the names of nodes it knows to be gone (a cluster's) gives its members' real ids.
   */
  protected String nodeId(int node) {
    return "node-" + node;
  }

  private ServerRef ref(int node, long id) {
    return new ServerRef(nodeId(node), id);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  public void aRegisteredNameIsFoundFromEveryNode() throws Exception {
    List<NameRegistry> nodes = registries(2);
    ServerName name = freshName();
    assertEquals(Optional.empty(), await(nodes.get(0).register(name, ref(0, 1))));
    for (NameRegistry node : nodes) {
      assertEquals(Optional.of(ref(0, 1)), await(node.whereis(name)));
    }
  }

  @Test
  public void aNameNobodyRegisteredIsNotFound() throws Exception {
    assertEquals(Optional.empty(), await(registries(1).get(0).whereis(freshName())));
  }

  @Test
  public void registeringAHeldNameFailsNamingTheHolderAndChangesNothing() throws Exception {
    List<NameRegistry> nodes = registries(2);
    ServerName name = freshName();
    await(nodes.get(0).register(name, ref(0, 1)));
    assertEquals(Optional.of(ref(0, 1)), await(nodes.get(1).register(name, ref(1, 2))));
    assertEquals(Optional.of(ref(0, 1)), await(nodes.get(1).whereis(name)));
  }

  @Test
  public void ofManyRacingRegistrationsOfOneNameExactlyOneWinsAndTheOthersAreToldWho() throws Exception {
    List<NameRegistry> nodes = registries(2);
    for (int round = 0; round < 20; round++) {
      race(nodes, freshName(), 16);
    }
  }

  private void race(List<NameRegistry> nodes, ServerName name, int racers) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(racers);
    try {
      List<java.util.concurrent.Future<Optional<ServerRef>>> results = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        int racer = i;
        results.add(threads.submit(() -> {
          go.await();
          return await(nodes.get(racer % nodes.size()).register(name, ref(racer % nodes.size(), racer)));
        }));
      }
      go.countDown();
      List<ServerRef> winners = new ArrayList<>();
      List<ServerRef> told = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        Optional<ServerRef> holder = results.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (holder.isEmpty()) {
          winners.add(ref(i % nodes.size(), i));
        } else {
          told.add(holder.get());
        }
      }
      assertEquals(1, winners.size(), "exactly one registration wins: " + winners);
      assertTrue(told.stream().allMatch(winners.get(0)::equals), "the others are told the winner: " + told);
      assertEquals(Optional.of(winners.get(0)), await(nodes.get(0).whereis(name)));
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  public void theHolderUnregisteringFreesTheNameForAnotherHolder() throws Exception {
    List<NameRegistry> nodes = registries(2);
    ServerName name = freshName();
    await(nodes.get(0).register(name, ref(0, 1)));
    await(nodes.get(0).unregister(name, ref(0, 1)));
    assertEquals(Optional.empty(), await(nodes.get(1).whereis(name)));
    assertEquals(Optional.empty(), await(nodes.get(1).register(name, ref(1, 2))));
    assertEquals(Optional.of(ref(1, 2)), await(nodes.get(0).whereis(name)));
  }

  @Test
  public void anUnregisterByAnyoneButTheHolderChangesNothing() throws Exception {
    List<NameRegistry> nodes = registries(2);
    ServerName name = freshName();
    await(nodes.get(0).register(name, ref(0, 1)));
    await(nodes.get(1).unregister(name, ref(1, 9)));
    assertEquals(Optional.of(ref(0, 1)), await(nodes.get(1).whereis(name)));
  }

  @Test
  public void everyReleaseIsHeardOnceWithTheNameAndTheHolderThatLostIt() throws Exception {
    List<NameRegistry> nodes = registries(2);
    BlockingQueue<NameRegistry.Released> heard = new LinkedBlockingQueue<>();
    ServerName name = freshName();
    nodes.get(1).onRelease(released -> {
      if (released.name().equals(name)) { // the registry may be shared with other tests
        heard.add(released);
      }
    });
    await(nodes.get(0).register(name, ref(0, 1)));
    await(nodes.get(0).unregister(name, ref(0, 1)));
    NameRegistry.Released released = heard.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(new NameRegistry.Released(name, ref(0, 1)), released);
    await(nodes.get(0).unregister(name, ref(0, 1))); // nothing left to release
    await(nodes.get(0).register(name, ref(0, 2)));
    await(nodes.get(0).unregister(name, ref(0, 3))); // not its holder
    assertEquals(null, heard.poll(200, TimeUnit.MILLISECONDS), "a release that did not happen was heard");
  }
}
