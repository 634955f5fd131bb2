package org.vertxotp.delivery.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The toolkit's version, as the build wrote it into {@code version.properties}, for the {@code User-Agent}. */
final class Version {

  static final String VERSION = read();

  private Version() {
  }

  private static String read() {
    Properties properties = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException unreadable) {
      return "unknown";
    }
    String version = properties.getProperty("version", "unknown");
    return version.startsWith("${") ? "unknown" : version; // read from sources the build did not filter
  }
}
