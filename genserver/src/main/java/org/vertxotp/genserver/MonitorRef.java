package org.vertxotp.genserver;

/**
 * One monitor set up with {@link Monitors#monitor}, for {@link Monitors#demonitor} and for
 * matching against {@link Down#monitor()}. Opaque; only the toolkit creates them.
 */
public interface MonitorRef {
}
