package org.vertxotp.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.vertxotp.genserver.ServerName;
import org.vertxotp.genserver.ServerRef;
import org.vertxotp.genserver.spi.RemoteNodes;
import org.vertxotp.genserver.time.PortableTimerRef;
import org.vertxotp.genserver.time.TimerRef;
import org.vertxotp.genserver.time.TimerTimeout;

/**
 * The types a message, a reply or a piece of one may have to cross nodes: an allow-list, per
 * node, with a JSON form for each. Java serialization is never used: a value is written as JSON
 * and read back only as a type registered here, so bytes from the network cannot make the node
 * build an object of any other class.
 *
 * <p>Carried without registration: {@code null}, {@link String}, {@link Integer}, {@link Long},
 * {@link Double}, {@link Boolean}, {@link JsonObject}, {@link JsonArray}, {@link ServerRef},
 * {@link ServerName}, {@link TimerTimeout} and {@link TimerRef} (which arrives as a
 * {@link PortableTimerRef}), and {@link List}s and {@link java.util.Optional}s of carried values.
 * The delivery module's requests and answers are registered by {@link GenServerCluster#join}. Register the rest on every node, under
 * the same names, before messages of them flow:
 *
 * <pre>{@code
 * MessageTypes types = MessageTypes.of(vertx);
 * types.register(Put.class);                      // a record whose components are carried types
 * types.register(Level.class);                    // an enum
 * types.register(Money.class, "money", Money::toJson, Money::fromJson);   // anything else
 * }</pre>
 *
 * A value of a type that is not carried fails where it is sent, with an
 * {@link IllegalArgumentException} naming the type.
 */
public final class MessageTypes implements Shareable {

  private static final String MAP = "org.vertxotp.cluster";
  private static final String KEY = "message-types";

  private final Map<Class<?>, Codec<?>> byType = new ConcurrentHashMap<>();
  private final Map<String, Codec<?>> byName = new ConcurrentHashMap<>();

  private MessageTypes() {
  }

  /** The message types of {@code vertx}'s node, created on first use. */
  public static MessageTypes of(Vertx vertx) {
    return (MessageTypes) vertx.sharedData().getLocalMap(MAP).computeIfAbsent(KEY, k -> new MessageTypes());
  }

  /**
   * Carries the record or enum {@code type}, under its class name. A record is written as its
   * components in order (each must be a carried type when sent) and read back through its
   * canonical constructor; an enum as its constant's name.
   *
   * @throws IllegalArgumentException if {@code type} is neither a record nor an enum
   */
  public <T> MessageTypes register(Class<T> type) {
    Objects.requireNonNull(type, "type");
    if (type.isRecord()) {
      return add(new RecordCodec<>(type, type.getName()));
    }
    if (type.isEnum()) {
      return add(new EnumCodec(type.asSubclass(Enum.class), type.getName(), true));
    }
    throw new IllegalArgumentException(type.getName() + " is neither a record nor an enum: register it with a codec");
  }

  /** Carries {@code type} under {@code name}, written by {@code encode} and read back by {@code decode}. */
  public <T> MessageTypes register(Class<T> type, String name, Function<? super T, JsonObject> encode,
                                   Function<JsonObject, ? extends T> decode) {
    return add(new CustomCodec<>(type, name, encode, decode));
  }

  private MessageTypes add(Codec<?> codec) {
    Codec<?> named = byName.putIfAbsent(codec.name(), codec);
    if (named != null && named.type() != codec.type()) {
      throw new IllegalArgumentException("the message type name " + codec.name() + " is taken by " + named.type().getName());
    }
    byType.put(codec.type(), codec);
    return this;
  }

  // ---- the JSON form: [tag, value...]

  /**
   * {@code value} in its JSON form.
   *
   * @throws IllegalArgumentException if it is, or holds, a value of a type that is not carried
   */
  public Object encode(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      return new JsonArray().add("s").add(s);
    }
    if (value instanceof Integer i) {
      return new JsonArray().add("i").add(i);
    }
    if (value instanceof Long l) {
      return new JsonArray().add("l").add(l);
    }
    if (value instanceof Double d) {
      return new JsonArray().add("d").add(d);
    }
    if (value instanceof Boolean b) {
      return new JsonArray().add("b").add(b);
    }
    if (value instanceof JsonObject o) {
      return new JsonArray().add("o").add(o);
    }
    if (value instanceof JsonArray a) {
      return new JsonArray().add("a").add(a);
    }
    if (value instanceof ServerRef ref) {
      return new JsonArray().add("ref").add(ref.node()).add(ref.id());
    }
    if (value instanceof ServerName name) {
      return new JsonArray().add("name").add(name.name());
    }
    if (value instanceof TimerTimeout timeout) {
      return new JsonArray().add("timeout").add(encode(timeout.ref())).add(encode(timeout.message()));
    }
    if (value instanceof TimerRef timer) {
      PortableTimerRef portable = RemoteNodes.portable(timer);
      return new JsonArray().add("timer").add(portable.node()).add(portable.sequence());
    }
    if (value instanceof java.util.Optional<?> optional) {
      return optional.isEmpty() ? new JsonArray().add("opt") : new JsonArray().add("opt").add(encode(optional.get()));
    }
    if (value instanceof List<?> list) {
      JsonArray items = new JsonArray();
      for (Object item : list) {
        items.add(encode(item));
      }
      return new JsonArray().add("list").add(items);
    }
    Codec<?> codec = byType.get(value.getClass());
    if (codec == null) {
      throw new IllegalArgumentException(value.getClass().getName()
          + " cannot cross nodes: register it in MessageTypes on every node");
    }
    return new JsonArray().add("t").add(codec.name()).add(encodeWith(codec, value));
  }

  @SuppressWarnings("unchecked")
  private <T> Object encodeWith(Codec<T> codec, Object value) {
    return codec.encode((T) value, this);
  }

  /**
   * The value whose JSON form is {@code json}.
   *
   * @throws IllegalArgumentException if {@code json} is not the form of a carried value
   */
  public Object decode(Object json) {
    if (json == null) {
      return null;
    }
    if (!(json instanceof JsonArray form) || form.isEmpty() || !(form.getValue(0) instanceof String tag)) {
      throw new IllegalArgumentException("not a message: " + abbreviate(json));
    }
    try {
      switch (tag) {
        case "s": return Objects.requireNonNull(form.getString(1));
        case "i": return form.getInteger(1);
        case "l": return form.getLong(1);
        case "d": return form.getDouble(1);
        case "b": return form.getBoolean(1);
        case "o": return Objects.requireNonNull(form.getJsonObject(1));
        case "a": return Objects.requireNonNull(form.getJsonArray(1));
        case "ref": return new ServerRef(form.getString(1), form.getLong(2));
        case "name": return ServerName.of(form.getString(1));
        case "timer": return new PortableTimerRef(form.getString(1), form.getLong(2));
        case "timeout": {
          if (!(decode(form.getValue(1)) instanceof TimerRef timer)) {
            throw new IllegalArgumentException("a timer's timeout without its timer: " + abbreviate(json));
          }
          return new TimerTimeout(timer, decode(form.getValue(2)));
        }
        case "opt": return form.size() == 1 ? java.util.Optional.empty()
            : java.util.Optional.of(Objects.requireNonNull(decode(form.getValue(1)), "an optional's value"));
        case "list": {
          List<Object> items = new ArrayList<>();
          for (Object item : form.getJsonArray(1)) {
            items.add(decode(item));
          }
          return java.util.Collections.unmodifiableList(items);
        }
        case "t": {
          Codec<?> codec = byName.get(form.getString(1));
          if (codec == null) {
            throw new IllegalArgumentException("message type " + form.getString(1) + " is not registered on this node");
          }
          return codec.decode(form.getValue(2), this);
        }
        default:
          throw new IllegalArgumentException("unknown tag " + tag);
      }
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) { // a cast, a missing field, a number out of range: the bytes are bad, not the node
      throw new IllegalArgumentException("not a message: " + abbreviate(json), e);
    }
  }

  private static String abbreviate(Object json) {
    String text = String.valueOf(json);
    return text.length() <= 120 ? text : text.substring(0, 120) + "...";
  }

  // ---- codecs

  private interface Codec<T> {
    Class<T> type();

    String name();

    Object encode(T value, MessageTypes types);

    T decode(Object json, MessageTypes types);
  }

  private record CustomCodec<T>(Class<T> type, String name, Function<? super T, JsonObject> encoder,
                                Function<JsonObject, ? extends T> decoder) implements Codec<T> {
    CustomCodec {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(encoder, "encode");
      Objects.requireNonNull(decoder, "decode");
    }

    @Override
    public Object encode(T value, MessageTypes types) {
      return encoder.apply(value);
    }

    @Override
    public T decode(Object json, MessageTypes types) {
      T value;
      try {
        value = decoder.apply((JsonObject) json);
      } catch (RuntimeException e) { // a user's decoder: whatever it throws, the message is bad, not the node
        throw new IllegalArgumentException("the codec of " + name + " cannot read " + abbreviate(json), e);
      }
      if (!type.isInstance(value)) {
        throw new IllegalArgumentException("the codec of " + name + " read " + value);
      }
      return value;
    }
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  private record EnumCodec(Class<Enum> type, String name) implements Codec<Enum> {
    EnumCodec(Class<? extends Enum> enumType, String name, boolean unused) {
      this((Class<Enum>) enumType, name);
    }

    @Override
    public Object encode(Enum value, MessageTypes types) {
      return value.name();
    }

    @Override
    public Enum decode(Object json, MessageTypes types) {
      return Enum.valueOf(type, (String) json); // an unknown constant throws IllegalArgumentException
    }
  }

  private static final class RecordCodec<T> implements Codec<T> {
    private final Class<T> type;
    private final String name;
    private final RecordComponent[] components;
    private final Constructor<T> constructor;

    RecordCodec(Class<T> type, String name) {
      this.type = type;
      this.name = name;
      this.components = type.getRecordComponents();
      Class<?>[] parameters = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        parameters[i] = components[i].getType();
        components[i].getAccessor().setAccessible(true);
      }
      try {
        this.constructor = type.getDeclaredConstructor(parameters);
        this.constructor.setAccessible(true);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(type.getName() + " has no canonical constructor", e);
      }
    }

    @Override
    public Class<T> type() {
      return type;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Object encode(T value, MessageTypes types) {
      JsonArray fields = new JsonArray();
      for (RecordComponent component : components) {
        try {
          fields.add(types.encode(component.getAccessor().invoke(value)));
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalArgumentException("cannot read " + name + "." + component.getName(), e);
        }
      }
      return fields;
    }

    @Override
    public T decode(Object json, MessageTypes types) {
      JsonArray fields = (JsonArray) json;
      if (fields.size() != components.length) {
        throw new IllegalArgumentException(name + " has " + components.length + " components, got " + fields.size());
      }
      Object[] values = new Object[components.length];
      for (int i = 0; i < components.length; i++) {
        Object value = types.decode(fields.getValue(i));
        Class<?> expected = boxed(components[i].getType());
        if (value == null ? components[i].getType().isPrimitive() : !expected.isInstance(value)) {
          throw new IllegalArgumentException(name + "." + components[i].getName() + " cannot be " + value);
        }
        values[i] = value;
      }
      try {
        return constructor.newInstance(values);
      } catch (InvocationTargetException e) { // the record refused the values
        throw new IllegalArgumentException("cannot make a " + name + ": " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalArgumentException("cannot make a " + name, e);
      }
    }

    private static Class<?> boxed(Class<?> type) {
      if (!type.isPrimitive()) {
        return type;
      }
      if (type == int.class) {
        return Integer.class;
      }
      if (type == long.class) {
        return Long.class;
      }
      if (type == double.class) {
        return Double.class;
      }
      if (type == boolean.class) {
        return Boolean.class;
      }
      return Void.class; // other primitives are not carried: nothing is an instance of Void
    }
  }
}
