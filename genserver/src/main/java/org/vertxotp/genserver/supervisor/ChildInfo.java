package org.vertxotp.genserver.supervisor;

import java.util.Optional;
import org.vertxotp.genserver.ServerRef;

/** One child as {@link Supervisor#whichChildren} sees it; {@code server} is empty while it is not running. */
public record ChildInfo(String id, Optional<ServerRef> server, Restart restart) {
}
