package dev.hark.telemetry;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/** A handful of JVM and process gauges (heap, threads, GC, CPU, uptime), registered once per process. */
public final class JvmMetrics {
    private static boolean registered;

    private JvmMetrics() {
    }

    public static synchronized void register(Metrics m) {
        if (registered && m == Metrics.global()) {
            return;
        }
        registered = registered || m == Metrics.global();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Metrics.Gauge mem = m.gauge("jvm_memory_used_bytes", "used bytes of a JVM memory area", "area");
        mem.set(() -> memory.getHeapMemoryUsage().getUsed(), "heap");
        mem.set(() -> memory.getNonHeapMemoryUsage().getUsed(), "nonheap");
        m.gauge("jvm_memory_max_bytes", "maximum heap", "area").set(() -> memory.getHeapMemoryUsage().getMax(), "heap");
        m.gauge("jvm_threads_live", "live threads").set(() -> ManagementFactory.getThreadMXBean().getThreadCount());
        Metrics.Gauge gc = m.gauge("jvm_gc_collection_seconds_total", "time spent in GC", "gc");
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            gc.set(() -> b.getCollectionTime() / 1000.0, b.getName());
        }
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            m.gauge("process_cpu_seconds_total", "CPU time of the process").set(() -> sun.getProcessCpuTime() / 1e9);
        }
        m.gauge("process_uptime_seconds", "seconds since the JVM started")
                .set(() -> ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0);
    }
}
