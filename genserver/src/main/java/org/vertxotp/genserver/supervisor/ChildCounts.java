package org.vertxotp.genserver.supervisor;

/** {@link Supervisor#countChildren}: child specs (or dynamic children) and how many of them run. */
public record ChildCounts(int specs, int active) {
}
