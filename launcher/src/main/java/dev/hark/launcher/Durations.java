package dev.hark.launcher;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human durations for options: 500ms, 30s, 15m, 12h, 7d, forever (= -1). */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    static long parseMs(String text) {
        String t = text.trim().toLowerCase();
        if (t.equals("forever") || t.equals("-1")) {
            return -1;
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (examples: 30s, 15m, 12h, 7d, forever)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            case "d" -> n * 86_400_000;
            default -> throw new IllegalArgumentException(unit);
        };
    }

    /** 42s, 3m05s, 1h02m: for progress and summaries. */
    static String seconds(double s) {
        long t = Math.round(s);
        if (t < 60) {
            return t + "s";
        }
        if (t < 3600) {
            return String.format(java.util.Locale.ROOT, "%dm%02ds", t / 60, t % 60);
        }
        return String.format(java.util.Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60);
    }
}
