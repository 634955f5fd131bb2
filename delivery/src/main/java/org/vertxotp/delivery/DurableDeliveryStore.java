package org.vertxotp.delivery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.vertxotp.delivery.spi.DeliveryStore;
import org.vertxotp.delivery.spi.StoreCodec;
import org.vertxotp.delivery.spi.StoreThreads;
import org.vertxotp.delivery.spi.StoredDelivery;
import org.vertxotp.delivery.spi.StoredState;

/**
 * Keeps pending deliveries and dead letters in one file on disk, on H2's MVStore (a well-kept
 * embedded, transactional key-value store, pure Java), as JSON. Every change is committed before
 * its future completes, and with {@code sync} (the default) also forced to the disk: an
 * acknowledged enqueue survives the process being killed and, synced, the machine losing power.
 *
 * <p>Store calls run on a thread of the store's own, one at a time in the order they were made,
 * never on an event loop; and never on a Vert.x worker thread, which Vert.x interrupts when the
 * deployment that used it is undeployed (an interrupt closes the file channel under MVStore).
 */
public final class DurableDeliveryStore implements DeliveryStore, AutoCloseable {

  private static final char SEPARATOR = '\u0000';
  private static final System.Logger LOG = System.getLogger("org.vertxotp.delivery");

  private final ExecutorService thread;
  private final MVStore store;
  private final MVMap<String, String> pending;
  private final MVMap<String, String> deadLetters;
  private final boolean sync;

  private DurableDeliveryStore(MVStore store, boolean sync) {
    this.thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread t = new Thread(runnable, "delivery-store");
      t.setDaemon(true);
      return t;
    });
    this.store = store;
    this.sync = sync;
    this.pending = store.openMap("pending");
    this.deadLetters = store.openMap("dead-letters");
  }

  /** Opens (or creates) the store in {@code file}, forcing every change to the disk. Blocking: call it off the event loop. */
  public static DurableDeliveryStore open(Path file) {
    return open(file, true);
  }

  /**
   * Opens (or creates) the store in {@code file}. Without {@code sync} a change is written to the
   * operating system at once but forced to the disk only now and then: it survives the process
   * being killed, not the machine losing power. Blocking: call it off the event loop.
   */
  public static DurableDeliveryStore open(Path file, boolean sync) {
    MVStore store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    return new DurableDeliveryStore(store, sync);
  }

  private static String key(String worker, String id) {
    return worker + SEPARATOR + id;
  }

  /** Runs {@code change} on the store's thread; its future completes on the caller's context. */
  private <T> Future<T> blocking(Callable<T> change) {
    return StoreThreads.run(thread, () -> {
      try {
        T result = change.call();
        if (store.hasUnsavedChanges()) {
          store.commit();
          if (sync) {
            store.sync();
          }
        }
        return result;
      } catch (Exception | Error e) {
        try {
          store.rollback(); // a failed change is not committed later by the next one
        } catch (RuntimeException closed) {
          e.addSuppressed(closed);
        }
        throw e;
      }
    });
  }

  @Override
  public Future<Void> save(String worker, StoredDelivery delivery) {
    return blocking(() -> { // encoded here, off the event loop (a worker never changes a payload it holds)
      pending.put(key(worker, delivery.delivery().id()), StoreCodec.encode(delivery).encode());
      deadLetters.remove(key(worker, delivery.delivery().id())); // one commit with the put
      return null;
    });
  }

  @Override
  public Future<Void> remove(String worker, String id) {
    return blocking(() -> {
      pending.remove(key(worker, id));
      deadLetters.remove(key(worker, id)); // one commit with the other
      return null;
    });
  }

  @Override
  public Future<Void> deadLetter(String worker, DeadLetter letter) {
    return blocking(() -> {
      deadLetters.put(key(worker, letter.id()), StoreCodec.encode(letter).encode());
      pending.remove(key(worker, letter.id()));
      return null;
    });
  }

  @Override
  public Future<StoredState> load(String worker) {
    return blocking(() -> {
      List<StoredDelivery> kept = new ArrayList<>();
      each(pending, worker, json -> kept.add(StoreCodec.storedDelivery(json)));
      List<DeadLetter> dead = new ArrayList<>();
      each(deadLetters, worker, json -> dead.add(StoreCodec.deadLetter(json)));
      return new StoredState(kept, dead);
    });
  }

  /**
   * Reads every record of {@code worker}. A record that cannot be read is left where it is and
   * named in a warning: one damaged record must not keep the worker from starting (and its
   * supervisor from giving up on it), nor be thrown away unseen.
   */
  private static void each(MVMap<String, String> map, String worker, Consumer<JsonObject> action) {
    String prefix = worker + SEPARATOR;
    Cursor<String, String> cursor = map.cursor(prefix);
    while (cursor.hasNext()) {
      String key = cursor.next();
      if (!key.startsWith(prefix)) {
        break;
      }
      try {
        action.accept(new JsonObject(cursor.getValue()));
      } catch (RuntimeException unreadable) {
        LOG.log(System.Logger.Level.WARNING, () -> "skipped an unreadable record in " + map.getName() + ": "
            + key.replace(SEPARATOR, '/') + ": " + unreadable);
      }
    }
  }

  @Override
  public Future<Set<String>> workers() {
    return blocking(() -> {
      Set<String> workers = new HashSet<>();
      for (MVMap<String, String> map : List.of(pending, deadLetters)) {
        for (String key : map.keySet()) {
          workers.add(key.substring(0, key.indexOf(SEPARATOR)));
        }
      }
      return workers;
    });
  }

  /** Finishes the changes already asked for, then closes the file (waiting up to 10 s for it). Blocking; closing twice does nothing. */
  @Override
  public void close() {
    try {
      thread.execute(store::close); // after every change already asked for, on the thread that makes them
    } catch (RejectedExecutionException alreadyClosed) {
      return;
    }
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        // Never close the file under a change still being made: it closes once that change is done.
        LOG.log(System.Logger.Level.WARNING, "the delivery store is still writing after 10 s; it closes when done");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
