package dev.hark.trainer.model;

import dev.hark.audio.Resampler;
import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.audio.dsp.MelFilterbank;
import dev.hark.audio.dsp.augment.ChannelFilter;
import dev.hark.audio.dsp.augment.PitchShift;
import dev.hark.audio.dsp.augment.Reverb;
import dev.hark.audio.dsp.augment.TimeStretch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training-time augmentation aimed at voices, microphones and rooms the model has not heard. Each
 * epoch draws new variants of every training clip from a random stream seeded by (seed, epoch, clip),
 * so a run is reproducible whatever the thread count.
 *
 * <ul>
 *   <li>{@code speed}: play faster or slower by up to ±speed (resampling: tempo and pitch move together,
 *       like a shorter or longer vocal tract and a quicker or slower speaker);</li>
 *   <li>{@code pitch}: shift the pitch by up to ±pitch semitones, duration kept (rounded to 1 % of
 *       frequency: {@link PitchShift});</li>
 *   <li>{@code tempo}: speak faster or slower by up to ±tempo, pitch kept (WSOLA: {@link TimeStretch});</li>
 *   <li>{@code gain}: ±dB;</li>
 *   <li>{@code noise}: with this probability, white noise at {@code snrmin}–{@code snrmax} dB SNR;</li>
 *   <li>{@code shift}: up to this many seconds of silence added at each end (where the word sits in the clip);</li>
 *   <li>{@code reverb}: with this probability, a synthetic room ({@link Reverb#random}: RT60 0.1–0.6 s,
 *       direct-to-reverberant ratio -3…12 dB), after the shift so its tail can ring into the added silence;</li>
 *   <li>{@code channel}: with this probability, a microphone or line colouring ({@link ChannelFilter#random}:
 *       high-pass 100–400 Hz and low-pass 2.5–3.8 kHz each on half of these clips, tilt ±12 dB);</li>
 *   <li>{@code vtlp}: vocal-tract-length perturbation, warping the mel axis by a factor within ±vtlp;</li>
 *   <li>{@code fmask}/{@code tmask}: SpecAugment masks (two each, up to this many bands or frames).</li>
 * </ul>
 *
 * <p>The default is what measurably helped on inner validation folds (speakers held out of training,
 * never the test speaker): see docs/training.md. SpecAugment masks and mixup did not
 * help here and are off by default; pitch, tempo, reverb and channel are off until measured.
 *
 * <p>Each step draws from the stream only when it is on, so adding a key never changes the variants
 * the other keys produce when it is off (the default's variants are the same as before these keys
 * existed).
 */
public record Augmentation(double speed, double pitchSemitones, double tempo, double gainDb, double noiseProb,
                           double snrMinDb, double snrMaxDb, double shiftSec, double reverbProb, double channelProb,
                           double vtlp, int freqMaskMax, int timeMaskMax) {

    public static final Augmentation NONE = new Augmentation(0, 0, 0, 0, 0, 10, 40, 0, 0, 0, 0, 0, 0);
    public static final Augmentation DEFAULT = new Augmentation(0.15, 0, 0, 6, 0.5, 10, 40, 0.15, 0, 0, 0.1, 0, 0);

    /** Every key, in the order parse's messages list them. */
    static final String KEYS = "speed, pitch, tempo, gain, noise, snrmin, snrmax, shift, reverb, channel, vtlp, fmask, tmask";

    public boolean any() {
        return speed > 0 || pitchSemitones > 0 || tempo > 0 || gainDb > 0 || noiseProb > 0 || shiftSec > 0
                || reverbProb > 0 || channelProb > 0 || vtlp > 0 || freqMaskMax > 0 || timeMaskMax > 0;
    }

    /** {@code none}, {@code default}, or {@code key=value,...} over the keys in the class comment. */
    public static Augmentation parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("default")) {
            return DEFAULT;
        }
        if (t.equals("none")) {
            return NONE;
        }
        double speed = 0, pitch = 0, tempo = 0, gain = 0, noise = 0, snrMin = 10, snrMax = 40, shift = 0;
        double reverb = 0, channel = 0, vtlp = 0;
        int fmask = 0, tmask = 0;
        for (String kv : t.split(",")) {
            String[] p = kv.split("=", 2);
            if (p.length != 2) {
                throw new IllegalArgumentException("augmentation '" + kv + "' is not key=value (keys: " + KEYS + ")");
            }
            double v;
            try {
                v = Double.parseDouble(p[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("augmentation " + p[0] + ": '" + p[1] + "' is not a number");
            }
            switch (p[0].strip()) {
                case "speed" -> speed = v;
                case "pitch" -> pitch = v;
                case "tempo" -> tempo = v;
                case "gain" -> gain = v;
                case "noise" -> noise = v;
                case "snrmin" -> snrMin = v;
                case "snrmax" -> snrMax = v;
                case "shift" -> shift = v;
                case "reverb" -> reverb = v;
                case "channel" -> channel = v;
                case "vtlp" -> vtlp = v;
                case "fmask" -> fmask = (int) v;
                case "tmask" -> tmask = (int) v;
                default -> throw new IllegalArgumentException("unknown augmentation '" + p[0] + "' (keys: " + KEYS + ")");
            }
        }
        if (speed >= 0.5 || vtlp >= 0.5) {
            throw new IllegalArgumentException("speed and vtlp are fractions below 0.5, e.g. speed=0.15");
        }
        // the newer keys are checked strictly (NaN included); the older ones keep what they always accepted
        if (!(pitch >= 0 && pitch <= 12)) {
            throw new IllegalArgumentException("pitch is the largest shift in semitones, 0–12, e.g. pitch=2; got " + pitch);
        }
        if (!(tempo >= 0 && tempo < 0.5)) {
            throw new IllegalArgumentException("tempo is a fraction below 0.5, e.g. tempo=0.15; got " + tempo);
        }
        if (!(reverb >= 0 && reverb <= 1)) {
            throw new IllegalArgumentException("reverb is a probability, 0–1, e.g. reverb=0.3; got " + reverb);
        }
        if (!(channel >= 0 && channel <= 1)) {
            throw new IllegalArgumentException("channel is a probability, 0–1, e.g. channel=0.3; got " + channel);
        }
        return new Augmentation(speed, pitch, tempo, gain, noise, snrMin, snrMax, shift, reverb, channel, vtlp, fmask, tmask);
    }

    @Override
    public String toString() {
        if (!any()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        if (speed > 0) parts.add(fmt("speed", speed));
        if (pitchSemitones > 0) parts.add(fmt("pitch", pitchSemitones));
        if (tempo > 0) parts.add(fmt("tempo", tempo));
        if (gainDb > 0) parts.add(fmt("gain", gainDb));
        if (noiseProb > 0) {
            parts.add(fmt("noise", noiseProb));
            parts.add(fmt("snrmin", snrMinDb));
            parts.add(fmt("snrmax", snrMaxDb));
        }
        if (shiftSec > 0) parts.add(fmt("shift", shiftSec));
        if (reverbProb > 0) parts.add(fmt("reverb", reverbProb));
        if (channelProb > 0) parts.add(fmt("channel", channelProb));
        if (vtlp > 0) parts.add(fmt("vtlp", vtlp));
        if (freqMaskMax > 0) parts.add("fmask=" + freqMaskMax);
        if (timeMaskMax > 0) parts.add("tmask=" + timeMaskMax);
        return String.join(",", parts);
    }

    private static String fmt(String k, double v) {
        String s = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
        return k + "=" + s;
    }

    /** The model input [nMels][clipFrames] for one augmented variant of {@code samples}. */
    public float[][] features(LogMelExtractor extractor, float[] samples, SplittableRandom rnd) {
        FeatureSpec spec = extractor.spec();
        int rate = spec.sampleRate();
        float[] s = samples;
        if (speed > 0) {
            // quantised to 1 %: the resampler caches one filter per rate pair
            int pct = (int) Math.round((1 + (rnd.nextDouble() * 2 - 1) * speed) * 100);
            if (pct != 100) {
                s = Resampler.of(rate * pct / 100, rate).process(s); // pct > 100: shorter and higher
            }
        }
        if (pitchSemitones > 0) {
            s = PitchShift.shift(s, rate, (rnd.nextDouble() * 2 - 1) * pitchSemitones);
        }
        if (tempo > 0) {
            // quantised to 1 % like speed, so a draw of exactly 1 costs nothing
            int pct = (int) Math.round((1 + (rnd.nextDouble() * 2 - 1) * tempo) * 100);
            if (pct != 100) {
                s = TimeStretch.tempo(s, rate, pct / 100.0);
            }
        }
        if (gainDb > 0 || noiseProb > 0) {
            s = s.clone();
            double g = gainDb > 0 ? Math.pow(10, (rnd.nextDouble() * 2 - 1) * gainDb / 20) : 1;
            double rms = 0;
            for (float v : s) {
                rms += v * v;
            }
            rms = Math.sqrt(rms / Math.max(1, s.length));
            double sigma = 0;
            if (noiseProb > 0 && rnd.nextDouble() < noiseProb) {
                double snr = snrMinDb + rnd.nextDouble() * (snrMaxDb - snrMinDb);
                sigma = rms * Math.pow(10, -snr / 20);
            }
            for (int i = 0; i < s.length; i++) {
                double v = s[i] * g + (sigma > 0 ? gauss(rnd) * sigma * g : 0);
                s[i] = (float) Math.max(-1, Math.min(1, v));
            }
        }
        if (shiftSec > 0) {
            int max = (int) (shiftSec * rate);
            int before = rnd.nextInt(max + 1);
            int after = rnd.nextInt(max + 1);
            float[] t = new float[s.length + before + after];
            System.arraycopy(s, 0, t, before, s.length);
            s = t;
        }
        // room, then microphone: the order sound travels in. Both keep the clip's level and length.
        if (reverbProb > 0 && rnd.nextDouble() < reverbProb) {
            s = Reverb.apply(s, rate, Reverb.random(rnd));
        }
        if (channelProb > 0 && rnd.nextDouble() < channelProb) {
            s = ChannelFilter.random(rnd).apply(s, rate);
        }
        float[][] mel = extractor.mel(s);
        if (vtlp > 0) {
            mel = warp(extractor.filterbank(), spec.melScale(), mel, 1 + (rnd.nextDouble() * 2 - 1) * vtlp);
        }
        float[][] f = extractor.toModelInput(mel);
        int nMels = f.length;
        int frames = f[0].length;
        for (int k = 0; k < 2 && freqMaskMax > 0; k++) {
            int w = rnd.nextInt(freqMaskMax + 1);
            int f0 = rnd.nextInt(Math.max(1, nMels - w));
            for (int m = f0; m < Math.min(nMels, f0 + w); m++) {
                java.util.Arrays.fill(f[m], 0f); // 0 = the utterance mean after normalisation
            }
        }
        for (int k = 0; k < 2 && timeMaskMax > 0; k++) {
            int w = rnd.nextInt(timeMaskMax + 1);
            int t0 = rnd.nextInt(Math.max(1, frames - w));
            for (float[] row : f) {
                java.util.Arrays.fill(row, t0, Math.min(frames, t0 + w), 0f);
            }
        }
        return f;
    }

    private static double gauss(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * Frequency warp f → alpha·f of the mel power: output band m reads the input where band m's centre
     * frequency divided by alpha falls, interpolating linearly on the mel scale between band centres
     * (clamped at the ends).
     */
    static float[][] warp(MelFilterbank fb, FeatureSpec.MelScale scale, float[][] mel, double alpha) {
        int n = mel.length;
        int frames = mel[0].length;
        double[] centre = new double[n];
        for (int m = 0; m < n; m++) {
            centre[m] = MelFilterbank.hzToMel(fb.centreHz(m), scale);
        }
        float[][] out = new float[n][frames];
        int j = 0;
        for (int m = 0; m < n; m++) {
            double f = MelFilterbank.hzToMel(fb.centreHz(m) / alpha, scale);
            double src;
            if (f <= centre[0]) {
                src = 0;
            } else if (f >= centre[n - 1]) {
                src = n - 1;
            } else {
                j = 0;
                while (centre[j + 1] < f) {
                    j++;
                }
                src = j + (f - centre[j]) / (centre[j + 1] - centre[j]);
            }
            int i0 = (int) Math.floor(src);
            int i1 = Math.min(n - 1, i0 + 1);
            float w = (float) (src - i0);
            for (int t = 0; t < frames; t++) {
                out[m][t] = (1 - w) * mel[i0][t] + w * mel[i1][t];
            }
        }
        return out;
    }
}
