package dev.hark.audio.dataset;

import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.segment.SegmenterConfig;
import dev.hark.audio.segment.UtteranceSegmenter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Is one decoded clip fit to learn a digit from? Its format and levels, and the problems a person
 * would hear: silence, clipping, a length no spoken digit has, no word or several words. One check
 * for every place clips come in (a dataset folder, {@code hark train}'s input, enrollment captures),
 * so they all flag the same clips for the same reasons.
 *
 * <pre>{@code
 * ClipCheck.Result r = ClipCheck.defaults().check(WavDecoder.decode(file));
 * if (!r.ok()) System.out.println(r.issues());
 * }</pre>
 *
 * Stateless and thread-safe.
 */
public final class ClipCheck {

    /** What a clip can be flagged for. */
    public enum Flag {
        SILENT("silent"),
        CLIPPED("clipped"),
        TOO_SHORT("too short"),
        TOO_LONG("too long"),
        NO_UTTERANCE("no utterance"),
        SEVERAL_UTTERANCES("several utterances");

        private final String label;

        Flag(String label) {
            this.label = label;
        }

        /** Lower-case words, as summaries print them. */
        public String label() {
            return label;
        }
    }

    /** One problem with its reason in numbers, e.g. "1.2 % of samples at full scale". */
    public record Issue(Flag flag, String reason) {
        @Override
        public String toString() {
            return flag.label() + " (" + reason + ")";
        }
    }

    /**
     * Where a clip stops being fine.
     *
     * @param silentDbfs      silent when no 10 ms frame reaches this level
     * @param fullScale       a sample at or above this magnitude (of 1.0) counts as clipped
     * @param clippedShare    clipped when more than this share of samples is at full scale
     * @param minSeconds      shorter clips are flagged
     * @param maxSeconds      longer clips are flagged
     * @param countUtterances run the segmenter to count words (the slowest part of the check)
     */
    public record Thresholds(double silentDbfs, double fullScale, double clippedShare, double minSeconds,
                             double maxSeconds, boolean countUtterances) {

        public Thresholds {
            if (!(minSeconds < maxSeconds)) {
                throw new IllegalArgumentException("minSeconds must be below maxSeconds");
            }
            if (fullScale <= 0 || fullScale > 1 || clippedShare < 0 || clippedShare >= 1) {
                throw new IllegalArgumentException("fullScale must be in (0, 1] and clippedShare in [0, 1)");
            }
        }

        /**
         * The project's own limits, so a clip that passes here is one the live system would take:
         * silent below the segmenter's quietest possible speech onset ({@link SegmenterConfig#minSpeechDbfs},
         * -60 dBFS: a quieter clip could never start an utterance), shorter than its shortest word
         * ({@link SegmenterConfig#minUtteranceMs}), longer than a clip may be on Kafka
         * ({@link #MAX_CLIP_SECONDS}). Clipping: more than 0.1 % of samples within 0.01 dB of full
         * scale, since a peak-normalized recording legitimately touches it once or twice.
         */
        public static Thresholds defaults() {
            SegmenterConfig seg = SegmenterConfig.defaults();
            return new Thresholds(seg.minSpeechDbfs(), 0.999, 0.001, seg.minUtteranceMs() / 1000.0, MAX_CLIP_SECONDS, true);
        }

        public Thresholds withoutUtteranceCount() {
            return new Thresholds(silentDbfs, fullScale, clippedShare, minSeconds, maxSeconds, false);
        }
    }

    /**
     * What the check found.
     *
     * @param bitDepth          bits per sample of the file
     * @param sampleFormat      e.g. "16-bit PCM"
     * @param channels          of the file (the clip was mixed down to mono)
     * @param peakDbfs          the largest sample magnitude, dB relative to full scale ({@value #FLOOR_DBFS} for digital silence)
     * @param rmsDbfs           the whole clip's RMS level
     * @param loudestFrameDbfs  RMS level of the loudest 10 ms frame: what decides "silent"
     * @param clippedShare      share of samples at full scale
     * @param utterances        words the segmenter hears in it, or -1 when not counted
     */
    public record Result(int sampleRate, int bitDepth, String sampleFormat, int channels, double seconds, double peakDbfs,
                         double rmsDbfs, double loudestFrameDbfs, double clippedShare, int utterances, List<Issue> issues) {

        public Result {
            issues = List.copyOf(issues);
        }

        public boolean ok() {
            return issues.isEmpty();
        }

        public boolean has(Flag flag) {
            return issues.stream().anyMatch(i -> i.flag() == flag);
        }
    }

    /**
     * A clip's longest length, in seconds: the same value as {@code InputLimits.MAX_CLIP_SECONDS} in
     * {@code schemas} (which builds on this module, so it cannot be referenced from here). A longer
     * clip would be refused on {@code audio.clips}.
     */
    public static final int MAX_CLIP_SECONDS = 5;

    /** Levels of digital silence are reported as this instead of -infinity, as the segmenter does. */
    public static final double FLOOR_DBFS = -120.0;

    private static final int FRAME_MS = 10;
    /** Frames the segmenter's floor may remember: bounds the cost of counting words in a long file. */
    private static final int MAX_FLOOR_FRAMES = 1000;

    private final Thresholds thresholds;
    private final SegmenterConfig segmenter;

    public ClipCheck(Thresholds thresholds) {
        this(thresholds, SegmenterConfig.defaults());
    }

    public ClipCheck(Thresholds thresholds, SegmenterConfig segmenter) {
        this.thresholds = thresholds;
        this.segmenter = segmenter;
    }

    public static ClipCheck defaults() {
        return new ClipCheck(Thresholds.defaults());
    }

    public Thresholds thresholds() {
        return thresholds;
    }

    public Result check(Audio audio) {
        float[] x = audio.samples();
        int rate = audio.sampleRate();
        double peak = 0;
        double sumSquares = 0;
        int atFullScale = 0;
        for (float v : x) {
            double a = Math.abs(v);
            peak = Math.max(peak, a);
            sumSquares += a * a;
            if (a >= thresholds.fullScale()) {
                atFullScale++;
            }
        }
        int frame = Math.max(1, rate * FRAME_MS / 1000);
        double loudestFrame = 0;
        for (int f = 0; f < x.length; f += frame) {
            loudestFrame = Math.max(loudestFrame, meanSquare(x, f, Math.min(frame, x.length - f)));
        }
        double seconds = audio.durationSeconds();
        double peakDb = dbfs(peak * peak);
        double rmsDb = x.length == 0 ? FLOOR_DBFS : dbfs(sumSquares / x.length);
        double loudestDb = dbfs(loudestFrame);
        double clipped = x.length == 0 ? 0 : atFullScale / (double) x.length;

        List<Issue> issues = new ArrayList<>();
        boolean silent = loudestDb < thresholds.silentDbfs();
        if (silent) {
            issues.add(new Issue(Flag.SILENT, String.format(Locale.ROOT, "loudest 10 ms at %.1f dBFS, below %.0f",
                    loudestDb, thresholds.silentDbfs())));
        }
        if (clipped > thresholds.clippedShare()) {
            issues.add(new Issue(Flag.CLIPPED, String.format(Locale.ROOT, "%.2f %% of samples at full scale",
                    100 * clipped)));
        }
        if (seconds < thresholds.minSeconds()) {
            issues.add(new Issue(Flag.TOO_SHORT, String.format(Locale.ROOT, "%.3f s, under %.2f s", seconds,
                    thresholds.minSeconds())));
        }
        if (seconds > thresholds.maxSeconds()) {
            issues.add(new Issue(Flag.TOO_LONG, String.format(Locale.ROOT, "%.2f s, over %.0f s", seconds,
                    thresholds.maxSeconds())));
        }
        int utterances = -1;
        if (thresholds.countUtterances()) {
            utterances = silent ? 0 : utterances(x, rate);
            if (utterances == 0 && !silent) {
                issues.add(new Issue(Flag.NO_UTTERANCE, "the segmenter hears no word in it"));
            } else if (utterances > 1) {
                issues.add(new Issue(Flag.SEVERAL_UTTERANCES, "the segmenter hears " + utterances + " separate words"));
            }
        }
        return new Result(rate, audio.sourceFormat().bits(), audio.sourceFormat().toString(), audio.sourceChannels(),
                seconds, peakDb, rmsDb, loudestDb, clipped, utterances, issues);
    }

    /**
     * How many utterances the live segmenter would cut from this clip, heard on its own. A dataset clip
     * is trimmed close to the word, while the segmenter's noise floor is learnt from the room before
     * someone speaks; so the clip is played between stretches of its own room tone (its quietest
     * frame, repeated, and at least 20 dB under its loudest so a clip that is speech from edge to edge
     * is still one word) long enough for the floor to stay at the room's level throughout, and
     * followed by enough of it to end the last word.
     */
    int utterances(float[] x, int rate) {
        int frame = Math.max(1, rate * segmenter.frameMs() / 1000);
        int frames = x.length / frame;
        if (frames == 0) {
            return 0;
        }
        short[] pcm = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            pcm[i] = (short) Pcm16.toInt16(x[i]);
        }
        int quietest = -1;
        double quietestMs = Double.MAX_VALUE;
        double loudestMs = 0;
        for (int f = 0; f < frames; f++) {
            double ms = meanSquare(pcm, f * frame, frame);
            loudestMs = Math.max(loudestMs, ms);
            if (ms > 0 && ms < quietestMs) { // digital zeros say nothing about the room (nor does the segmenter learn from them)
                quietestMs = ms;
                quietest = f;
            }
        }
        if (quietest < 0) {
            return 0;
        }
        short[] tone = Arrays.copyOfRange(pcm, quietest * frame, quietest * frame + frame);
        double ceiling = loudestMs / 100; // 20 dB under the loudest frame
        if (quietestMs > ceiling) {
            double g = Math.sqrt(ceiling / quietestMs);
            for (int i = 0; i < tone.length; i++) {
                tone[i] = (short) Math.round(tone[i] * g);
            }
        }
        // the floor is the 30th percentile of what it remembers: room frames must outnumber the clip's by far
        int leadFrames = Math.max(30, frames / 2 + 1);
        int trailFrames = segmenter.hangoverMs() / segmenter.frameMs() + 2;
        int window = Math.min(MAX_FLOOR_FRAMES, leadFrames + frames) * segmenter.frameMs();
        SegmenterConfig c = segmenter;
        SegmenterConfig config = new SegmenterConfig(c.frameMs(), c.onsetDb(), c.sustainDb(), c.releaseDb(), c.minSpeechDbfs(),
                c.onsetFrames(), c.hangoverMs(), c.preRollMs(), c.postRollMs(), c.minUtteranceMs(), c.maxUtteranceMs(),
                Math.max(c.floorWindowMs(), window), c.floorPercentile());
        UtteranceSegmenter s = new UtteranceSegmenter(config, rate, 0);
        int count = 0;
        for (int f = 0; f < leadFrames; f++) {
            count += s.accept(tone).size();
        }
        count += s.accept(pcm).size();
        for (int f = 0; f < trailFrames; f++) {
            count += s.accept(tone).size();
        }
        return count + s.flush().size();
    }

    private static double meanSquare(float[] x, int from, int n) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            sum += (double) x[i] * x[i];
        }
        return n == 0 ? 0 : sum / n;
    }

    private static double meanSquare(short[] x, int from, int n) {
        double sum = 0;
        for (int i = from; i < from + n; i++) {
            double v = x[i] / 32768.0;
            sum += v * v;
        }
        return sum / n;
    }

    /** dB relative to full scale of a mean square (or a squared peak). */
    static double dbfs(double meanSquare) {
        return meanSquare <= 0 ? FLOOR_DBFS : Math.max(FLOOR_DBFS, 10 * Math.log10(meanSquare));
    }
}
