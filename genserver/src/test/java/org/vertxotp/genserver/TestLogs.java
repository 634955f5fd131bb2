package org.vertxotp.genserver;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the tests log. The toolkit's reports (crash reports, supervisor reports), which tests
 * provoke on purpose, are kept here instead of printed, for tests to assert on. Any other record
 * at SEVERE (ERROR) is unexpected: it is printed as usual, and fails the test that caused it.
 */
public final class TestLogs {

  static final String REPORTS = "org.vertxotp.genserver.report";

  private static final Logger REPORT_LOGGER = Logger.getLogger(REPORTS);
  private static final Logger ROOT = Logger.getLogger("");
  private static final Recorder RECORDER = new Recorder();

  static {
    REPORT_LOGGER.setUseParentHandlers(false);
    REPORT_LOGGER.addHandler(RECORDER);
    for (Handler console : ROOT.getHandlers()) {
      console.setFilter(record -> !isAllowed(record)); // an error a test provokes on purpose is not printed either
    }
    ROOT.addHandler(RECORDER);
  }

  private TestLogs() {
  }

  private static final class Recorder extends Handler {
    private final List<LogRecord> records = new ArrayList<>();

    @Override
    public synchronized void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        records.add(record);
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  }

  private static final List<String> ALLOWED = new ArrayList<>();
  private static final List<Predicate<Throwable>> ALLOWED_THROWN = new ArrayList<>();

  /** Forgets what was logged so far, and what was allowed; before each test. */
  public static void reset() {
    synchronized (RECORDER) {
      RECORDER.records.clear();
      ALLOWED.clear();
      ALLOWED_THROWN.clear();
    }
  }

  /** The running test provokes an error whose text (message or exception) contains {@code text}. */
  public static void allow(String text) {
    synchronized (RECORDER) {
      ALLOWED.add(text);
    }
  }

  /** The running test provokes errors whose exception {@code thrown} accepts (a known defect of a library, say). */
  public static void allowThrown(Predicate<Throwable> thrown) {
    synchronized (RECORDER) {
      ALLOWED_THROWN.add(thrown);
    }
  }

  /** The toolkit's reports logged since the test began, as their messages. */
  public static List<String> reports() {
    List<String> reports = new ArrayList<>();
    synchronized (RECORDER) {
      for (LogRecord record : RECORDER.records) {
        if (REPORTS.equals(record.getLoggerName())) {
          reports.add(record.getMessage());
        }
      }
    }
    return reports;
  }

  private static String textOf(LogRecord record) {
    return record.getLoggerName() + ": " + record.getMessage() + (record.getThrown() == null ? "" : " (" + record.getThrown() + ")");
  }

  private static boolean isAllowed(LogRecord record) {
    String text = textOf(record);
    synchronized (RECORDER) {
      return ALLOWED.stream().anyMatch(text::contains)
          || (record.getThrown() != null && ALLOWED_THROWN.stream().anyMatch(allowed -> allowed.test(record.getThrown())));
    }
  }

  /** The records logged since the test began that {@code which} accepts, as text. */
  private static List<String> recorded(Predicate<LogRecord> which) {
    List<String> texts = new ArrayList<>();
    synchronized (RECORDER) {
      for (LogRecord record : RECORDER.records) {
        if (which.test(record)) {
          texts.add(textOf(record));
        }
      }
    }
    return texts;
  }

  private static boolean isError(LogRecord record) {
    return record.getLevel().intValue() >= Level.SEVERE.intValue() && !REPORTS.equals(record.getLoggerName());
  }

  /** WARNING records, logged since the test began. */
  public static List<String> warnings() {
    return recorded(record -> record.getLevel() == Level.WARNING);
  }

  /** SEVERE records other than the toolkit's reports, logged since the test began, allowed or not. */
  public static List<String> errors() {
    return recorded(TestLogs::isError);
  }

  /** SEVERE records other than the toolkit's reports, logged since the test began. */
  public static List<String> unexpectedErrors() {
    return recorded(record -> isError(record) && !isAllowed(record));
  }
}
