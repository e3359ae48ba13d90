package dev.hark.audio.synth;

import java.util.Locale;

/** A closed range of factors, {@code 0.85-1.2}, that a clip's rate or pitch is drawn from. */
public record SynthRange(double low, double high) {

    public SynthRange {
        if (!(low > 0) || !(high >= low) || high > 4) {
            throw new IllegalArgumentException("a range must be LOW-HIGH with 0 < LOW <= HIGH <= 4, got " + low + "-" + high);
        }
    }

    /** {@code LOW-HIGH}, or one number for no variation. */
    public static SynthRange parse(String text) {
        String[] parts = text.strip().split("\\s*-\\s*", -1);
        try {
            if (parts.length == 1) {
                double v = Double.parseDouble(parts[0]);
                return new SynthRange(v, v);
            }
            if (parts.length == 2) {
                return new SynthRange(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]));
            }
        } catch (NumberFormatException e) {
            // the message below says what was expected
        }
        throw new IllegalArgumentException("'" + text + "' is not a range LOW-HIGH such as 0.85-1.2");
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s-%s", strip(low), strip(high));
    }

    private static String strip(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
