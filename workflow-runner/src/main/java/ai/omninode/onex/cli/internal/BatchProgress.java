package ai.omninode.onex.cli.internal;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The progress of a batch: on a terminal a bar redrawn in place (count, percent, rate, failures, ETA); elsewhere (a
 * pipe, a CI log) the same facts as a plain line every few seconds. {@code ONEX_PROGRESS=bar|lines|off} overrides
 * the choice.
 */
public final class BatchProgress {
    /** How progress is shown. */
    public enum Mode { BAR, LINES, OFF }

    private static final long BAR_INTERVAL_MS = 200;
    private static final long LINE_INTERVAL_MS = 5_000;
    private static final int WIDTH = 28;

    private final PrintWriter out;
    private final Mode mode;
    private ScheduledExecutorService ticker;
    private BatchSummary summary;
    private int lastLength;

    public BatchProgress(PrintWriter out, Mode mode) {
        this.out = out;
        this.mode = mode;
    }

    /** A bar when the console is a terminal, else lines; {@code ONEX_PROGRESS} (bar, lines, off) decides if set. */
    public static Mode modeFor(String setting, boolean terminal) {
        if (setting != null) {
            switch (setting.strip().toLowerCase(Locale.ROOT)) {
                case "bar" -> {
                    return Mode.BAR;
                }
                case "lines" -> {
                    return Mode.LINES;
                }
                case "off", "none" -> {
                    return Mode.OFF;
                }
                default -> {
                    // an unknown value: the automatic choice
                }
            }
        }
        return terminal ? Mode.BAR : Mode.LINES;
    }

    void start(BatchSummary s) {
        this.summary = s;
        if (mode == Mode.OFF) {
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "onex-batch-progress");
            t.setDaemon(true);
            return t;
        });
        long interval = mode == Mode.BAR ? BAR_INTERVAL_MS : LINE_INTERVAL_MS;
        ticker.scheduleAtFixedRate(this::show, mode == Mode.BAR ? 0 : interval, interval, TimeUnit.MILLISECONDS);
    }

    /** Stops; a bar is drawn one last time and its line ended, so that the summary starts on a line of its own. */
    void stop() {
        if (ticker == null) {
            return;
        }
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (mode == Mode.BAR) {
            synchronized (this) {
                String last = line(summary);
                out.print("\r" + last + pad(last.length()) + "\n");
                out.flush();
            }
        }
    }

    private synchronized void show() {
        String line = line(summary);
        if (mode == Mode.BAR) {
            out.print("\r" + line + pad(line.length()));
            lastLength = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    private String pad(int length) {
        return lastLength > length ? " ".repeat(lastLength - length) : "";
    }

    /**
     * {@code [#####.....] 412/1000  41%  95.2/s  3 failed  ETA 0:06}, or without the bar for plain lines; for a
     * stream, whose total is unknown, {@code 412 done  95.2/s  3 failed}.
     */
    String line(BatchSummary s) {
        int done = s.done();
        int total = s.total();
        double rate = s.rate();
        if (total == BatchInputs.UNKNOWN) {
            return String.format(Locale.ROOT, "%s%d done  %.1f runs/s  %d failed", mode == Mode.BAR ? "" : "progress: ",
                    done, rate, s.failed());
        }
        int percent = total == 0 ? 100 : (int) (100L * done / total);
        StringBuilder b = new StringBuilder();
        if (mode == Mode.BAR) {
            int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
            b.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        } else {
            b.append("progress: ");
        }
        b.append(String.format(Locale.ROOT, "%d/%d %3d%%  %.1f runs/s  %d failed", done, total, percent, rate,
                s.failed()));
        if (done < total && rate > 0) {
            long eta = (long) Math.ceil((total - done) / rate);
            b.append(String.format(Locale.ROOT, "  ETA %d:%02d", eta / 60, eta % 60));
        }
        return b.toString();
    }
}
