package dev.hark.launcher;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: redrawn in place on a terminal, and on a pipe or CI log one
 * line per {@link #done} only, so logs stay readable.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final String label;
    private final long total;
    private final long started = System.nanoTime();
    private long lastDraw;
    private int lastLength;

    ProgressBar(String label, long total) {
        this(System.err, System.console() != null, label, total);
    }

    ProgressBar(PrintStream out, boolean terminal, String label, long total) {
        this.out = out;
        this.terminal = terminal;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** Redraws at most ten times a second; {@code detail} goes after the bar. */
    synchronized void update(long done, String detail) {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        String line = render(done, detail);
        out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        out.flush();
        lastLength = line.length();
    }

    /** Finishes the bar with its final state and a newline. */
    synchronized void done(long done, String detail) {
        String line = render(done, detail);
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())) + "\n");
        } else {
            out.println(line);
        }
        out.flush();
        lastLength = 0;
    }

    String render(long done, String detail) {
        double f = Math.min(1, done / (double) total);
        int full = (int) Math.round(f * WIDTH);
        double elapsed = (System.nanoTime() - started) / 1e9;
        String eta = done > 0 && done < total ? " eta " + Durations.seconds(elapsed / done * (total - done)) : "";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d %s%s%s", label, "#".repeat(full), ".".repeat(WIDTH - full),
                done, total, Durations.seconds(elapsed), eta, detail == null || detail.isEmpty() ? "" : "  " + detail);
    }
}
