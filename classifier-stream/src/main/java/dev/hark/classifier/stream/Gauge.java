package dev.hark.classifier.stream;

import java.util.function.DoubleSupplier;

import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;

/** A metric whose value is read when it is reported (Kafka Streams sensors take stats, not gauges). */
final class Gauge implements MeasurableStat {
    private final DoubleSupplier value;

    Gauge(DoubleSupplier value) {
        this.value = value;
    }

    @Override
    public void record(MetricConfig config, double v, long timeMs) {
        // nothing to record: the value is read on demand
    }

    @Override
    public double measure(MetricConfig config, long now) {
        return value.getAsDouble();
    }
}
