package dev.hark.trainer;

import dev.hark.trainer.data.LabeledClip;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Learnable audio without recordings: "digit" d is a 0.4 s chirp whose slope is (d − 4.5)·1500 Hz/s
 * around 2 kHz, with a little noise; "speakers" shift the pitch by a few percent. A slope is a local
 * pattern in the spectrogram, which a convolution with global pooling can see. Enough to check that
 * training learns, exports and reproduces, on a fresh clone without ../shared.
 */
final class SyntheticDigits {

    static List<LabeledClip> clips(int perDigitPerSpeaker, String[] speakers, long seed) {
        Random r = new Random(seed);
        List<LabeledClip> out = new ArrayList<>();
        int rate = 8000;
        for (int si = 0; si < speakers.length; si++) {
            double shift = 1 + 0.03 * (si - speakers.length / 2.0);
            for (int d = 0; d < 10; d++) {
                for (int t = 0; t < perDigitPerSpeaker; t++) {
                    int len = (int) (rate * (0.5 + 0.3 * r.nextDouble()));
                    float[] x = new float[len];
                    int on = (int) (rate * 0.05) + r.nextInt(rate / 10);
                    int off = Math.min(len, on + (int) (rate * 0.4));
                    double f0 = 2000 * shift * (1 + 0.02 * r.nextGaussian());
                    double slope = (d - 4.5) * 1500 * shift;
                    double phase = 0;
                    for (int i = 0; i < len; i++) {
                        double v = 0.002 * r.nextGaussian();
                        if (i >= on && i < off) {
                            double env = Math.sin(Math.PI * (i - on) / (off - on));
                            double f = f0 + slope * ((i - on) / (double) rate - 0.2);
                            phase += 2 * Math.PI * f / rate;
                            v += env * 0.3 * Math.sin(phase);
                        }
                        x[i] = (float) v;
                    }
                    out.add(new LabeledClip(d + "_" + speakers[si] + "_" + t + ".wav", d, speakers[si], t, x));
                }
            }
        }
        return out;
    }

    private SyntheticDigits() {
    }
}
