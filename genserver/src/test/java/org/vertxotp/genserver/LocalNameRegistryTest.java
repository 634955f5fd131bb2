package org.vertxotp.genserver;

import java.util.Collections;
import java.util.List;
import org.vertxotp.genserver.spi.NameRegistry;
import org.vertxotp.genserver.testkit.NameRegistryContract;

/** The node's own table of names keeps the contract every name registry keeps. */
class LocalNameRegistryTest extends NameRegistryContract {

  @Override
  protected List<NameRegistry> registries(int nodes) {
    return Collections.nCopies(nodes, NameRegistry.local());
  }
}
