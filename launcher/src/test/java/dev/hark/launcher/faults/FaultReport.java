package dev.hark.launcher.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Locale;

/**
 * The fault table, one row per scenario as it finishes: appended to {@code faults.md} (the table of
 * docs/faults.md) and {@code faults.csv} in the run's directory, and printed.
 */
final class FaultReport {
    private final Path md;
    private final Path csv;

    FaultReport(Path dir, String header) {
        this.md = dir.resolve("faults.md");
        this.csv = dir.resolve("faults.csv");
        try {
            Files.createDirectories(dir);
            if (!Files.exists(md)) {
                Files.writeString(md, "# Fault suite run " + Instant.now() + "\n\n" + header + "\n\n"
                        + "| scenario | inputs | predictions | dead letters | missing | duplicates | recovery | longest pause in predictions | notes |\n"
                        + "|---|---|---|---|---|---|---|---|---|\n", StandardCharsets.UTF_8);
            }
            if (!Files.exists(csv)) {
                Files.writeString(csv, "scenario,inputs,predictions,dead_letters,missing,duplicates,recovery_s,"
                        + "running_s,longest_pause_s,outcome,notes\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param recoveryS restart → first new output, NaN where there is no restart
     * @param runningS  restart → RUNNING, NaN where there is no restart
     */
    void row(String scenario, Ledger.Count c, double recoveryS, double runningS, double longestPauseS, String outcome,
             String notes) {
        String recovery = Double.isNaN(recoveryS) ? "–"
                : String.format(Locale.ROOT, "%.1f s (RUNNING after %.1f s)", recoveryS, runningS);
        notes = notes + (c.deadLetterReasons().isEmpty() ? "" : "; dead letters by stage/reason " + c.deadLetterReasons());
        String mdRow = String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %s | %.1f s | %s%s |%n", scenario,
                c.inputs(), c.predicted(), c.deadLettered(), c.missing(), c.duplicated(), recovery, longestPauseS,
                outcome.equals("pass") ? "" : "**" + outcome + "** ", notes.replace("|", "\\|").replace("\n", " "));
        String csvRow = String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%s,%s,%.2f,%s,\"%s\"%n", scenario, c.inputs(),
                c.predicted(), c.deadLettered(), c.missing(), c.duplicated(), Double.isNaN(recoveryS) ? "" : String.format(
                        Locale.ROOT, "%.2f", recoveryS), Double.isNaN(runningS) ? "" : String.format(Locale.ROOT, "%.2f",
                        runningS), longestPauseS, outcome, notes.replace("\"", "'").replace("\n", " "));
        try {
            Files.writeString(md, mdRow, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            Files.writeString(csv, csvRow, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print("FAULT ROW " + mdRow);
    }

    Path markdown() {
        return md;
    }
}
