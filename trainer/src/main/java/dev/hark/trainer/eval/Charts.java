package dev.hark.trainer.eval;

import dev.hark.trainer.model.EpochStats;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The report's pictures: a confusion matrix and training curves drawn with Java2D (headless), and bar
 * charts as SVG text, which an HTML report holds inline (no image files, sharp at any zoom, and its
 * numbers stay searchable).
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final Color INK = new Color(0x22, 0x22, 0x22);
    private static final Color GRID = new Color(0xdd, 0xdd, 0xdd);

    private Charts() {
    }

    /** Rows: true digit; columns: predicted digit; cell shade by the row's fraction, with the count written in. */
    public static BufferedImage confusionMatrix(int[][] cm, String title) {
        int cell = 48;
        int left = 90;
        int top = 70;
        int size = cm.length * cell;
        BufferedImage img = new BufferedImage(left + size + 30, top + size + 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 12, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (int r = 0; r < cm.length; r++) {
            int rowSum = 0;
            for (int v : cm[r]) {
                rowSum += v;
            }
            for (int c = 0; c < cm.length; c++) {
                double frac = rowSum == 0 ? 0 : cm[r][c] / (double) rowSum;
                Color fill = r == c ? blend(new Color(0xf4, 0xf8, 0xff), new Color(0x1f, 0x5f, 0xbf), frac)
                        : blend(Color.WHITE, new Color(0xd6, 0x3b, 0x2f), Math.min(1, frac * 4));
                g.setColor(fill);
                g.fillRect(left + c * cell, top + r * cell, cell, cell);
                g.setColor(GRID);
                g.drawRect(left + c * cell, top + r * cell, cell, cell);
                if (cm[r][c] > 0) {
                    g.setColor(frac > 0.5 && r == c ? Color.WHITE : INK);
                    centre(g, Integer.toString(cm[r][c]), left + c * cell + cell / 2, top + r * cell + cell / 2 + 5);
                }
            }
            g.setColor(INK);
            centre(g, Integer.toString(r), left - 14, top + r * cell + cell / 2 + 5);
            centre(g, Integer.toString(r), left + r * cell + cell / 2, top - 8);
        }
        centre(g, "predicted digit", left + size / 2, top - 28);
        g.rotate(-Math.PI / 2);
        centre(g, "true digit", -(top + size / 2), left - 40);
        g.rotate(Math.PI / 2);
        g.dispose();
        return img;
    }

    /** Loss (left) and accuracy (right) per epoch. */
    public static BufferedImage trainingCurves(List<EpochStats> history, String title) {
        int w = 980;
        int h = 380;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double maxLoss = history.stream().mapToDouble(EpochStats::trainLoss).max().orElse(1);
        panel(g, history, 60, 50, 400, 270, "training loss", 0, niceCeil(maxLoss),
                new Series("train loss", new Color(0xd6, 0x3b, 0x2f), EpochStats::trainLoss));
        boolean val = history.stream().anyMatch(EpochStats::hasValidation);
        double minAcc = history.stream().flatMapToDouble(s -> java.util.stream.DoubleStream.of(s.trainAccuracy(),
                s.hasValidation() ? s.validationAccuracy() : 1)).min().orElse(0);
        double lo = Math.max(0, Math.floor(minAcc * 10) / 10);
        Series train = new Series("train (augmented)", new Color(0x88, 0x88, 0x88), EpochStats::trainAccuracy);
        Series valid = new Series("validation", new Color(0x1f, 0x5f, 0xbf), EpochStats::validationAccuracy);
        if (val) {
            panel(g, history, 550, 50, 400, 270, "accuracy", lo, 1, train, valid);
        } else {
            panel(g, history, 550, 50, 400, 270, "accuracy", lo, 1, train);
        }
        g.dispose();
        return img;
    }

    private record Series(String name, Color color, ToDoubleFunction<EpochStats> value) {}

    private static void panel(Graphics2D g, List<EpochStats> history, int x0, int y0, int pw, int ph, String yLabel,
                              double lo, double hi, Series... series) {
        g.setColor(GRID);
        int ticks = 5;
        for (int i = 0; i <= ticks; i++) {
            int y = y0 + ph - i * ph / ticks;
            g.setColor(GRID);
            g.drawLine(x0, y, x0 + pw, y);
            g.setColor(INK);
            String s = String.format(Locale.ROOT, hi < 10 ? "%.2f" : "%.0f", lo + (hi - lo) * i / ticks);
            g.drawString(s, x0 - 8 - g.getFontMetrics().stringWidth(s), y + 4);
        }
        g.setColor(INK);
        g.drawRect(x0, y0, pw, ph);
        int n = history.size();
        int step = Math.max(1, (int) Math.ceil(n / 10.0));
        for (int e = 1; e <= n; e += step) {
            int x = x0 + (n == 1 ? pw / 2 : (e - 1) * pw / (n - 1));
            centre(g, Integer.toString(e), x, y0 + ph + 16);
        }
        centre(g, "epoch", x0 + pw / 2, y0 + ph + 34);
        g.drawString(yLabel, x0, y0 - 8);
        int legendY = y0 + 16;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(2f));
            Path2D path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < n; i++) {
                double v = s.value().applyAsDouble(history.get(i));
                if (Double.isNaN(v)) {
                    continue;
                }
                double x = x0 + (n == 1 ? pw / 2.0 : i * pw / (double) (n - 1));
                double y = y0 + ph - (Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo) * ph;
                if (!started) {
                    path.moveTo(x, y);
                    started = true;
                } else {
                    path.lineTo(x, y);
                }
                g.fillOval((int) x - 2, (int) y - 2, 5, 5);
            }
            g.draw(path);
            g.drawLine(x0 + pw - 150, legendY - 4, x0 + pw - 130, legendY - 4);
            g.setColor(INK);
            g.drawString(s.name(), x0 + pw - 124, legendY);
            legendY += 16;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static double niceCeil(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        return Math.ceil(v / p) * p;
    }

    private static Graphics2D start(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(INK);
        return g;
    }

    private static void centre(Graphics2D g, String s, int x, int baseline) {
        g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    private static Color blend(Color a, Color b, double t) {
        double u = Math.max(0, Math.min(1, t));
        return new Color((int) (a.getRed() + (b.getRed() - a.getRed()) * u), (int) (a.getGreen() + (b.getGreen() - a.getGreen()) * u),
                (int) (a.getBlue() + (b.getBlue() - a.getBlue()) * u));
    }

    /**
     * Vertical bars, one per label, each with its value written above it, as an SVG element.
     *
     * @param xLabel what the labels are, written under them
     */
    public static String barChartSvg(String title, String xLabel, List<String> labels, double[] values) {
        if (labels.size() != values.length) {
            throw new IllegalArgumentException(labels.size() + " labels for " + values.length + " values");
        }
        int n = values.length;
        int left = 56;
        int top = 44;
        int plotH = 200;
        int bar = Math.max(8, Math.min(56, 760 / Math.max(1, n)));
        int plotW = Math.max(160, n * bar);
        int w = left + plotW + 20;
        int h = top + plotH + 62;
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double hi = niceCeil(max);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">%n", w, h, w, h));
        svg.append("<title>").append(xml(title)).append("</title>\n");
        svg.append(String.format(Locale.ROOT, "<text x=\"8\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", xml(title)));
        int ticks = 4;
        for (int i = 0; i <= ticks; i++) {
            double y = top + plotH - i * plotH / (double) ticks;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left, y, left + plotW, y, left - 6, y + 4,
                    number(hi * i / ticks)));
        }
        // labels thin out when they would overlap: every k-th is written
        int every = Math.max(1, (int) Math.ceil(n * 7.0 * maxLength(labels) / plotW));
        for (int i = 0; i < n; i++) {
            double x = left + i * plotW / (double) n;
            double bw = plotW / (double) n;
            double bh = hi == 0 ? 0 : values[i] / hi * plotH;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#1f5fbf\">"
                    + "<title>%s: %s</title></rect>%n", x + 1, top + plotH - bh, Math.max(1, bw - 2), bh, xml(labels.get(i)),
                    number(values[i])));
            if (bw >= 22 && values[i] > 0) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s</text>%n",
                        x + bw / 2, top + plotH - bh - 4, number(values[i])));
            }
            if (i % every == 0) {
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                        x + bw / 2, top + plotH + 16, xml(labels.get(i))));
            }
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#222\"/>%n",
                left, top + plotH, left + plotW, top + plotH));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                left + plotW / 2, top + plotH + 40, xml(xLabel)));
        return svg.append("</svg>").toString();
    }

    /**
     * A histogram of {@code values} in {@code bins} equal bins from their smallest to their largest, as
     * an SVG bar chart labelled with each bin's lower edge.
     */
    public static String histogramSvg(String title, String xLabel, double[] values, int bins) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (values.length == 0) {
            lo = 0;
            hi = 1;
        }
        double width = hi > lo ? (hi - lo) / bins : 1;
        double[] counts = new double[bins];
        for (double v : values) {
            counts[Math.min(bins - 1, (int) ((v - lo) / width))]++;
        }
        List<String> labels = new java.util.ArrayList<>();
        for (int b = 0; b < bins; b++) {
            labels.add(number(lo + b * width));
        }
        return barChartSvg(title, xLabel, labels, counts);
    }

    private static int maxLength(List<String> labels) {
        return labels.stream().mapToInt(String::length).max().orElse(1);
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
