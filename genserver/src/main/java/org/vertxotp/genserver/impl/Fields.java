package org.vertxotp.genserver.impl;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The handles through which the impl classes update their own volatile fields atomically. */
final class Fields {

  private Fields() {
  }

  /** The handle of field {@code name} (of {@code type}) in the class {@code lookup} was made by. */
  static VarHandle of(MethodHandles.Lookup lookup, String name, Class<?> type) {
    try {
      return lookup.findVarHandle(lookup.lookupClass(), name, type);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
