package org.vertxotp.genserver.supervisor;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A supervisor's flags and children (OTP's {@code {SupFlags, ChildSpecs}}). Static supervisors
 * have a fixed, ordered list of children; a dynamic supervisor (OTP's
 * {@code simple_one_for_one}, Elixir's {@code DynamicSupervisor}) starts any number of children
 * from one template, on demand. Restart intensity defaults to OTP's: at most 1 restart in 5 s;
 * one more stops the supervisor. Immutable.
 */
public final class SupervisorSpec {

  public static final int DEFAULT_INTENSITY = 1;
  public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(5);

  private final Strategy strategy;
  private final List<ChildSpec> children;
  private final ChildSpec template;
  private final int intensity;
  private final Duration period;

  private SupervisorSpec(Strategy strategy, List<ChildSpec> children, ChildSpec template, int intensity, Duration period) {
    this.strategy = Objects.requireNonNull(strategy, "strategy");
    this.children = List.copyOf(children);
    this.template = template;
    if (intensity < 0 || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("intensity must be >= 0 and period > 0");
    }
    this.intensity = intensity;
    this.period = period;
    Set<String> ids = new HashSet<>();
    for (ChildSpec child : this.children) {
      if (!ids.add(child.id())) {
        throw new IllegalArgumentException("duplicate child id " + child.id());
      }
    }
  }

  public static SupervisorSpec of(Strategy strategy, ChildSpec... children) {
    return new SupervisorSpec(strategy, List.of(children), null, DEFAULT_INTENSITY, DEFAULT_PERIOD);
  }

  public static SupervisorSpec oneForOne(ChildSpec... children) {
    return of(Strategy.ONE_FOR_ONE, children);
  }

  public static SupervisorSpec oneForAll(ChildSpec... children) {
    return of(Strategy.ONE_FOR_ALL, children);
  }

  public static SupervisorSpec restForOne(ChildSpec... children) {
    return of(Strategy.REST_FOR_ONE, children);
  }

  /** A dynamic supervisor: no children at start; {@link Supervisor#startDynamicChild} adds them. */
  public static SupervisorSpec dynamic(ChildSpec template) {
    return new SupervisorSpec(Strategy.ONE_FOR_ONE, List.of(), Objects.requireNonNull(template), DEFAULT_INTENSITY, DEFAULT_PERIOD);
  }

  /** At most {@code restarts} restarts within {@code period}; one more stops the supervisor. */
  public SupervisorSpec withIntensity(int restarts, Duration period) {
    return new SupervisorSpec(strategy, children, template, restarts, period);
  }

  public Strategy strategy() {
    return strategy;
  }

  public List<ChildSpec> children() {
    return children;
  }

  /** The template, for a dynamic supervisor. */
  public Optional<ChildSpec> template() {
    return Optional.ofNullable(template);
  }

  public int intensity() {
    return intensity;
  }

  public Duration period() {
    return period;
  }
}
