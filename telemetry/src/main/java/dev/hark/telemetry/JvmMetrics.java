package dev.hark.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * Micrometer's JVM and process binders, bound once per registry: memory per area and pool
 * ({@code jvm_memory_used_bytes{area,id}}, {@code jvm_memory_max_bytes}, ...), GC pauses
 * ({@code jvm_gc_pause_seconds}), threads ({@code jvm_threads_live_threads}, by state), classes,
 * CPU ({@code process_cpu_usage}, {@code system_cpu_usage}), open files and uptime
 * ({@code process_uptime_seconds}, {@code process_start_time_seconds}).
 */
public final class JvmMetrics {
    private JvmMetrics() {
    }

    /** Binds the JVM and process meters to {@code m}; a second call for the same registry does nothing. */
    public static void register(Metrics m) {
        if (!m.jvmBound.compareAndSet(false, true)) {
            return;
        }
        MeterRegistry r = m.registry();
        new JvmMemoryMetrics().bindTo(r);
        // its GC notification listeners live as long as the registry (the process, for the global one)
        new JvmGcMetrics().bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new FileDescriptorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
    }
}
