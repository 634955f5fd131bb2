package org.vertxotp.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java snippet of the README stands, word for word, in the examples' sources that the build
 * compiles (and mostly runs): between a {@code // README: name} line and a {@code // README end}
 * line, dedented. A snippet edited in one place and not the other fails the build.
 */
class ReadmeTest {

  private static final Path ROOT = Path.of("..");

  @Test
  void everyJavaSnippetOfTheReadmeIsCodeTheBuildCompiles() throws IOException {
    Map<String, String> regions = regions();
    List<String> blocks = javaBlocks(Files.readString(ROOT.resolve("README.md")));
    assertTrue(blocks.size() >= 8, "the README shows its snippets: " + blocks.size());
    for (String block : blocks) {
      if (!regions.containsValue(block)) {
        fail("a README snippet is not in the examples' sources:\n" + block + "\nregions: " + regions.keySet());
      }
    }
  }

  private static List<String> javaBlocks(String readme) {
    List<String> blocks = new ArrayList<>();
    String[] lines = readme.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].equals("```java")) {
        StringBuilder block = new StringBuilder();
        for (i++; !lines[i].equals("```"); i++) {
          block.append(lines[i]).append('\n');
        }
        blocks.add(block.toString());
      }
    }
    return blocks;
  }

  /** Every marked region of the examples' sources, main and test, dedented. */
  private static Map<String, String> regions() throws IOException {
    Map<String, String> regions = new TreeMap<>();
    try (Stream<Path> files = Files.walk(ROOT.resolve("examples/src"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String[] lines = Files.readString(file).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
          String marker = lines[i].trim();
          if (marker.startsWith("// README: ")) {
            List<String> region = new ArrayList<>();
            for (i++; !lines[i].trim().equals("// README end"); i++) {
              region.add(lines[i]);
            }
            regions.put(file.getFileName() + "#" + marker.substring(11), dedent(region));
          }
        }
      }
    }
    return regions;
  }

  private static String dedent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.toString();
  }
}
