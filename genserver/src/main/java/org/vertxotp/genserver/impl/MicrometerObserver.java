package org.vertxotp.genserver.impl;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.vertxotp.genserver.ExitReason;

/** The Micrometer binding: see {@code MicrometerMetrics} for the meters it keeps. */
public final class MicrometerObserver implements Observer {

  private final MeterRegistry registry;
  /** Per name, its current incarnation and the meters to remove when it exits. */
  private final Map<String, Incarnation> incarnations = new ConcurrentHashMap<>();

  private record Incarnation(ServerProcess process, List<Meter> meters) {}
  /** Per name, across incarnations: the round trips of calls to it. */
  private final Map<String, Timer> callTimers = new ConcurrentHashMap<>();

  public MicrometerObserver(Node node, MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("genserver.servers", node, n -> n.stats().servers()).register(registry);
    Gauge.builder("genserver.names", node, n -> n.stats().names()).register(registry);
    Gauge.builder("genserver.calls.pending", node, n -> n.stats().pendingCalls()).register(registry);
    Gauge.builder("genserver.timers.pending", node, n -> n.stats().pendingTimers()).register(registry);
    Gauge.builder("genserver.monitors", node, n -> n.stats().monitors()).register(registry);
    FunctionCounter.builder("genserver.messages.dropped", node, n -> n.stats().dropped()).register(registry);
  }

  private static Tags tags(ServerProcess process) {
    return Tags.of("server", process.name().name(), "module", process.loop.behaviour.getClass().getSimpleName());
  }

  @Override
  public boolean timesCallbacks() {
    return true;
  }

  @Override
  public void started(ServerProcess process) {
    if (process.name() == null) {
      return;
    }
    Tags tags = tags(process);
    // A name can be taken again before its last holder's exit is complete: its meters go first.
    Incarnation previous = incarnations.remove(process.name().name());
    if (previous != null) {
      previous.meters().forEach(registry::remove);
    }
    Meter mailbox = Gauge.builder("genserver.mailbox", process, p -> p.loop.waiting()).tags(tags).register(registry);
    Meter handled = FunctionCounter.builder("genserver.messages.handled", process.loop.sys, s -> s.messagesHandled)
        .tags(tags).register(registry);
    incarnations.put(process.name().name(), new Incarnation(process, List.of(mailbox, handled)));
  }

  @Override
  public void exited(ServerProcess process, ExitReason reason) {
    if (process.name() != null) {
      Incarnation current = incarnations.get(process.name().name());
      if (current != null && current.process() == process && incarnations.remove(process.name().name(), current)) {
        current.meters().forEach(registry::remove);
      }
    }
    if (process.name() != null && reason.isAbnormal() && !(reason instanceof ExitReason.Killed)) {
      Counter.builder("genserver.crashes").tags(tags(process)).register(registry).increment();
    }
  }

  @Override
  public void restarted(ServerProcess supervisor, String childId) {
    Counter.builder("genserver.restarts").tag("child", childId)
        .tag("supervisor", supervisor.name() == null ? "unnamed" : supervisor.name().name())
        .register(registry).increment();
  }

  @Override
  public void callCompleted(ServerProcess target, long nanos) {
    if (target.name() != null) {
      callTimers.computeIfAbsent(target.name().name(),
          name -> Timer.builder("genserver.call.latency").tags(tags(target)).register(registry))
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }
}
