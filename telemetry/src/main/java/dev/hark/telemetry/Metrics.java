package dev.hark.telemetry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * Hark's metrics on Micrometer: one {@link PrometheusMeterRegistry} behind a small API of labelled
 * counters, histograms and gauges whose names are the Prometheus names exactly as scraped (what the
 * docs/operations.md and the Grafana dashboard use), plus Micrometer's Kafka binders ({@code KafkaStreamsMetrics},
 * {@link KafkaClientMetrics}) and JVM binders ({@link JvmMetrics}). {@link #scrape()} writes the
 * Prometheus text format (version 0.0.4).
 *
 * <p>Names are kept as they were before Micrometer: a counter is named with its {@code _total} (Micrometer
 * strips it and the exposition adds it back), a histogram (a Micrometer timer with the given bounds as
 * its service level objectives) with {@code _seconds}, and a gauge whose name ends in {@code _total} (a
 * count read from elsewhere) is exposed as a counter of that name. A histogram also gets Micrometer's
 * {@code <name>_max} gauge. Values are written as Java doubles ({@code 3.0}; {@code le="1.0"}).
 *
 * <p>A Kafka metric {@code group}/{@code name} becomes {@code kafka_<group without -metrics>_<name>} with
 * its tags as labels (dashes become underscores) and a {@code kafka_version} label, e.g.
 * {@code kafka_stream_thread_process_rate}; cumulative sums and counts are counters (named with
 * {@code _total}: {@code kafka_stream_failed_stream_threads_total}), and the Prometheus client drops a
 * {@code _created} before {@code _total} ({@code task-created-total} is {@code kafka_stream_thread_task_total}).
 * The app-info metrics but start time and the metrics count are left out. The binders look for metrics a
 * client added or removed (a new task, partition or thread) at every {@link #scrape()} and every
 * {@link #KAFKA_REFRESH}; values are read when scraped.
 *
 * <p>One process-wide registry ({@link #global()}) is what every service records into and what its
 * {@code /metrics} serves; {@code hark up} runs all services in one process, so their stage labels keep
 * them apart.
 */
public final class Metrics {
    /** How often the Kafka binders look for metrics a client added or removed, besides at every scrape. */
    public static final Duration KAFKA_REFRESH = Duration.ofSeconds(60);

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** Suffixes the Prometheus client strips from a name (and adds back only for the types they belong to). */
    private static final List<String> RESERVED_SUFFIXES = List.of("_total", "_created", "_bucket", "_info");
    private static final Metrics GLOBAL = new Metrics();
    /** One thread for every Kafka binder's refresh, in every registry; a daemon, for the process's lifetime. */
    private static final ScheduledExecutorService KAFKA_SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hark-kafka-metrics");
        t.setDaemon(true);
        return t;
    });

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    final AtomicBoolean jvmBound = new AtomicBoolean();
    private final Set<BinderScheduler> kafkaBinders = new CopyOnWriteArraySet<>();

    public static Metrics global() {
        return GLOBAL;
    }

    /** The Micrometer registry itself, for binders of one's own. */
    public MeterRegistry registry() {
        return registry;
    }

    /** A registration that can be undone; closing it twice is harmless. */
    public interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    // ---- registration ---------------------------------------------------------------------------

    /** The counter family {@code name}, ending in {@code _total} (registered on first call; later calls return the same one). */
    public Counter counter(String name, String help, String... labelNames) {
        return (Counter) families.computeIfAbsent(name, n -> new Counter(this, n, help, labelNames)).check(Counter.class, labelNames);
    }

    /** The histogram family {@code name} with upper bounds {@code buckets} (ascending; +Inf is implied). */
    public Histogram histogram(String name, String help, double[] buckets, String... labelNames) {
        return (Histogram) families.computeIfAbsent(name, n -> new Histogram(this, n, help, buckets, labelNames))
                .check(Histogram.class, labelNames);
    }

    /** The gauge family {@code name}: series whose values are read when scraped. */
    public Gauge gauge(String name, String help, String... labelNames) {
        return (Gauge) families.computeIfAbsent(name, n -> new Gauge(this, n, help, labelNames)).check(Gauge.class, labelNames);
    }

    /**
     * Serves the meters of a Kafka binder built by {@code binder} (given the scheduler its refresh must
     * use) until the returned handle is closed. Kafka Streams applications bind
     * {@code KafkaStreamsMetrics} this way ({@code dev.hark.streams.StreamApps#metrics}), which keeps
     * Kafka Streams out of the libraries every other module uses.
     */
    public <B extends MeterBinder & AutoCloseable> Handle kafka(Function<ScheduledExecutorService, B> binder) {
        BinderScheduler refresh = new BinderScheduler();
        B bound = binder.apply(refresh);
        return bind(bound, () -> {
            try {
                bound.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not close " + bound.getClass().getSimpleName(), e);
            }
        }, refresh);
    }

    /** Serves a producer's metrics until the returned handle is closed (close it before the producer's replacement is bound). */
    public Handle kafka(Producer<?, ?> producer) {
        BinderScheduler refresh = new BinderScheduler();
        KafkaClientMetrics binder = new KafkaClientMetrics(producer, Tags.empty(), refresh, KAFKA_REFRESH);
        return bind(binder, binder::close, refresh);
    }

    /** Serves a consumer's metrics until the returned handle is closed. */
    public Handle kafka(Consumer<?, ?> consumer) {
        BinderScheduler refresh = new BinderScheduler();
        KafkaClientMetrics binder = new KafkaClientMetrics(consumer, Tags.empty(), refresh, KAFKA_REFRESH);
        return bind(binder, binder::close, refresh);
    }

    private Handle bind(MeterBinder binder, Runnable close, BinderScheduler refresh) {
        binder.bindTo(registry);
        kafkaBinders.add(refresh);
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                kafkaBinders.remove(refresh);
                synchronized (refresh) { // not while a refresh runs
                    refresh.shutdownNow(); // first: a refresh after close would bind the closed client's meters again
                    close.run(); // removes the binder's meters
                }
            }
        };
    }

    /**
     * One binder's view of the shared refresh thread. Micrometer does not cancel the refresh of a binder
     * given a scheduler when it is closed (it leaves an external scheduler to its owner), so each binder
     * gets its own view, whose {@link #shutdownNow()} cancels that binder's tasks only.
     */
    private static final class BinderScheduler extends AbstractExecutorService implements ScheduledExecutorService {
        private final List<Future<?>> tasks = new CopyOnWriteArrayList<>();
        private volatile boolean shutdown;
        /** The binder's refresh (it schedules one), never run twice at once; null until scheduled. */
        private volatile Runnable refresh;

        /** Runs the binder's refresh now, in this thread: a client's new metrics are in the next scrape. */
        void refreshNow() {
            Runnable r = refresh;
            if (r != null) {
                r.run();
            }
        }

        private <F extends Future<?>> F track(F task) {
            tasks.add(task);
            if (shutdown) {
                task.cancel(false);
            }
            return task;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return track(KAFKA_SCHEDULER.schedule(command, delay, unit));
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return track(KAFKA_SCHEDULER.schedule(callable, delay, unit));
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            Runnable serial = () -> {
                synchronized (this) {
                    if (!shutdown) {
                        command.run();
                    }
                }
            };
            refresh = serial;
            return track(KAFKA_SCHEDULER.scheduleAtFixedRate(serial, initialDelay, period, unit));
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
            return track(KAFKA_SCHEDULER.scheduleWithFixedDelay(command, initialDelay, delay, unit));
        }

        @Override
        public void execute(Runnable command) {
            schedule(command, 0, TimeUnit.MILLISECONDS);
        }

        @Override
        public void shutdown() {
            shutdownNow();
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            tasks.forEach(t -> t.cancel(false));
            tasks.clear();
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return shutdown;
        }
    }

    // ---- exposition -----------------------------------------------------------------------------

    /**
     * Everything, in the Prometheus text format (version 0.0.4). The Kafka binders look for metrics their
     * clients added or removed first, so a new task's, partition's or thread's are there at once.
     */
    public String scrape() {
        kafkaBinders.forEach(BinderScheduler::refreshNow);
        return registry.scrape();
    }

    // ---- families -------------------------------------------------------------------------------

    /** A metric name with its help and label names; its series are keyed by label values. */
    public abstract static class Family {
        final Metrics owner;
        final String name;
        final String help;
        final String[] labelNames;

        Family(Metrics owner, String name, String help, String[] labelNames) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not a Prometheus metric name: " + name);
            }
            for (String label : labelNames) {
                if (!LABEL.matcher(label).matches() || label.equals("le")) {
                    throw new IllegalArgumentException("not a label name " + name + " can have: " + label);
                }
            }
            this.owner = owner;
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

        Tags tags(List<String> values) {
            List<Tag> tags = new ArrayList<>(labelNames.length);
            for (int i = 0; i < labelNames.length; i++) {
                tags.add(Tag.of(labelNames[i], values.get(i)));
            }
            return Tags.of(tags);
        }

        public String name() {
            return name;
        }

        static void noReservedSuffix(String name, String what) {
            for (String suffix : RESERVED_SUFFIXES) {
                if (name.endsWith(suffix)) {
                    throw new IllegalArgumentException(what + " " + name + " cannot end in " + suffix
                            + " (Prometheus would expose it under another name)");
                }
            }
        }
    }

    /** Monotonic counts; the name ends in {@code _total}, as scraped. One without labels is served from 0 at once. */
    public static final class Counter extends Family {
        private final Map<List<String>, io.micrometer.core.instrument.Counter> children = new ConcurrentHashMap<>();

        Counter(Metrics owner, String name, String help, String[] labelNames) {
            super(owner, name, help, labelNames);
            if (!name.endsWith("_total")) {
                throw new IllegalArgumentException("a counter's name ends in _total, as Prometheus shows it: " + name);
            }
            noReservedSuffix(name.substring(0, name.length() - "_total".length()), "counter");
            if (labelNames.length == 0) {
                add(0); // served at 0 from the start: a first failure is an increase, and the series is there to query
            }
        }

        public void inc(String... labelValues) {
            add(1, labelValues);
        }

        public void add(double amount, String... labelValues) {
            if (amount < 0) {
                throw new IllegalArgumentException("a counter only goes up");
            }
            children.computeIfAbsent(key(labelValues), k -> io.micrometer.core.instrument.Counter.builder(name)
                    .description(help).tags(tags(k)).register(owner.registry)).increment(amount);
        }

        public double value(String... labelValues) {
            io.micrometer.core.instrument.Counter c = children.get(key(labelValues));
            return c == null ? 0 : c.count();
        }
    }

    /**
     * Values read when scraped, one supplier per label set. A name ending in {@code _total} (a count kept
     * elsewhere, that only grows) is exposed as a counter.
     */
    public static final class Gauge extends Family {
        private final Map<List<String>, Series> children = new ConcurrentHashMap<>();

        Gauge(Metrics owner, String name, String help, String[] labelNames) {
            super(owner, name, help, labelNames);
            noReservedSuffix(name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name, "gauge");
        }

        /** Registers (or replaces) the series with these label values; returns a handle that removes it. */
        public Handle set(DoubleSupplier value, String... labelValues) {
            List<String> key = key(labelValues);
            Series series;
            synchronized (this) {
                series = children.get(key);
                if (series == null) {
                    series = new Series();
                    series.meter = name.endsWith("_total")
                            ? FunctionCounter.builder(name, series, Series::read).description(help).tags(tags(key))
                                    .register(owner.registry)
                            : io.micrometer.core.instrument.Gauge.builder(name, series, Series::read).description(help)
                                    .tags(tags(key)).strongReference(true).register(owner.registry);
                    children.put(key, series);
                }
                series.value = value;
            }
            Series registered = series;
            return () -> {
                synchronized (this) {
                    if (children.get(key) == registered && registered.value == value) {
                        children.remove(key);
                        owner.registry.remove(registered.meter);
                    }
                }
            };
        }

        public boolean has(String... labelValues) {
            return children.containsKey(key(labelValues));
        }

        private static final class Series {
            volatile DoubleSupplier value;
            Meter meter;

            double read() {
                try {
                    return value.getAsDouble();
                } catch (RuntimeException e) {
                    return Double.NaN;
                }
            }
        }
    }

    /**
     * Durations in seconds: cumulative buckets, sum and count, as Prometheus histograms have them, with
     * exactly the given bounds (and +Inf). The name ends in {@code _seconds}. A Micrometer {@link Timer}
     * underneath (values kept in nanoseconds): its distribution summary would bucket a value by its
     * ceiling, putting every value below 1 in the bucket of 1.
     */
    public static final class Histogram extends Family {
        private final Duration[] bounds;
        private final Map<List<String>, Timer> children = new ConcurrentHashMap<>();

        Histogram(Metrics owner, String name, String help, double[] bounds, String[] labelNames) {
            super(owner, name, help, labelNames);
            if (!name.endsWith("_seconds")) {
                throw new IllegalArgumentException("a histogram is of seconds, and its name ends in _seconds: " + name);
            }
            for (int i = 1; i < bounds.length; i++) {
                if (!(bounds[i] > bounds[i - 1])) {
                    throw new IllegalArgumentException("bucket bounds must ascend: " + Arrays.toString(bounds));
                }
            }
            this.bounds = new Duration[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                if (!(bounds[i] > 0) || Double.isInfinite(bounds[i])) {
                    throw new IllegalArgumentException("bucket bounds are positive and finite: " + Arrays.toString(bounds));
                }
                this.bounds[i] = Duration.ofNanos(Math.round(bounds[i] * 1e9));
            }
        }

        /** Records {@code seconds} (a negative value is not recorded). */
        public void observe(double seconds, String... labelValues) {
            children.computeIfAbsent(key(labelValues), k -> Timer.builder(name).description(help).tags(tags(k))
                    .serviceLevelObjectives(bounds).register(owner.registry))
                    .record(Math.round(seconds * 1e9), TimeUnit.NANOSECONDS);
        }

        public long count(String... labelValues) {
            Timer t = children.get(key(labelValues));
            return t == null ? 0 : t.count();
        }
    }

    /** Latency buckets in seconds, 1 ms to 1 min. */
    public static double[] latencyBuckets() {
        return new double[] {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    }
}
