package dev.hark.audio.dsp;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything that decides what a log-mel matrix contains, and the id derived from it. Immutable.
 *
 * <p>The first thirteen fields mean exactly what torchaudio's {@code MelSpectrogram} arguments of the
 * same names mean; the rest turn its output into what the model sees:
 * {@code ln(max(mel, logFloor))}, fitted to {@code clipFrames} frames by {@link Fit}, then normalised by
 * {@link Normalisation}. See docs/dsp.md for the defaults and why.
 *
 * <p>{@link #id()} is {@code "lm-"} + the first 12 hex digits of the SHA-256 of {@link #canonical()},
 * a text form of every field that does not depend on the JVM (floats are written as their exact
 * decimal values), so equal specs have equal ids everywhere. Bump {@code dspVersion} whenever the code
 * changes what it computes for the same fields: that changes the id and keeps old models off new features.
 */
public final class FeatureSpec {

    /** Version of what {@link LogMelExtractor} computes; part of the id. */
    public static final int CURRENT_DSP_VERSION = 1;

    /** Analysis window, as torch makes it. */
    public enum Window {
        /** {@code torch.hann_window(win_length)} (periodic=True), zero-padded to n_fft in the centre. */
        HANN("hann");

        private final String code;

        Window(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Window parse(String code) {
            return FeatureSpec.parse(Window.class, values(), code, Window::code);
        }
    }

    /** How the signal is extended by n_fft/2 at each end when {@code center}: torch.stft's pad_mode. */
    public enum PadMode {
        REFLECT("reflect"),
        CONSTANT("constant");

        private final String code;

        PadMode(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static PadMode parse(String code) {
            return FeatureSpec.parse(PadMode.class, values(), code, PadMode::code);
        }
    }

    public enum MelScale {
        HTK("htk"),
        SLANEY("slaney");

        private final String code;

        MelScale(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static MelScale parse(String code) {
            return FeatureSpec.parse(MelScale.class, values(), code, MelScale::code);
        }
    }

    /** Filterbank normalisation: none (peak 1) or slaney (area: each triangle scaled by 2/width in Hz). */
    public enum MelNorm {
        NONE("none"),
        SLANEY("slaney");

        private final String code;

        MelNorm(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        /** torchaudio's {@code norm} argument: null for none. */
        public String torchName() {
            return this == NONE ? null : code;
        }

        public static MelNorm parse(String code) {
            return code == null ? NONE : FeatureSpec.parse(MelNorm.class, values(), code, MelNorm::code);
        }
    }

    /** How a matrix of another length is made {@code clipFrames} long. Padding uses {@code ln(logFloor)}: silence. */
    public enum Fit {
        /** Longer: keep the middle frames (extra odd frame dropped at the end). Shorter: centre it, pad both sides (extra odd frame at the end). */
        CENTER("center"),
        /** Longer: keep the first frames. Shorter: pad at the end. */
        START("start");

        private final String code;

        Fit(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Fit parse(String code) {
            return FeatureSpec.parse(Fit.class, values(), code, Fit::code);
        }
    }

    /** Applied to the fitted log-mel matrix; std is floored at {@link LogMelExtractor#STD_FLOOR}. */
    public enum Normalisation {
        NONE("none"),
        /** (x - mean) / std over the whole matrix: removes gain, keeps the spectral shape. */
        UTTERANCE_MEAN_STD("utterance-mean-std"),
        /** (x - mean) / std per mel band over time (cepstral mean and variance normalisation style). */
        BAND_MEAN_STD("band-mean-std");

        private final String code;

        Normalisation(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Normalisation parse(String code) {
            return FeatureSpec.parse(Normalisation.class, values(), code, Normalisation::code);
        }
    }

    private static final FeatureSpec DEFAULTS = builder().build();

    private final int sampleRate;
    private final int nFft;
    private final int winLength;
    private final int hopLength;
    private final Window window;
    private final boolean center;
    private final PadMode padMode;
    private final float power;
    private final int nMels;
    private final float fMin;
    private final float fMax;
    private final MelScale melScale;
    private final MelNorm melNorm;
    private final float logFloor;
    private final int clipFrames;
    private final Fit fit;
    private final Normalisation normalisation;
    private final int dspVersion;
    private final String canonical;
    private final String id;

    private FeatureSpec(Builder b) {
        sampleRate = b.sampleRate;
        nFft = b.nFft;
        winLength = b.winLength;
        hopLength = b.hopLength;
        window = Objects.requireNonNull(b.window, "window");
        center = b.center;
        padMode = Objects.requireNonNull(b.padMode, "padMode");
        power = b.power;
        nMels = b.nMels;
        fMin = b.fMin;
        fMax = b.fMax;
        melScale = Objects.requireNonNull(b.melScale, "melScale");
        melNorm = Objects.requireNonNull(b.melNorm, "melNorm");
        logFloor = b.logFloor;
        clipFrames = b.clipFrames;
        fit = Objects.requireNonNull(b.fit, "fit");
        normalisation = Objects.requireNonNull(b.normalisation, "normalisation");
        dspVersion = b.dspVersion;
        validate();
        canonical = buildCanonical();
        id = "lm-" + dev.hark.audio.Digests.sha256(canonical).substring(0, 12);
    }

    private void validate() {
        require(sampleRate >= 1_000 && sampleRate <= 384_000, "sampleRate must be in 1000..384000 Hz, got " + sampleRate);
        require(nFft >= 2 && nFft % 2 == 0, "nFft must be even and >= 2, got " + nFft);
        require(winLength >= 1 && winLength <= nFft, "winLength must be in 1..nFft (" + nFft + "), got " + winLength);
        require(hopLength >= 1, "hopLength must be >= 1, got " + hopLength);
        require(power > 0 && Float.isFinite(power), "power must be positive, got " + power);
        require(nMels >= 1, "nMels must be >= 1, got " + nMels);
        require(fMin >= 0 && fMin < fMax, "need 0 <= fMin < fMax, got " + fMin + ", " + fMax);
        require(fMax <= sampleRate / 2.0, "fMax " + fMax + " is above the Nyquist frequency " + sampleRate / 2.0);
        require(logFloor > 0 && Float.isFinite(logFloor), "logFloor must be positive, got " + logFloor);
        require(clipFrames >= 1, "clipFrames must be >= 1, got " + clipFrames);
        require(dspVersion >= 1, "dspVersion must be >= 1, got " + dspVersion);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The project defaults (docs/dsp.md explains each). */
    public static FeatureSpec defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@code "lm-"} + 12 hex digits; equal for equal specs on every JVM. */
    /**
     * The configuration for JSON: torchaudio's MelSpectrogram argument names ({@code sample_rate},
     * {@code n_fft}, ... {@code mel_scale}) plus Hark's own keys for the rest, and the id.
     */
    public java.util.Map<String, Object> toJsonMap() {
        java.util.Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("sample_rate", sampleRate);
        c.put("n_fft", nFft);
        c.put("win_length", winLength);
        c.put("hop_length", hopLength);
        c.put("f_min", fMin);
        c.put("f_max", fMax);
        c.put("n_mels", nMels);
        c.put("window", window.code());
        c.put("center", center);
        c.put("pad_mode", padMode.code());
        c.put("power", power);
        c.put("norm", melNorm.torchName());
        c.put("mel_scale", melScale.code());
        c.put("id", id());
        c.put("log_floor", logFloor);
        c.put("clip_frames", clipFrames);
        c.put("fit", fit.code());
        c.put("normalisation", normalisation.code());
        c.put("dsp_version", dspVersion);
        return c;
    }

    public String id() {
        return id;
    }

    /** The text the id hashes: {@code key=value} pairs in a fixed order, separated by {@code ;}. */
    public String canonical() {
        return canonical;
    }

    private String buildCanonical() {
        return "hark-logmel"
                + ";dsp_version=" + dspVersion
                + ";sample_rate=" + sampleRate
                + ";n_fft=" + nFft
                + ";win_length=" + winLength
                + ";hop_length=" + hopLength
                + ";window=" + window.code()
                + ";center=" + center
                + ";pad_mode=" + padMode.code()
                + ";power=" + exact(power)
                + ";n_mels=" + nMels
                + ";f_min=" + exact(fMin)
                + ";f_max=" + exact(fMax)
                + ";mel_scale=" + melScale.code()
                + ";mel_norm=" + melNorm.code()
                + ";log_floor=" + exact(logFloor)
                + ";clip_frames=" + clipFrames
                + ";fit=" + fit.code()
                + ";normalisation=" + normalisation.code();
    }

    /**
     * The float's exact decimal value. Float.toString is not used because its digits changed between
     * JDK releases (JDK-4511638, fixed in 19): the id must not.
     */
    static String exact(float v) {
        return new BigDecimal(v).stripTrailingZeros().toPlainString();
    }

    private static <E extends Enum<E>> E parse(Class<E> type, E[] values, String code,
                                               java.util.function.Function<E, String> codeOf) {
        for (E e : values) {
            if (codeOf.apply(e).equals(code)) {
                return e;
            }
        }
        StringBuilder known = new StringBuilder();
        for (E e : values) {
            known.append(known.length() == 0 ? "" : ", ").append(codeOf.apply(e));
        }
        throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + code + "'; known: " + known);
    }

    /** Frames a signal of {@code samples} samples at {@link #sampleRate()} gives before fitting. */
    public int framesFor(int samples) {
        int padded = center ? samples + 2 * (nFft / 2) : samples;
        return padded < nFft ? 0 : 1 + (padded - nFft) / hopLength;
    }

    /** Seconds of audio that give exactly {@link #clipFrames()} frames. */
    public double clipSeconds() {
        int span = center ? (clipFrames - 1) * hopLength : (clipFrames - 1) * hopLength + nFft;
        return span / (double) sampleRate;
    }

    public int sampleRate() { return sampleRate; }
    public int nFft() { return nFft; }
    public int winLength() { return winLength; }
    public int hopLength() { return hopLength; }
    public Window window() { return window; }
    public boolean center() { return center; }
    public PadMode padMode() { return padMode; }
    public float power() { return power; }
    public int nMels() { return nMels; }
    public float fMin() { return fMin; }
    public float fMax() { return fMax; }
    public MelScale melScale() { return melScale; }
    public MelNorm melNorm() { return melNorm; }
    public float logFloor() { return logFloor; }
    public int clipFrames() { return clipFrames; }
    public Fit fit() { return fit; }
    public Normalisation normalisation() { return normalisation; }
    public int dspVersion() { return dspVersion; }

    /** Number of frequency bins of the one-sided spectrum. */
    public int nFreqs() {
        return nFft / 2 + 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureSpec other && canonical.equals(other.canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "%s: %d Hz, n_fft %d, win %d (%.1f ms %s), hop %d (%.1f ms), center %s/%s, power %s, %d %s mels "
                        + "%s–%s Hz norm %s, ln(max(mel, %s)), %d frames (%.2f s) fit %s, %s, dsp v%d",
                id, sampleRate, nFft, winLength, 1000.0 * winLength / sampleRate, window.code(), hopLength,
                1000.0 * hopLength / sampleRate, center, padMode.code(), trim(power), nMels, melScale.code(),
                trim(fMin), trim(fMax), melNorm.code(), logFloor, clipFrames, clipSeconds(), fit.code(),
                normalisation.code(), dspVersion);
    }

    private static String trim(float v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v);
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        private int sampleRate = 8000;
        private int nFft = 256;
        private int winLength = 200;
        private int hopLength = 80;
        private Window window = Window.HANN;
        private boolean center = true;
        private PadMode padMode = PadMode.REFLECT;
        private float power = 2.0f;
        private int nMels = 40;
        private float fMin = 20f;
        private float fMax = 4000f;
        private MelScale melScale = MelScale.HTK;
        private MelNorm melNorm = MelNorm.NONE;
        private float logFloor = 1e-6f;
        private int clipFrames = 101;
        private Fit fit = Fit.CENTER;
        private Normalisation normalisation = Normalisation.UTTERANCE_MEAN_STD;
        private int dspVersion = CURRENT_DSP_VERSION;

        private Builder() {
        }

        private Builder(FeatureSpec s) {
            sampleRate = s.sampleRate;
            nFft = s.nFft;
            winLength = s.winLength;
            hopLength = s.hopLength;
            window = s.window;
            center = s.center;
            padMode = s.padMode;
            power = s.power;
            nMels = s.nMels;
            fMin = s.fMin;
            fMax = s.fMax;
            melScale = s.melScale;
            melNorm = s.melNorm;
            logFloor = s.logFloor;
            clipFrames = s.clipFrames;
            fit = s.fit;
            normalisation = s.normalisation;
            dspVersion = s.dspVersion;
        }

        public Builder sampleRate(int v) { sampleRate = v; return this; }
        public Builder nFft(int v) { nFft = v; return this; }
        public Builder winLength(int v) { winLength = v; return this; }
        public Builder hopLength(int v) { hopLength = v; return this; }
        public Builder window(Window v) { window = v; return this; }
        public Builder center(boolean v) { center = v; return this; }
        public Builder padMode(PadMode v) { padMode = v; return this; }
        public Builder power(float v) { power = v; return this; }
        public Builder nMels(int v) { nMels = v; return this; }
        public Builder fMin(float v) { fMin = v; return this; }
        public Builder fMax(float v) { fMax = v; return this; }
        public Builder melScale(MelScale v) { melScale = v; return this; }
        public Builder melNorm(MelNorm v) { melNorm = v; return this; }
        public Builder logFloor(float v) { logFloor = v; return this; }
        public Builder clipFrames(int v) { clipFrames = v; return this; }
        public Builder fit(Fit v) { fit = v; return this; }
        public Builder normalisation(Normalisation v) { normalisation = v; return this; }
        public Builder dspVersion(int v) { dspVersion = v; return this; }

        public FeatureSpec build() {
            return new FeatureSpec(this);
        }
    }
}
