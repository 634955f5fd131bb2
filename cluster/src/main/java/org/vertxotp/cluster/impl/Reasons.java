package org.vertxotp.cluster.impl;

import io.vertx.core.json.JsonObject;
import org.vertxotp.cluster.MessageTypes;
import org.vertxotp.cluster.RemoteCrash;
import org.vertxotp.genserver.ExitReason;

/** Exit reasons in JSON, to cross nodes: a crash arrives as a {@link RemoteCrash}, a term as itself if its type is carried. */
final class Reasons {

  private Reasons() {
  }

  static JsonObject encode(ExitReason reason, MessageTypes types) {
    JsonObject json = new JsonObject();
    if (reason instanceof ExitReason.Shutdown s) {
      json.put("kind", "shutdown").put("detail", carried(s.detail(), types));
    } else if (reason instanceof ExitReason.Custom c) {
      json.put("kind", "custom").put("term", carried(c.term(), types));
    } else if (reason instanceof ExitReason.Crash c) {
      json.put("kind", "crash").put("type", c.cause().getClass().getName()).put("message", c.cause().getMessage());
    } else {
      json.put("kind", reason.toString()); // normal, killed, noproc, noconnection
    }
    return json.put("text", reason.toString());
  }

  /** A term in its JSON form, or its text when its type cannot cross nodes. */
  private static Object carried(Object term, MessageTypes types) {
    if (term == null) {
      return null;
    }
    try {
      return types.encode(term);
    } catch (IllegalArgumentException notCarried) {
      return types.encode(String.valueOf(term));
    }
  }

  /** The reason {@code json} says; never throws: what cannot be read here arrives as its text. */
  static ExitReason decode(JsonObject json, MessageTypes types) {
    if (json == null) {
      return ExitReason.of("unknown");
    }
    String text = String.valueOf(json.getValue("text"));
    try {
      String kind = String.valueOf(json.getValue("kind"));
      return switch (kind) {
        case "normal" -> ExitReason.normal();
        case "killed" -> ExitReason.KILLED;
        case "noproc" -> ExitReason.NOPROC;
        case "noconnection" -> ExitReason.NOCONNECTION;
        case "shutdown" -> {
          Object detail = types.decode(json.getValue("detail"));
          yield detail == null ? ExitReason.shutdown() : ExitReason.shutdown(detail);
        }
        case "custom" -> {
          Object term = types.decode(json.getValue("term"));
          yield ExitReason.of(term == null ? text : term);
        }
        case "crash" -> ExitReason.crash(new RemoteCrash(String.valueOf(json.getValue("type")),
            json.getValue("message") == null ? null : String.valueOf(json.getValue("message"))));
        default -> ExitReason.of(text);
      };
    } catch (RuntimeException unreadable) { // a term of a type this node does not carry
      return ExitReason.of(text);
    }
  }
}
