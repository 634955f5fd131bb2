package org.vertxotp.genserver;

/**
 * Where a message goes: a particular server ({@link ServerRef}) or whichever server holds a
 * registered name ({@link ServerName}) at the moment of sending.
 */
public sealed interface Destination permits ServerRef, ServerName {
}
