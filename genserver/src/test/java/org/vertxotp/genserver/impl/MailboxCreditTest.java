package org.vertxotp.genserver.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a bounded mailbox gives places back: a call's at once, casts' a few at a time, all by the drain's end. */
class MailboxCreditTest {

  @Test
  void aCallsPlaceIsFreeAgainAsSoonAsTheServerTakesItBeforeAnyReplyCanGoOut() {
    Mailbox mailbox = new Mailbox(1);
    assertTrue(mailbox.admit());
    Envelope call = new Envelope.Call("request", null);
    mailbox.putAdmitted(call);
    assertFalse(mailbox.admit(), "full");
    Envelope taken = mailbox.poll();
    mailbox.consumed(taken); // the server takes it; its reply goes out after this, mid-drain
    assertTrue(mailbox.admit(), "the caller that got its reply finds its place free");
  }

  @Test
  void castsPlacesComeBackInStepsOfAnEighthOfTheLimitAndAllByTheEndOfTheDrain() {
    Mailbox mailbox = new Mailbox(16); // an eighth: 2
    for (int i = 0; i < 16; i++) {
      assertTrue(mailbox.offer(new Envelope.Cast(i)));
    }
    assertFalse(mailbox.offer(new Envelope.Cast("over")), "full");
    mailbox.consumed(mailbox.poll());
    assertFalse(mailbox.offer(new Envelope.Cast("early")), "one place handled, not yet given back");
    mailbox.consumed(mailbox.poll());
    assertTrue(mailbox.offer(new Envelope.Cast("a")), "two handled: both given back");
    assertTrue(mailbox.offer(new Envelope.Cast("b")));
    assertFalse(mailbox.offer(new Envelope.Cast("c")), "full again");
    mailbox.consumed(mailbox.poll());
    mailbox.credit(); // the drain ends
    assertTrue(mailbox.offer(new Envelope.Cast("d")));
    assertEquals(16, mailbox.size(0));
    assertEquals(3, mailbox.dropped(), "the refused casts were counted as dropped");
  }
}
