/**
 * The retry engine: every decision of a delivery worker as a pure function of
 * {@code (state, event, now)} returning effects. No timers, no I/O, no Vert.x: tests drive it
 * with tables.
 */
package org.vertxotp.delivery.engine;
