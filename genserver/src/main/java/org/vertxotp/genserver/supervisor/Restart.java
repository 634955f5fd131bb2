package org.vertxotp.genserver.supervisor;

import org.vertxotp.genserver.ExitReason;

/** When a supervisor restarts a child that stopped (OTP's restart types). */
public enum Restart {
  /** Always. */
  PERMANENT,
  /** Only after an abnormal exit ({@link ExitReason#isAbnormal()}): not after normal or shutdown. */
  TRANSIENT,
  /** Never; the child is forgotten when it stops. */
  TEMPORARY
}
