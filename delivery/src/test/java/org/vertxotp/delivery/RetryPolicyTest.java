package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The retry policy's arithmetic, as tables: slots with jitter, Retry-After as a lower bound, the destination hold. */
class RetryPolicyTest {

  private final RetryPolicy POLICY = RetryPolicy.of(List.of(Duration.ofSeconds(1), Duration.ofSeconds(10)), 0.5,
      RetryPolicy.Exhausted.DROP).withMaxRetryAfter(Duration.ofSeconds(60));

  @Test
  void theBackoffArithmeticFollowsItsTable() {
    assertEquals(1000, POLICY.backoffMillis(1, 0));
    assertEquals(1250, POLICY.backoffMillis(1, 0.5));
    assertEquals(10_000, POLICY.backoffMillis(2, 0));
    assertEquals(14_999, POLICY.backoffMillis(2, 0.9999));
    assertFalse(POLICY.isExhausted(2));
    assertTrue(POLICY.isExhausted(3));
    assertThrows(IllegalArgumentException.class, () -> POLICY.backoffMillis(0, 0));
    assertThrows(IllegalArgumentException.class, () -> POLICY.backoffMillis(3, 0));
  }

  @Test
  void retryAfterIsALowerBoundOnTheSlotCappedByTheMaximum() {
    assertEquals(1000, POLICY.waitMillis(1, 0, OptionalLong.empty()), "no Retry-After: the slot");
    assertEquals(1000, POLICY.waitMillis(1, 0, OptionalLong.of(200)), "a shorter Retry-After is no shortcut");
    assertEquals(1250, POLICY.waitMillis(1, 0.5, OptionalLong.of(1000)), "the jittered slot if longer");
    assertEquals(5000, POLICY.waitMillis(1, 0, OptionalLong.of(5000)), "a longer Retry-After wins");
    assertEquals(60_000, POLICY.waitMillis(1, 0, OptionalLong.of(Long.MAX_VALUE)), "capped");
    assertEquals(10_000, POLICY.waitMillis(2, 0, OptionalLong.of(-5)), "a negative one counts for nothing");
    RetryPolicy tight = POLICY.withMaxRetryAfter(Duration.ofSeconds(2));
    assertEquals(10_000, tight.waitMillis(2, 0, OptionalLong.of(30_000)), "the cap never shortens the slot");
  }

  @Test
  void aRetryAfterOrA429HoldsTheDestinationAndNothingElseDoes() {
    assertEquals(OptionalLong.of(5000), POLICY.holdMillis(503, OptionalLong.of(5000)));
    assertEquals(OptionalLong.of(60_000), POLICY.holdMillis(429, OptionalLong.of(600_000)), "capped");
    assertEquals(OptionalLong.of(0), POLICY.holdMillis(503, OptionalLong.of(-1)));
    assertEquals(OptionalLong.of(1000), POLICY.holdMillis(429, OptionalLong.empty()), "a 429 alone: the first slot");
    assertEquals(OptionalLong.empty(), POLICY.holdMillis(503, OptionalLong.empty()));
    assertEquals(OptionalLong.empty(), POLICY.holdMillis(0, OptionalLong.empty()));
    assertEquals(OptionalLong.empty(), POLICY.withSlots(List.of()).holdMillis(429, OptionalLong.empty()));
  }

  @Test
  void policiesAreValidatedValues() {
    assertThrows(IllegalArgumentException.class, () -> POLICY.withSlots(List.of(Duration.ZERO)));
    assertThrows(IllegalArgumentException.class, () -> POLICY.withJitter(1.5));
    assertThrows(IllegalArgumentException.class, () -> POLICY.withJitter(-0.01));
    assertEquals(0.0, POLICY.withJitter(0).jitter());
    assertEquals(1.0, POLICY.withJitter(1).jitter(), "the whole range is allowed");
    assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(10)), POLICY.slots());
    assertEquals(RetryPolicy.Exhausted.DEAD_LETTER, POLICY.withExhausted(RetryPolicy.Exhausted.DEAD_LETTER).exhausted());
    assertEquals(RetryPolicy.Exhausted.DROP, RetryPolicy.followUp().exhausted());
    assertEquals("RetryPolicy[PT1S, PT10S] jitter 0.5, then DROP, Retry-After up to 60000 ms", POLICY.toString());
    assertThrows(IllegalArgumentException.class, () -> POLICY.withMaxRetryAfter(Duration.ofSeconds(-1)));
    assertEquals(RetryPolicy.DEFAULT_MAX_RETRY_AFTER.toMillis(), RetryPolicy.http().maxRetryAfterMillis());
    assertEquals(60_000, POLICY.withJitter(0).maxRetryAfterMillis(), "kept by the other withers");
    assertEquals(Long.MAX_VALUE, POLICY.withMaxRetryAfter(Duration.ofSeconds(Long.MAX_VALUE)).maxRetryAfterMillis());
  }
}
