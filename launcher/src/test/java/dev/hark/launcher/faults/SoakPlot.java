package dev.hark.launcher.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The soak's figure as a small self-contained SVG: heap (used, and live after a full GC) on top, RSS
 * below, one colour per service, time in minutes, the warm-up shaded.
 */
final class SoakPlot {
    private static final int W = 860;
    private static final int PANEL_H = 250;
    private static final int LEFT = 70;
    private static final int RIGHT = 170;
    private static final int TOP = 40;
    private static final int GAP = 60;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

    private SoakPlot() {
    }

    static String svg(String title, List<MemorySampler.Sample> samples, List<String> services, double warmUpS) {
        double maxT = samples.stream().mapToDouble(MemorySampler.Sample::tS).max().orElse(60) / 60.0;
        StringBuilder out = new StringBuilder();
        int h = TOP + 2 * PANEL_H + GAP + 50;
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", W, h));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));
        panel(out, TOP, "heap MB", samples, services, maxT, warmUpS, List.of(
                new Series("used", MemorySampler.Sample::heapUsedMb, 1.0, "3,3", false),
                new Series("live after full GC", MemorySampler.Sample::liveHeapMb, 2.5, null, true)));
        panel(out, TOP + PANEL_H + GAP, "RSS MB", samples, services, maxT, warmUpS, List.of(
                new Series("RSS", MemorySampler.Sample::rssMb, 2.0, null, false)));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">minutes</text>%n",
                LEFT + (W - LEFT - RIGHT) / 2, h - 12));
        out.append("</svg>\n");
        return out.toString();
    }

    private record Series(String label, ToDoubleFunction<MemorySampler.Sample> value, double width, String dash,
                          boolean dots) {
    }

    private static void panel(StringBuilder out, int y0, String yLabel, List<MemorySampler.Sample> samples,
                              List<String> services, double maxT, double warmUpS, List<Series> series) {
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
        // warm-up
        double wx = Math.min(pw, warmUpS / 60.0 / maxT * pw);
        out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#eeeeee\"/>%n",
                LEFT, y0, wx, PANEL_H));
        out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#888\" font-size=\"11\">warm-up</text>%n",
                LEFT + 4.0, y0 + 14));
        // grid and axes
        for (double v = 0; v <= top + 1e-9; v += step) {
            double y = y0 + PANEL_H - v / top * PANEL_H;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, LEFT + pw, y, y, LEFT - 6, y + 4,
                    fmt(v)));
        }
        for (double t = 0; t <= maxT + 1e-9; t += tStep) {
            double x = LEFT + t / maxT * pw;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, x, y0, y0 + PANEL_H, x,
                    y0 + PANEL_H + 16, fmt(t)));
        }
        out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                LEFT, y0, pw, PANEL_H));
        out.append(String.format(Locale.ROOT, "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
                18, y0 + PANEL_H / 2, yLabel));
        // lines
        int legendY = y0 + 10;
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
                StringBuilder path = new StringBuilder();
                for (double[] p : pts) {
                    path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", p[0], p[1]));
                }
                out.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
                        path, colour, se.width(), se.dash() == null ? "" : " stroke-dasharray=\"" + se.dash() + "\""));
                if (se.dots()) {
                    for (double[] p : pts) {
                        out.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                                p[0], p[1], colour));
                    }
                }
                int lx = LEFT + pw + 12;
                out.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                        + "stroke-width=\"%.1f\"%s/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s %s</text>%n", lx, lx + 20,
                        legendY, legendY, colour, se.width(), se.dash() == null ? "" : " stroke-dasharray=\"" + se.dash() + "\"",
                        lx + 24, legendY + 4, escape(service), escape(se.label())));
                legendY += 16;
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

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
