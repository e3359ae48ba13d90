package dev.hark.launcher.faults;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

/**
 * The soak's figure, drawn once on a small canvas that writes SVG or PNG: heap used, live heap (after
 * the last GC every sample, after a full GC every minute) and RSS, one colour per service, time in
 * minutes, the warm-up shaded.
 */
final class SoakPlot {
    private static final int W = 860;
    private static final int PANEL_H = 200;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int GAP = 60;
    private static final int PANELS = 3;
    private static final int H = TOP + PANELS * PANEL_H + (PANELS - 1) * GAP + 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

    private SoakPlot() {
    }

    /** What the figure is drawn with. */
    interface Canvas {
        void rect(double x, double y, double w, double h, String fill, String stroke);

        void line(double x1, double y1, double x2, double y2, String colour, double width, boolean dashed);

        void polyline(List<double[]> points, String colour, double width, boolean dashed);

        void dot(double x, double y, double r, String colour);

        /** anchor: -1 left, 0 middle, 1 right. */
        void text(double x, double y, String text, double size, String colour, int anchor, boolean bold, boolean vertical);
    }

    static String svg(String title, List<MemorySampler.Sample> samples, List<String> services, double warmUpS) {
        Svg svg = new Svg();
        draw(svg, title, samples, services, warmUpS);
        return svg.done();
    }

    static byte[] png(String title, List<MemorySampler.Sample> samples, List<String> services, double warmUpS) {
        Png png = new Png();
        draw(png, title, samples, services, warmUpS);
        return png.done();
    }

    /**
     * Draws a soak's figure again from its CSV: {@code SoakPlot soak.csv "title" warmUpSeconds} writes
     * {@code soak.svg} and {@code soak.png} next to it.
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        java.nio.file.Path csv = java.nio.file.Path.of(args[0]);
        List<MemorySampler.Sample> samples = readCsv(csv);
        double warmUpS = Double.parseDouble(args[2]);
        List<String> services = samples.stream().map(MemorySampler.Sample::service).distinct().toList();
        java.nio.file.Files.writeString(csv.resolveSibling("soak.svg"), svg(args[1], samples, services, warmUpS));
        java.nio.file.Files.write(csv.resolveSibling("soak.png"), png(args[1], samples, services, warmUpS));
    }

    /** The samples of a soak.csv. */
    static List<MemorySampler.Sample> readCsv(java.nio.file.Path csv) throws IOException {
        List<MemorySampler.Sample> out = new ArrayList<>();
        List<String> lines = java.nio.file.Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            out.add(new MemorySampler.Sample(f[0], d(f[1]), d(f[2]), d(f[3]), d(f[4]), d(f[5]), d(f[6]), d(f[7])));
        }
        return out;
    }

    private static double d(String s) {
        return s.isBlank() ? Double.NaN : Double.parseDouble(s);
    }

    private record Series(String label, ToDoubleFunction<MemorySampler.Sample> value, double width, boolean dashed,
                          boolean dots) {
    }

    private static void draw(Canvas c, String title, List<MemorySampler.Sample> samples, List<String> services,
                             double warmUpS) {
        double maxT = samples.stream().mapToDouble(MemorySampler.Sample::tS).max().orElse(60) / 60.0;
        c.rect(0, 0, W, H, "#ffffff", null);
        c.text(LEFT, 22, title, 14, "#000000", -1, true, false);
        panel(c, TOP, "heap used MB", samples, services, maxT, warmUpS, List.of(
                new Series("heap used", MemorySampler.Sample::heapUsedMb, 1.5, false, false)));
        panel(c, TOP + PANEL_H + GAP, "live heap MB", samples, services, maxT, warmUpS, List.of(
                new Series("after the last GC", MemorySampler.Sample::heapAfterGcMb, 1.0, true, false),
                new Series("after a full GC", MemorySampler.Sample::liveHeapMb, 2.5, false, true)));
        panel(c, TOP + 2 * (PANEL_H + GAP), "RSS MB", samples, services, maxT, warmUpS, List.of(
                new Series("RSS (VmRSS)", MemorySampler.Sample::rssMb, 2.0, false, false)));
        c.text(LEFT + (W - LEFT - RIGHT) / 2.0, H - 12, "minutes", 12, "#000000", 0, false, false);
    }

    private static void panel(Canvas c, int y0, String yLabel, List<MemorySampler.Sample> samples, List<String> services,
                              double maxT, double warmUpS, List<Series> series) {
        int pw = W - LEFT - RIGHT;
        double maxV = 0;
        for (MemorySampler.Sample s : samples) {
            for (Series se : series) {
                double v = se.value().applyAsDouble(s);
                if (!Double.isNaN(v)) {
                    maxV = Math.max(maxV, v);
                }
            }
        }
        double step = niceStep(maxV / 5);
        double top = Math.max(step, Math.ceil(maxV * 1.05 / step) * step);
        double tStep = niceStep(maxT / 8);
        c.rect(LEFT, y0, Math.min(pw, warmUpS / 60.0 / maxT * pw), PANEL_H, "#eeeeee", null);
        c.text(LEFT + 4, y0 + 14, "warm-up", 11, "#888888", -1, false, false);
        for (double v = 0; v <= top + 1e-9; v += step) {
            double y = y0 + PANEL_H - v / top * PANEL_H;
            c.line(LEFT, y, LEFT + pw, y, "#dddddd", 1, false);
            c.text(LEFT - 6, y + 4, fmt(v), 12, "#000000", 1, false, false);
        }
        for (double t = 0; t <= maxT + 1e-9; t += tStep) {
            double x = LEFT + t / maxT * pw;
            c.line(x, y0, x, y0 + PANEL_H, "#dddddd", 1, false);
            c.text(x, y0 + PANEL_H + 16, fmt(t), 12, "#000000", 0, false, false);
        }
        c.rect(LEFT, y0, pw, PANEL_H, null, "#444444");
        c.text(18, y0 + PANEL_H / 2.0, yLabel, 12, "#000000", 0, false, true);
        double legendY = y0 + 10;
        for (int si = 0; si < services.size(); si++) {
            String service = services.get(si);
            String colour = COLOURS[si % COLOURS.length];
            for (Series se : series) {
                List<double[]> pts = new ArrayList<>();
                for (MemorySampler.Sample s : samples) {
                    double v = se.value().applyAsDouble(s);
                    if (s.service().equals(service) && !Double.isNaN(v)) {
                        pts.add(new double[] {LEFT + s.tS() / 60.0 / maxT * pw, y0 + PANEL_H - v / top * PANEL_H});
                    }
                }
                if (pts.isEmpty()) {
                    continue;
                }
                c.polyline(pts, colour, se.width(), se.dashed());
                if (se.dots()) {
                    pts.forEach(p -> c.dot(p[0], p[1], 3, colour));
                }
                double lx = LEFT + pw + 12;
                c.line(lx, legendY, lx + 20, legendY, colour, se.width(), se.dashed());
                c.text(lx + 24, legendY + 4, service, 11, "#000000", -1, false, false);
                c.text(lx + 24, legendY + 17, se.label(), 11, "#555555", -1, false, false);
                legendY += 34;
            }
        }
    }

    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / mag;
        return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** SVG text. */
    static final class Svg implements Canvas {
        private final StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\">%n", W, H));

        @Override
        public void rect(double x, double y, double w, double h, String fill, String stroke) {
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"%s/>%n",
                    x, y, w, h, fill == null ? "none" : fill, stroke == null ? "" : " stroke=\"" + stroke + "\""));
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, double width, boolean dashed) {
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, colour, width, dashed ? " stroke-dasharray=\"4,3\"" : ""));
        }

        @Override
        public void polyline(List<double[]> points, String colour, double width, boolean dashed) {
            StringBuilder d = new StringBuilder();
            for (double[] p : points) {
                d.append(d.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", p[0], p[1]));
            }
            out.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
                    d, colour, width, dashed ? " stroke-dasharray=\"4,3\"" : ""));
        }

        @Override
        public void dot(double x, double y, double r, String colour) {
            out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>%n", x, y, r, colour));
        }

        @Override
        public void text(double x, double y, String text, double size, String colour, int anchor, boolean bold,
                         boolean vertical) {
            String a = anchor < 0 ? "start" : anchor == 0 ? "middle" : "end";
            String pos = vertical ? String.format(Locale.ROOT, "transform=\"translate(%.1f,%.1f) rotate(-90)\"", x, y)
                    : String.format(Locale.ROOT, "x=\"%.1f\" y=\"%.1f\"", x, y);
            out.append(String.format(Locale.ROOT, "<text %s font-size=\"%.0f\" fill=\"%s\" text-anchor=\"%s\"%s>%s</text>%n",
                    pos, size, colour, a, bold ? " font-weight=\"bold\"" : "",
                    text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")));
        }

        String done() {
            return out.append("</svg>\n").toString();
        }
    }

    /** A PNG through Java2D (headless). */
    static final class Png implements Canvas {
        private final BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        private final Graphics2D g = image.createGraphics();

        Png() {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        }

        private void stroke(String colour, double width, boolean dashed) {
            g.setColor(Color.decode(colour));
            g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10,
                    new float[] {4, 3}, 0) : new BasicStroke((float) width));
        }

        @Override
        public void rect(double x, double y, double w, double h, String fill, String stroke) {
            if (fill != null) {
                g.setColor(Color.decode(fill));
                g.fill(new java.awt.geom.Rectangle2D.Double(x, y, w, h));
            }
            if (stroke != null) {
                stroke(stroke, 1, false);
                g.draw(new java.awt.geom.Rectangle2D.Double(x, y, w, h));
            }
        }

        @Override
        public void line(double x1, double y1, double x2, double y2, String colour, double width, boolean dashed) {
            stroke(colour, width, dashed);
            g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
        }

        @Override
        public void polyline(List<double[]> points, String colour, double width, boolean dashed) {
            Path2D.Double path = new Path2D.Double();
            for (int i = 0; i < points.size(); i++) {
                if (i == 0) {
                    path.moveTo(points.get(i)[0], points.get(i)[1]);
                } else {
                    path.lineTo(points.get(i)[0], points.get(i)[1]);
                }
            }
            stroke(colour, width, dashed);
            g.draw(path);
        }

        @Override
        public void dot(double x, double y, double r, String colour) {
            g.setColor(Color.decode(colour));
            g.fill(new java.awt.geom.Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
        }

        @Override
        public void text(double x, double y, String text, double size, String colour, int anchor, boolean bold,
                         boolean vertical) {
            g.setColor(Color.decode(colour));
            g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, (int) Math.round(size)));
            double w = g.getFontMetrics().stringWidth(text);
            double dx = anchor < 0 ? 0 : anchor == 0 ? -w / 2 : -w;
            if (vertical) {
                AffineTransform saved = g.getTransform();
                g.translate(x, y);
                g.rotate(-Math.PI / 2);
                g.drawString(text, (float) dx, 0f);
                g.setTransform(saved);
            } else {
                g.drawString(text, (float) (x + dx), (float) y);
            }
        }

        byte[] done() {
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                ImageIO.write(image, "png", out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
