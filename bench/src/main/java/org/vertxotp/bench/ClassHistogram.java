package org.vertxotp.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * The JVM's live-object class histogram (what {@code jcmd GC.class_histogram} prints), taken in
 * process, and the difference between two of them: where the bytes a measurement added went.
 */
final class ClassHistogram {

  /** Instances and bytes per class name. */
  private final Map<String, long[]> classes;

  private ClassHistogram(Map<String, long[]> classes) {
    this.classes = classes;
  }

  /** A histogram of live objects now (it collects first). */
  static ClassHistogram take() {
    try {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      Map<String, long[]> classes = new HashMap<>();
      for (String line : text.split("\n")) {
        // "   1:        123456        7890123  java.lang.String (java.base@17)"
        String[] parts = line.trim().split("\\s+");
        if (parts.length >= 4 && parts[0].endsWith(":")) {
          classes.put(parts[3], new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[2])});
        }
      }
      return new ClassHistogram(classes);
    } catch (Exception e) {
      throw new IllegalStateException("no class histogram from this JVM", e);
    }
  }

  /**
   * The {@code top} classes that grew most from {@code before} to this one, per {@code per} units
   * (instances and bytes divided by it), one line each.
   */
  List<String> growthSince(ClassHistogram before, int per, int top) {
    List<Map.Entry<String, long[]>> grown = new ArrayList<>();
    classes.forEach((name, now) -> {
      long[] then = before.classes.getOrDefault(name, new long[2]);
      grown.add(Map.entry(name, new long[] {now[0] - then[0], now[1] - then[1]}));
    });
    grown.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, long[]> entry : grown.subList(0, Math.min(top, grown.size()))) {
      lines.add(String.format("    %7.1f B  %5.2f ×  %s", entry.getValue()[1] / (double) per,
          entry.getValue()[0] / (double) per, entry.getKey()));
    }
    return lines;
  }
}
