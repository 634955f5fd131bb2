package org.vertxotp.genserver;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test a fresh Vert.x instance and closes it after the test, waiting for the close.
 * The event-loop pool has the default size, or the size the system property {@value #LOOPS}
 * gives: the build runs the whole suite a second time with one event loop, where every verticle
 * and server shares one thread, so that confinement by context (not by thread) is tested.
 *
 * <p>A test fails if anything other than the toolkit's reports was logged at ERROR while it ran,
 * its Vert.x close included.
 */
public final class TestVertx implements ParameterResolver, BeforeEachCallback, AfterEachCallback {

  public static final String LOOPS = "genserver.test.eventLoops";

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TestVertx.class);

  public static VertxOptions options() {
    VertxOptions options = new VertxOptions();
    String loops = System.getProperty(LOOPS);
    if (loops != null && !loops.isBlank()) {
      options.setEventLoopPoolSize(Integer.parseInt(loops.trim()));
    }
    return options;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    TestLogs.reset();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
    return parameter.getParameter().getType() == Vertx.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
    return extension.getStore(NAMESPACE).getOrComputeIfAbsent("vertx", key -> Vertx.vertx(options()), Vertx.class);
  }

  @Override
  public void afterEach(ExtensionContext extension) throws Exception {
    Vertx vertx = extension.getStore(NAMESPACE).remove("vertx", Vertx.class);
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    List<String> errors = TestLogs.unexpectedErrors();
    if (!errors.isEmpty()) {
      throw new AssertionError("logged at ERROR: " + errors);
    }
  }
}
