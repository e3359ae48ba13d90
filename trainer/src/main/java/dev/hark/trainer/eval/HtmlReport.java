package dev.hark.trainer.eval;

import dev.hark.trainer.model.EpochStats;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained report: one HTML file and its PNGs in one folder (SVGs are inline). Sections are added
 * in order; {@link #write} saves everything.
 */
public final class HtmlReport {

    private final String title;
    private final StringBuilder body = new StringBuilder();
    private final Map<String, java.awt.image.BufferedImage> images = new LinkedHashMap<>();

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport facts(String heading, Map<String, String> facts) {
        body.append("<h2>").append(esc(heading)).append("</h2>\n<table class=facts>\n");
        facts.forEach((k, v) -> body.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n"));
        body.append("</table>\n");
        return this;
    }

    /** Confusion matrix picture, per-class table and per-speaker table. */
    public HtmlReport evaluation(String heading, Evaluation ev, String imageName) {
        body.append("<h2>").append(esc(heading)).append("</h2>\n");
        body.append(String.format(Locale.ROOT, "<p class=big>accuracy <b>%.2f %%</b> (%d of %d), macro F1 %.4f</p>\n",
                100 * ev.accuracy(), ev.correct(), ev.count(), ev.macroF1()));
        images.put(imageName, Charts.confusionMatrix(ev.confusionMatrix(), "confusion matrix"));
        body.append("<img src=\"").append(imageName).append("\" alt=\"confusion matrix\">\n");
        List<String[]> rows = new ArrayList<>();
        ev.perClass().forEach((digit, m) -> rows.add(new String[] {digit, pct(m.precision()), pct(m.recall()),
                String.format(Locale.ROOT, "%.4f", m.f1()), Integer.toString(m.support())}));
        table("per digit", new String[] {"digit", "precision", "recall", "F1", "clips"}, rows);
        List<String[]> spk = new ArrayList<>();
        ev.perSpeaker().forEach((name, m) -> spk.add(new String[] {name, Integer.toString(m.count()), pct(m.accuracy())}));
        table("per speaker", new String[] {"speaker", "clips", "accuracy"}, spk);
        return this;
    }

    public HtmlReport curves(String heading, List<EpochStats> history, String imageName) {
        if (history.isEmpty()) {
            return this;
        }
        body.append("<h2>").append(esc(heading)).append("</h2>\n");
        images.put(imageName, Charts.trainingCurves(history, heading));
        body.append("<img src=\"").append(imageName).append("\" alt=\"training curves\">\n");
        return this;
    }

    /** A section heading for what follows. */
    public HtmlReport heading(String heading) {
        body.append("<h2>").append(esc(heading)).append("</h2>\n");
        return this;
    }

    /** A paragraph of plain text. */
    public HtmlReport paragraph(String text) {
        body.append("<p>").append(esc(text)).append("</p>\n");
        return this;
    }

    /** An SVG picture (e.g. from {@link Charts#barChartSvg}), inline: the report stays one file. */
    public HtmlReport svg(String svg) {
        body.append("<figure>").append(svg).append("</figure>\n");
        return this;
    }

    public HtmlReport table(String heading, String[] header, List<String[]> rows) {
        body.append("<h3>").append(esc(heading)).append("</h3>\n<table>\n<tr>");
        for (String h : header) {
            body.append("<th>").append(esc(h)).append("</th>");
        }
        body.append("</tr>\n");
        for (String[] r : rows) {
            body.append("<tr>");
            for (String c : r) {
                // numbers line up on the right, words read from the left
                body.append(c.matches("[-+]?[0-9.,]+( ?[%a-zA-Z]{0,4})?") ? "<td>" : "<td class=text>").append(esc(c)).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Writes {@code dir/fileName} and its images beside it; returns the HTML's path. */
    public Path write(Path dir, String fileName) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, java.awt.image.BufferedImage> e : images.entrySet()) {
            ImageIO.write(e.getValue(), "png", dir.resolve(e.getKey()).toFile());
        }
        String html = "<!doctype html>\n<html><head><meta charset=utf-8><title>" + esc(title) + "</title>\n<style>"
                + "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}"
                + "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 10px;text-align:right}"
                + "th{background:#f3f3f3}table.facts th{text-align:left}table.facts td{text-align:left}.big{font-size:1.3em}"
                + "img{max-width:100%;border:1px solid #eee}figure{margin:.5em 0 1.5em}svg{max-width:100%;height:auto}"
                + "td.text,th.text{text-align:left}</style></head><body>\n<h1>" + esc(title) + "</h1>\n" + body
                + "</body></html>\n";
        Path out = dir.resolve(fileName);
        Files.writeString(out, html, StandardCharsets.UTF_8);
        return out;
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
