package org.vertxotp.delivery;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.vertxotp.genserver.CallException;
import org.vertxotp.genserver.CallFailure;

/** How a failed call to a follow-up's target is classified, as a table. */
class GenServerTransportTest {

  private static Outcome of(CallFailure failure) {
    return GenServerTransport.classify(new Delivery("f", "reminders", new JsonObject()), new CallException(failure, "x"));
  }

  @Test
  void aNameThatCouldNotBeLookedUpIsTransientNotAGoneTarget() {
    Outcome outcome = of(CallFailure.LOOKUP_FAILED);
    assertInstanceOf(Outcome.Transient.class, outcome, "the registry failed; the server may well be there");
    assertTrue(((Outcome.Transient) outcome).reason().startsWith("LOOKUP_FAILED"), outcome.toString());
  }

  @Test
  void aGoneTargetOrAMessageItRefusesIsPermanentAndTheRestIsTransient() {
    for (CallFailure permanent : new CallFailure[] {CallFailure.NO_SERVER, CallFailure.BAD_MESSAGE, CallFailure.CALLING_SELF}) {
      assertInstanceOf(Outcome.Permanent.class, of(permanent), permanent.toString());
    }
    for (CallFailure transientFailure : new CallFailure[] {CallFailure.TIMEOUT, CallFailure.SERVER_EXITED, CallFailure.OVERLOADED,
        CallFailure.LOOKUP_FAILED}) {
      assertInstanceOf(Outcome.Transient.class, of(transientFailure), transientFailure.toString());
    }
    assertTrue(((Outcome.Permanent) of(CallFailure.NO_SERVER)).reason().startsWith("target gone"));
    assertTrue(CallFailure.values().length == 7, "every failure is in the table above");
  }
}
