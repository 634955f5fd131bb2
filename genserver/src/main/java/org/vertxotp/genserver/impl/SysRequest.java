package org.vertxotp.genserver.impl;

import java.util.function.UnaryOperator;

/** The requests of OTP's {@code sys} that a server's loop answers between callbacks. */
public sealed interface SysRequest {

  record GetState() implements SysRequest {}

  record ReplaceState(UnaryOperator<Object> replace) implements SysRequest {}

  record GetStatus() implements SysRequest {}

  record Suspend() implements SysRequest {}

  record Resume() implements SysRequest {}

  /** Statistics so far; with {@code enable} non-null, also switches callback timing on or off. */
  record Statistics(Boolean enable) implements SysRequest {}
}
