package dev.hark.audio.bench;

import dev.hark.audio.Resampler;

import java.util.Arrays;
import java.util.Locale;

/**
 * Prints the pass-band level and stop-band rejection of our resampler next to TarsosDSP's
 * (libresample) for the rates docs/dsp.md reports. Run with the test classpath, see docs/dsp.md.
 */
public final class ResamplerQuality {

    private static final double AMPLITUDE = 0.5;
    private static final double[] TONES = {1000, 3000, 3400, 3600, 3900, 4050, 4200, 5000};

    private ResamplerQuality() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "%-22s %-7s", "resampler", "input");
        for (double f : TONES) {
            System.out.printf(Locale.ROOT, " %8.0f", f);
        }
        System.out.printf(Locale.ROOT, " %14s%n", "worst >4.05k");
        for (String which : new String[] {"hark", "tarsos-high-quality", "tarsos-fast"}) {
            for (int rate : new int[] {48000, 44100, 16000}) {
                System.out.printf(Locale.ROOT, "%-22s %-7d", which, rate);
                for (double f : TONES) {
                    System.out.printf(Locale.ROOT, " %8.2f", levelDb(which, f, rate));
                }
                double worst = -1000;
                for (double f = 4050; f < rate / 2.0; f += 100) {
                    worst = Math.max(worst, levelDb(which, f, rate));
                }
                System.out.printf(Locale.ROOT, " %14.1f%n", worst);
            }
        }
    }

    static double levelDb(String which, double hz, int rate) {
        float[] x = new float[rate];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (AMPLITUDE * Math.sin(2 * Math.PI * hz * i / rate));
        }
        float[] y = which.equals("hark") ? Resampler.of(rate, 8000).process(x) : tarsos(x, rate, which.endsWith("quality"));
        double sum = 0;
        int n = 0;
        for (int i = 400; i < y.length - 400; i++) {
            sum += (double) y[i] * y[i];
            n++;
        }
        return 20 * Math.log10(Math.sqrt(sum / n) / (AMPLITUDE / Math.sqrt(2)));
    }

    /** TarsosDSP's resampler used the straightforward way: a fresh instance per clip, one call. */
    static float[] tarsos(float[] x, int rate, boolean highQuality) {
        double factor = 8000.0 / rate;
        be.tarsos.dsp.resample.Resampler r = new be.tarsos.dsp.resample.Resampler(highQuality, factor, factor);
        float[] y = new float[(int) Math.ceil(x.length * factor) + 16];
        be.tarsos.dsp.resample.Resampler.Result res = r.process(factor, x, 0, x.length, true, y, 0, y.length);
        return Arrays.copyOf(y, res.outputSamplesGenerated);
    }
}
