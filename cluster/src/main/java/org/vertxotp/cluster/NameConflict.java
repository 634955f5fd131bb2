package org.vertxotp.cluster;

import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;

/**
 * Two servers held one cluster name at once: the cluster was split, each side registered the
 * name, and the sides merged again. The name stays with {@code kept} (the holder in the merged
 * name table); {@code lost} is stopped with this record as its exit reason's term (OTP's
 * {@code global} name conflict).
 */
public record NameConflict(ServerName name, ServerRef kept, ServerRef lost) {

  @Override
  public String toString() {
    return "{name_conflict, " + name + ", kept " + kept + "}";
  }
}
