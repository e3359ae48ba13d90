package dev.hark.launcher.faults;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;

/**
 * Samples each service process every {@code every} seconds: heap used (its {@code /metrics}
 * {@code jvm_memory_used_bytes{area="heap"}}), heap right after the most recent GC and, every
 * {@code gcEvery} seconds, the live heap after a full GC it asks for (JMX), RSS ({@code VmRSS} of
 * {@code /proc/PID/status}), live threads and CPU seconds.
 */
final class MemorySampler implements AutoCloseable {

    /** One sample of one service; MB, NaN where not measured. */
    record Sample(String service, double tS, double heapUsedMb, double heapAfterGcMb, double liveHeapMb, double rssMb,
                  double threads, double cpuS) {
    }

    private final List<ServiceProcess> services;
    private final long everyMs;
    private final long gcEveryMs;
    private final List<Sample> samples = new ArrayList<>();
    private final Map<String, JMXConnector> jmx = new LinkedHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private final long t0 = System.nanoTime();

    MemorySampler(List<ServiceProcess> services, double everyS, double gcEveryS) {
        this.services = services;
        this.everyMs = (long) (everyS * 1000);
        this.gcEveryMs = (long) (gcEveryS * 1000);
        thread = new Thread(this::loop, "memory-sampler");
        thread.setDaemon(true);
    }

    MemorySampler start() {
        thread.start();
        return this;
    }

    private void loop() {
        long next = 0;
        long nextGc = gcEveryMs;
        while (!stop.get()) {
            long elapsed = (System.nanoTime() - t0) / 1_000_000;
            if (elapsed >= next) {
                boolean gc = elapsed >= nextGc;
                for (ServiceProcess s : services) {
                    Sample sample = sample(s, gc);
                    synchronized (samples) {
                        samples.add(sample);
                    }
                }
                if (gc) {
                    nextGc += gcEveryMs;
                }
                next += everyMs;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Sample sample(ServiceProcess s, boolean forceGc) {
        double t = (System.nanoTime() - t0) / 1e9;
        double heapUsed = s.metric("jvm_memory_used_bytes", "area=\"heap\"") / 1e6;
        double threads = s.metric("jvm_threads_live_threads", null);
        double cpu = s.metric("process_cpu_time_ns_total", null) / 1e9;
        double afterGc = Double.NaN;
        double live = Double.NaN;
        try {
            MBeanServerConnection c = connection(s);
            afterGc = heapAfterLastGc(c);
            if (forceGc) {
                MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.MEMORY_MXBEAN_NAME,
                        MemoryMXBean.class);
                memory.gc(); // System.gc(): a full collection, returns when done
                live = memory.getHeapMemoryUsage().getUsed() / 1e6;
            }
        } catch (IOException | RuntimeException e) {
            jmx.remove(s.name);
            System.err.println("sampler: JMX of " + s.name + ": " + e);
        }
        long rss = s.rssKb();
        return new Sample(s.name, t, heapUsed, afterGc, live, rss < 0 ? Double.NaN : rss / 1024.0, threads, cpu);
    }

    private MBeanServerConnection connection(ServiceProcess s) throws IOException {
        JMXConnector c = jmx.get(s.name);
        if (c == null) {
            c = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + s.jmxPort()
                    + "/jmxrmi"));
            jmx.put(s.name, c);
        }
        return c.getMBeanServerConnection();
    }

    /** Heap used right after the most recent collection (young or full), in MB. */
    private static double heapAfterLastGc(MBeanServerConnection c) throws IOException {
        GcInfo latest = null;
        try {
            for (ObjectName name : c.queryNames(new ObjectName(ManagementFactory.GARBAGE_COLLECTOR_MXBEAN_DOMAIN_TYPE + ",*"),
                    null)) {
                GarbageCollectorMXBean gc = ManagementFactory.newPlatformMXBeanProxy(c, name.toString(),
                        GarbageCollectorMXBean.class);
                GcInfo info = gc.getLastGcInfo();
                if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
                    latest = info;
                }
            }
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalStateException(e);
        }
        if (latest == null) {
            return Double.NaN;
        }
        double used = 0;
        for (Map.Entry<String, MemoryUsage> e : latest.getMemoryUsageAfterGc().entrySet()) {
            String pool = e.getKey();
            if (pool.contains("Eden") || pool.contains("Survivor") || pool.contains("Old Gen") || pool.contains("Tenured")) {
                used += e.getValue().getUsed();
            }
        }
        return used / 1e6;
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.interrupt();
        thread.join(30_000);
        for (JMXConnector c : jmx.values()) {
            try {
                c.close();
            } catch (IOException e) {
                // the process may be gone
            }
        }
    }
}
