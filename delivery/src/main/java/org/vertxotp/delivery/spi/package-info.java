/**
 * What a delivery worker is built on, for other modules to implement: how a delivery is sent
 * ({@link org.vertxotp.delivery.spi.Transport}) and where its state survives restarts
 * ({@link org.vertxotp.delivery.spi.DeliveryStore}).
 */
package org.vertxotp.delivery.spi;
