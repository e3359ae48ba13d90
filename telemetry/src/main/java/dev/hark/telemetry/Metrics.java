package dev.hark.telemetry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * A small Prometheus registry: labelled counters, histograms and gauges, plus live views of Kafka
 * clients' own metrics (producer, consumer, admin, Kafka Streams), all written in the Prometheus text
 * exposition format (version 0.0.4) by {@link #scrape()}.
 *
 * <p>Kafka metrics are read from the clients when scraped, never copied: a metric a client adds later
 * (a new task, a new partition) is there on the next scrape, and a closed client's metrics go with it.
 * A Kafka metric {@code group}/{@code name} becomes {@code kafka_<group without -metrics>_<name>} with
 * its tags as labels (dashes become underscores), e.g. {@code kafka_stream_thread_process_rate}.
 *
 * <p>One process-wide registry ({@link #global()}) is what every service records into and what its
 * {@code /metrics} serves; {@code hark up} runs all services in one process, so their stage labels keep
 * them apart.
 */
public final class Metrics {
    private static final Metrics GLOBAL = new Metrics();

    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final List<KafkaSource> kafka = new CopyOnWriteArrayList<>();

    public static Metrics global() {
        return GLOBAL;
    }

    // ---- registration ---------------------------------------------------------------------------

    /** The counter family {@code name} (registered on first call; later calls return the same one). */
    public Counter counter(String name, String help, String... labelNames) {
        return (Counter) families.computeIfAbsent(name, n -> new Counter(n, help, labelNames)).check(Counter.class, labelNames);
    }

    /** The histogram family {@code name} with upper bounds {@code buckets} (ascending; +Inf is implied). */
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return (Histogram) families.computeIfAbsent(name, n -> new Histogram(n, help, buckets, labelNames))
                .check(Histogram.class, labelNames);
    }

    /** The gauge family {@code name}: series whose values are read when scraped. */
    public Gauge gauge(String name, String help, String... labelNames) {
        return (Gauge) families.computeIfAbsent(name, n -> new Gauge(n, help, labelNames)).check(Gauge.class, labelNames);
    }

    /**
     * Serves a Kafka client's metrics (e.g. {@code streams::metrics}, {@code producer::metrics}) until
     * the returned handle is closed.
     */
    public AutoCloseable kafka(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        KafkaSource source = new KafkaSource(metrics);
        kafka.add(source);
        return () -> kafka.remove(source);
    }

    // ---- exposition -----------------------------------------------------------------------------

    /** Everything, in the Prometheus text format. */
    public String scrape() {
        StringBuilder out = new StringBuilder(64 * 1024);
        for (Family f : new TreeMap<>(families).values()) {
            f.write(out);
        }
        writeKafka(out);
        return out.toString();
    }

    private void writeKafka(StringBuilder out) {
        // name -> (labels -> value); first source wins for an identical series
        Map<String, Map<String, Double>> series = new TreeMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        for (KafkaSource source : kafka) {
            Map<MetricName, ? extends Metric> metrics;
            try {
                metrics = source.metrics.get();
            } catch (RuntimeException e) {
                continue; // a client closing while scraped
            }
            for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
                MetricName mn = e.getKey();
                Object v;
                try {
                    v = e.getValue().metricValue();
                } catch (RuntimeException ex) {
                    continue;
                }
                if (!(v instanceof Number number)) {
                    continue; // app-info's version strings and the like
                }
                String group = mn.group().endsWith("-metrics") ? mn.group().substring(0, mn.group().length() - 8) : mn.group();
                String name = sanitize("kafka_" + group + "_" + mn.name());
                StringBuilder labels = new StringBuilder();
                for (Map.Entry<String, String> tag : new TreeMap<>(mn.tags()).entrySet()) {
                    appendLabel(labels, sanitize(tag.getKey()), tag.getValue());
                }
                series.computeIfAbsent(name, k -> new LinkedHashMap<>()).putIfAbsent(labels.toString(), number.doubleValue());
                help.putIfAbsent(name, mn.description());
            }
        }
        for (Map.Entry<String, Map<String, Double>> e : series.entrySet()) {
            String name = e.getKey();
            String type = name.endsWith("_total") ? "counter" : "gauge";
            header(out, name, help.get(name), type);
            for (Map.Entry<String, Double> s : e.getValue().entrySet()) {
                sample(out, name, s.getKey(), s.getValue());
            }
        }
    }

    static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ')
                .append(help == null ? "" : help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(format(value)).append('\n');
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    static void appendLabel(StringBuilder labels, String name, String value) {
        if (!labels.isEmpty()) {
            labels.append(',');
        }
        labels.append(name).append("=\"").append(escape(value)).append('"');
    }

    static String escape(String value) {
        return (value == null ? "" : value).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A valid Prometheus metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]*, anything else becomes '_'. */
    public static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            b.append(ok ? c : '_');
        }
        return b.toString();
    }

    private record KafkaSource(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    // ---- families -------------------------------------------------------------------------------

    /** A metric name with its help, type and label names; its series are keyed by label values. */
    public abstract static class Family {
        final String name;
        final String help;
        final String[] labelNames;

        Family(String name, String help, String[] labelNames) {
            if (!name.equals(sanitize(name))) {
                throw new IllegalArgumentException("not a Prometheus metric name: " + name);
            }
            this.name = name;
            this.help = help;
            this.labelNames = labelNames.clone();
        }

        Family check(Class<? extends Family> type, String[] labels) {
            if (!type.isInstance(this) || !Arrays.equals(labels, labelNames)) {
                throw new IllegalArgumentException("metric " + name + " is already registered as a "
                        + getClass().getSimpleName() + " with labels " + Arrays.toString(labelNames));
            }
            return this;
        }

        List<String> key(String... values) {
            if (values.length != labelNames.length) {
                throw new IllegalArgumentException(name + " takes labels " + Arrays.toString(labelNames) + ", got "
                        + Arrays.toString(values));
            }
            List<String> key = new ArrayList<>(values.length);
            for (String v : values) {
                key.add(Objects.requireNonNullElse(v, ""));
            }
            return List.copyOf(key);
        }

        String labels(List<String> values, String extraName, String extraValue) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < labelNames.length; i++) {
                appendLabel(b, labelNames[i], values.get(i));
            }
            if (extraName != null) {
                appendLabel(b, extraName, extraValue);
            }
            return b.toString();
        }

        public String name() {
            return name;
        }

        abstract void write(StringBuilder out);
    }

    /** Monotonic counts; the name should end in {@code _total}. */
    public static final class Counter extends Family {
        private final Map<List<String>, DoubleAdder> children = new ConcurrentHashMap<>();

        Counter(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        public void add(double amount, String... labelValues) {
            if (amount < 0) {
                throw new IllegalArgumentException("a counter only goes up");
            }
            children.computeIfAbsent(key(labelValues), k -> new DoubleAdder()).add(amount);
        }

        public double value(String... labelValues) {
            DoubleAdder a = children.get(key(labelValues));
            return a == null ? 0 : a.sum();
        }

        @Override
        void write(StringBuilder out) {
            header(out, name, help, "counter");
            children.entrySet().stream().sorted(Map.Entry.comparingByKey(Metrics::compareKeys))
                    .forEach(e -> sample(out, name, labels(e.getKey(), null, null), e.getValue().sum()));
        }
    }

    /** Values read when scraped, one supplier per label set. */
    public static final class Gauge extends Family {
        private final Map<List<String>, DoubleSupplier> children = new ConcurrentHashMap<>();

        Gauge(String name, String help, String[] labelNames) {
            super(name, help, labelNames);
        }

        /** Registers (or replaces) the series with these label values; returns a handle that removes it. */
        public AutoCloseable set(DoubleSupplier value, String... labelValues) {
            List<String> key = key(labelValues);
            children.put(key, value);
            return () -> children.remove(key, value);
        }

        public boolean has(String... labelValues) {
            return children.containsKey(key(labelValues));
        }

        @Override
        void write(StringBuilder out) {
            // a value read from elsewhere that only grows (CPU seconds, GC time) is still a counter
            header(out, name, help, name.endsWith("_total") ? "counter" : "gauge");
            children.entrySet().stream().sorted(Map.Entry.comparingByKey(Metrics::compareKeys)).forEach(e -> {
                double v;
                try {
                    v = e.getValue().getAsDouble();
                } catch (RuntimeException ex) {
                    v = Double.NaN;
                }
                sample(out, name, labels(e.getKey(), null, null), v);
            });
        }
    }

    /** Cumulative buckets, sum and count, as Prometheus histograms have them; the unit goes in the name. */
    public static final class Histogram extends Family {
        private final double[] bounds;
        private final Map<List<String>, Child> children = new ConcurrentHashMap<>();

        Histogram(String name, String help, double[] bounds, String[] labelNames) {
            super(name, help, labelNames);
            for (int i = 1; i < bounds.length; i++) {
                if (!(bounds[i] > bounds[i - 1])) {
                    throw new IllegalArgumentException("bucket bounds must ascend: " + Arrays.toString(bounds));
                }
            }
            this.bounds = bounds.clone();
        }

        public void observe(double value, String... labelValues) {
            Child c = children.computeIfAbsent(key(labelValues), k -> new Child(bounds.length));
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            c.buckets[i].increment(); // i == bounds.length: only +Inf
            c.sum.add(value);
            c.count.increment();
        }

        public long count(String... labelValues) {
            Child c = children.get(key(labelValues));
            return c == null ? 0 : c.count.sum();
        }

        @Override
        void write(StringBuilder out) {
            header(out, name, help, "histogram");
            children.entrySet().stream().sorted(Map.Entry.comparingByKey(Metrics::compareKeys)).forEach(e -> {
                Child c = e.getValue();
                long cumulative = 0;
                for (int i = 0; i <= bounds.length; i++) {
                    cumulative += c.buckets[i].sum();
                    String le = i == bounds.length ? "+Inf" : format(bounds[i]);
                    sample(out, name + "_bucket", labels(e.getKey(), "le", le), cumulative);
                }
                sample(out, name + "_sum", labels(e.getKey(), null, null), c.sum.sum());
                sample(out, name + "_count", labels(e.getKey(), null, null), c.count.sum());
            });
        }

        private static final class Child {
            final LongAdder[] buckets;
            final DoubleAdder sum = new DoubleAdder();
            final LongAdder count = new LongAdder();

            Child(int bounds) {
                buckets = new LongAdder[bounds + 1];
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = new LongAdder();
                }
            }
        }
    }

    private static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    }

    /** Latency buckets in seconds, 1 ms to 1 min. */
    public static double[] latencyBuckets() {
        return new double[] {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    }
}
