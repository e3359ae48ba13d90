package dev.hark.features.dsp;

/**
 * Only the FFTs of a clip, as {@link LogMelExtractor} runs them (TarsosDSP's butterflies through
 * {@link PackedFft}, two frames per transform), on frames windowed once beforehand: the most clips per
 * second any pipeline built on TarsosDSP's FFT could reach if decoding, framing, unpacking, filterbank
 * and logs cost nothing. For the benchmark; not thread-safe.
 */
public final class FftCeiling {

    private final PackedFft fft;
    private final float[][] pairs;
    private final float[] z;

    public FftCeiling(FeatureSpec spec, float[] signal) {
        LogMelExtractor extractor = new LogMelExtractor(spec);
        int frames = spec.framesFor(signal.length);
        fft = new PackedFft(spec.nFft());
        pairs = new float[(frames + 1) / 2][];
        for (int p = 0; p < pairs.length; p++) {
            pairs[p] = new float[2 * spec.nFft()];
            extractor.loadPair(signal, 2 * p, 2 * p + 1 < frames, pairs[p]);
        }
        z = new float[2 * spec.nFft()];
    }

    /** Copies each windowed pair in (the FFT works in place) and transforms it; returns a checksum. */
    public float transformAll() {
        float sum = 0;
        for (float[] pair : pairs) {
            System.arraycopy(pair, 0, z, 0, z.length);
            fft.transform(z);
            sum += z[2];
        }
        return sum;
    }
}
