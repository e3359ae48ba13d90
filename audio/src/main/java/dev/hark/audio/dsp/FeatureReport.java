package dev.hark.audio.dsp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hark.audio.Audio;
import dev.hark.audio.Resampler;
import dev.hark.audio.WavDecoder;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code hark features FILE.wav [--json OUT] [--png OUT]} shows: the features of one file under
 * one spec, as a text summary, JSON, and a PNG spectrogram. Computes everything once, on creation.
 *
 * <p>Two matrices: {@link #mel()} is the mel power of the audio at the feature rate before log and
 * fitting, i.e. what {@code torchaudio.transforms.MelSpectrogram} returns; {@link #logMel()} is
 * exactly what the model sees.
 */
public final class FeatureReport {

    /** Size of {@link #render()}'s image, fixed whatever the clip length so reports line up. */
    public static final int IMAGE_WIDTH = 1000;
    public static final int IMAGE_HEIGHT = 760;

    static {
        // a report never needs a display; without one, AWT must not look for it
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final String name;
    private final FeatureSpec spec;
    private final Audio audio;
    private final Audio resampled;
    private final float[][] mel;
    private final float[][] logMel;

    private FeatureReport(String name, FeatureSpec spec, Audio audio, LogMelExtractor extractor) {
        this.name = name;
        this.spec = spec;
        this.audio = audio;
        this.resampled = Resampler.toRate(audio, spec.sampleRate());
        this.mel = extractor.mel(resampled.samples());
        this.logMel = extractor.toModelInput(mel);
    }

    /** Decodes {@code wav} and computes its features; decoding problems are {@link dev.hark.audio.AudioFormatException}s. */
    public static FeatureReport of(Path wav, FeatureSpec spec) throws IOException {
        return of(WavDecoder.decode(wav), wav.toString(), spec);
    }

    public static FeatureReport of(Audio audio, String name, FeatureSpec spec) {
        return new FeatureReport(name, spec, audio, new LogMelExtractor(spec));
    }

    public String name() {
        return name;
    }

    public FeatureSpec spec() {
        return spec;
    }

    /** As decoded. */
    public Audio audio() {
        return audio;
    }

    /** Mel power [nMels][frames] before log, fitting and normalisation. */
    public float[][] mel() {
        return mel;
    }

    /** What the model sees: [nMels][clipFrames]. */
    public float[][] logMel() {
        return logMel;
    }

    /** Human-readable summary: file, audio, configuration, shapes and value ranges. */
    public String summary() {
        int frames = mel[0].length;
        int clip = spec.clipFrames();
        Stats melStats = Stats.of(mel);
        Stats logStats = Stats.of(logMel);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "file        %s%n", name));
        s.append(String.format(Locale.ROOT, "audio       %d samples at %d Hz, %.3f s, from %d channel(s) of %s%n",
                audio.length(), audio.sampleRate(), audio.durationSeconds(), audio.sourceChannels(), audio.sourceFormat()));
        if (resampled != audio) {
            s.append(String.format(Locale.ROOT, "resampled   to %d Hz: %d samples%n", spec.sampleRate(), resampled.length()));
        }
        s.append(String.format(Locale.ROOT, "features    %s (dsp v%d)%n", spec.id(), spec.dspVersion()));
        s.append(String.format(Locale.ROOT, "  stft      n_fft %d, win_length %d (%.1f ms, %s), hop_length %d (%.1f ms), center %s (%s), power %s%n",
                spec.nFft(), spec.winLength(), 1000.0 * spec.winLength() / spec.sampleRate(), spec.window().code(),
                spec.hopLength(), 1000.0 * spec.hopLength() / spec.sampleRate(), spec.center(), spec.padMode().code(),
                num(spec.power())));
        s.append(String.format(Locale.ROOT, "  mel       %d bands, %s–%s Hz, scale %s, norm %s%n",
                spec.nMels(), num(spec.fMin()), num(spec.fMax()), spec.melScale().code(), spec.melNorm().code()));
        s.append(String.format(Locale.ROOT, "  model in  ln(max(mel, %s)), %d frames (%.2f s), fit %s, normalisation %s%n",
                spec.logFloor(), clip, spec.clipSeconds(), spec.fit().code(), spec.normalisation().code()));
        s.append(String.format(Locale.ROOT, "mel         %d x %d (bands x frames), power %.3g .. %.3g%n",
                mel.length, frames, melStats.min, melStats.max));
        s.append(String.format(Locale.ROOT, "fit         %s%n", describeFit(frames)));
        s.append(String.format(Locale.ROOT, "log_mel     %d x %d, %.3f .. %.3f, mean %.3f, std %.3f%n",
                logMel.length, clip, logStats.min, logStats.max, noNegativeZero(logStats.mean, 3), logStats.std));
        return s.toString();
    }

    private String describeFit(int frames) {
        int clip = spec.clipFrames();
        if (frames == clip) {
            return frames + " frames, as is";
        }
        boolean center = spec.fit() == FeatureSpec.Fit.CENTER;
        if (frames > clip) {
            int before = center ? (frames - clip) / 2 : 0;
            return String.format(Locale.ROOT, "%d frames cropped to %d (%d dropped before, %d after)",
                    frames, clip, before, frames - clip - before);
        }
        int before = center ? (clip - frames) / 2 : 0;
        return String.format(Locale.ROOT, "%d frames padded to %d with ln(floor) (%d before, %d after)",
                frames, clip, before, clip - frames - before);
    }

    /**
     * The spec in torchaudio's MelSpectrogram argument names ({@code sample_rate … mel_scale}, so
     * {@code MelSpectrogram(**{k: v for k in those})} reproduces {@code mel}), then ours.
     */
    public Map<String, Object> configJson() {
        return spec.toJsonMap();
    }

    /** {@code {"file", "audio", "config", "mel", "log_mel"}}; see the class comment for the matrices. */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("file", name);
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("sample_rate", audio.sampleRate());
        a.put("samples", audio.length());
        a.put("channels", audio.sourceChannels());
        a.put("format", audio.sourceFormat().toString());
        root.put("audio", a);
        root.put("config", configJson());
        root.put("mel", mel);
        root.put("log_mel", logMel);
        try {
            return new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeJson(Path out) throws IOException {
        Files.writeString(out, toJson());
    }

    public void writePng(Path out) throws IOException {
        if (!ImageIO.write(render(), "png", out.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
    }

    /**
     * A {@value #IMAGE_WIDTH}x{@value #IMAGE_HEIGHT} picture: above, ln(max(mel, floor)) of the whole
     * file against time in seconds; below, the model input against time within the clip. Mel bands run
     * upwards, labelled with their centre frequencies; each panel has its own colour bar.
     */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(IMAGE_WIDTH, IMAGE_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, IMAGE_WIDTH, IMAGE_HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            String title = fileName() + "  —  " + spec.id() + String.format(Locale.ROOT, "  (%d Hz, %.3f s)",
                    audio.sampleRate(), audio.durationSeconds());
            centre(g, title, IMAGE_WIDTH / 2, 24);

            float[][] logMelRaw = new float[mel.length][mel[0].length];
            float floor = spec.logFloor();
            for (int m = 0; m < mel.length; m++) {
                for (int t = 0; t < mel[m].length; t++) {
                    logMelRaw[m][t] = (float) Math.log(Math.max(mel[m][t], floor));
                }
            }
            double secondsPerFrame = spec.hopLength() / (double) spec.sampleRate();
            Panel top = new Panel(80, 60, 780, 270);
            drawPanel(g, img, top, logMelRaw, secondsPerFrame,
                    String.format(Locale.ROOT, "ln(max(mel power, %s)) — %d frames at %d Hz, before fitting", floor,
                            logMelRaw[0].length, spec.sampleRate()),
                    "time (s)", "ln power");
            Panel bottom = new Panel(80, 420, 780, 270);
            drawPanel(g, img, bottom, logMel, secondsPerFrame,
                    String.format(Locale.ROOT, "model input — %d frames, fit %s, %s", spec.clipFrames(),
                            spec.fit().code(), spec.normalisation().code()),
                    "time in clip (s)", "value");
        } finally {
            g.dispose();
        }
        return img;
    }

    private record Panel(int x, int y, int w, int h) {
    }

    private void drawPanel(Graphics2D g, BufferedImage img, Panel p, float[][] m, double secondsPerFrame,
                           String title, String xLabel, String barLabel) {
        int bands = m.length;
        int frames = m[0].length;
        Stats st = Stats.of(m);
        double lo = st.min;
        double hi = st.max > st.min ? st.max : st.min + 1;
        for (int px = 0; px < p.w; px++) {
            int t = Math.min(frames - 1, (int) ((long) px * frames / p.w));
            for (int py = 0; py < p.h; py++) {
                int band = bands - 1 - Math.min(bands - 1, (int) ((long) py * bands / p.h));
                img.setRGB(p.x + px, p.y + py, Viridis.rgb((m[band][t] - lo) / (hi - lo)));
            }
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(p.x - 1, p.y - 1, p.w + 1, p.h + 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        centre(g, title, p.x + p.w / 2, p.y - 8);

        // x: seconds at frame centres (frame t is centred on t·hop when centred, else on t·hop + n_fft/2)
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        double offset = spec.center() ? 0 : spec.nFft() / 2.0 / spec.sampleRate();
        double span = frames * secondsPerFrame;
        double step = niceStep(span / 8);
        for (double s = 0; s <= span + 1e-9; s += step) {
            int px = p.x + (int) Math.round(s / span * p.w);
            g.drawLine(px, p.y + p.h, px, p.y + p.h + 5);
            centre(g, trimZeros(String.format(Locale.ROOT, "%.3f", s + offset)), px, p.y + p.h + 18);
        }
        centre(g, xLabel, p.x + p.w / 2, p.y + p.h + 34);

        // y: band index with its centre frequency, low bands at the bottom
        MelFilterbank fb = MelFilterbank.of(spec);
        int bandStep = Math.max(1, (int) Math.ceil(bands / 8.0));
        FontMetrics fm = g.getFontMetrics();
        for (int b = 0; b < bands; b += bandStep) {
            int py = p.y + p.h - (int) Math.round((b + 0.5) * p.h / bands);
            g.drawLine(p.x - 5, py, p.x, py);
            String label = hz(fb.centreHz(b));
            g.drawString(label, p.x - 8 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
        }
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        centre(g, "mel band centre (Hz)", -(p.y + p.h / 2), p.x - 52);
        g.setTransform(saved);

        // colour bar with five labelled values
        int bx = p.x + p.w + 20;
        int bw = 16;
        for (int py = 0; py < p.h; py++) {
            int rgb = Viridis.rgb(1.0 - py / (double) (p.h - 1));
            for (int px = 0; px < bw; px++) {
                img.setRGB(bx + px, p.y + py, rgb);
            }
        }
        g.drawRect(bx - 1, p.y - 1, bw + 1, p.h + 1);
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            int py = p.y + p.h - 1 - (int) Math.round(i / 4.0 * (p.h - 1));
            g.drawLine(bx + bw, py, bx + bw + 4, py);
            g.drawString(String.format(Locale.ROOT, "%.2f", v), bx + bw + 7, py + fm.getAscent() / 2 - 1);
        }
        centre(g, barLabel, bx + bw / 2 + 20, p.y + p.h + 18);
    }

    private String fileName() {
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        return name.substring(slash + 1);
    }

    private static void centre(Graphics2D g, String s, int x, int baseline) {
        g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double f : new double[] {1, 2, 2.5, 5, 10}) {
            if (f * mag >= raw) {
                return f * mag;
            }
        }
        return 10 * mag;
    }

    private static String hz(double f) {
        return f >= 1000 ? trimZeros(String.format(Locale.ROOT, "%.1f", f / 1000)) + "k" : Long.toString(Math.round(f));
    }

    private static String trimZeros(String s) {
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /** So a mean of -1e-9 prints as 0.000, not -0.000. */
    private static double noNegativeZero(double v, int decimals) {
        return Math.abs(v) < 0.5 * Math.pow(10, -decimals) ? 0.0 : v;
    }

    private static String num(float v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Float.toString(v);
    }

    private record Stats(double min, double max, double mean, double std) {
        static Stats of(float[][] m) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            double sumSq = 0;
            long n = 0;
            for (float[] row : m) {
                for (float v : row) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    sum += v;
                    sumSq += (double) v * v;
                }
                n += row.length;
            }
            double mean = sum / n;
            return new Stats(min, max, mean, Math.sqrt(Math.max(0, sumSq / n - mean * mean)));
        }
    }

    /** matplotlib's viridis, from 9 of its points, linearly interpolated: perceptually even, colour-blind safe. */
    static final class Viridis {
        private static final int[] ANCHORS = {
                0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725};

        private Viridis() {
        }

        static int rgb(double v) {
            double x = Math.max(0, Math.min(1, Double.isNaN(v) ? 0 : v)) * (ANCHORS.length - 1);
            int i = Math.min(ANCHORS.length - 2, (int) x);
            double f = x - i;
            int a = ANCHORS[i];
            int b = ANCHORS[i + 1];
            int r = (int) Math.round(((a >> 16) & 0xff) * (1 - f) + ((b >> 16) & 0xff) * f);
            int gr = (int) Math.round(((a >> 8) & 0xff) * (1 - f) + ((b >> 8) & 0xff) * f);
            int bl = (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
            return r << 16 | gr << 8 | bl;
        }
    }
}
