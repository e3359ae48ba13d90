package dev.hark.classifier.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.hark.model.TestModels;
import dev.hark.model.inference.DigitModel;

/**
 * Fifty champion swaps in a row, with another thread scoring batches all the while, grow neither the
 * Java heap (measured after GC) nor native memory (the process's resident set, VmRSS in
 * /proc/self/status), and every replaced session is closed once its last batch is done.
 */
class ModelSwapMemoryTest {

    @Test
    void fiftySwapsGrowNeitherHeapNorNativeMemory() throws Exception {
        byte[][] models = new byte[4][];
        for (int i = 0; i < models.length; i++) {
            models[i] = TestModels.onnx(i + 1, TestModels.CONFIG_ID, TestModels.defaultArchitecture(i));
        }
        ModelSlot slot = new ModelSlot();
        AtomicLong batches = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread scorer = new Thread(() -> {
            float[][] batch = new float[8][40 * 101];
            while (!Thread.currentThread().isInterrupted()) {
                var model = slot.acquire();
                if (model.isEmpty()) {
                    Thread.onSpinWait();
                    continue;
                }
                try {
                    model.get().predict(batch);
                    batches.incrementAndGet();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    return;
                } finally {
                    model.get().release();
                }
            }
        }, "scorer");
        List<DigitModel> retired = new ArrayList<>();
        int version = 0;
        try {
            slot.swap(DigitModel.load(models[0], DigitModel.Options.defaults()));
            scorer.start();
            for (int i = 0; i < 20; i++) { // warm up: arenas, JIT, class loading
                slot.swap(DigitModel.load(models[++version % models.length], DigitModel.Options.defaults()))
                        .ifPresent(retired::add);
            }
            long heapBefore = heapAfterGc();
            long rssBefore = rssKb();
            for (int i = 0; i < 50; i++) {
                slot.swap(DigitModel.load(models[++version % models.length], DigitModel.Options.defaults()))
                        .ifPresent(retired::add);
                long seen = batches.get();
                while (batches.get() < seen + 2 && failure.get() == null) { // the new model really serves
                    Thread.sleep(1);
                }
            }
            long heapAfter = heapAfterGc();
            long rssAfter = rssKb();
            System.out.printf("50 swaps, %d batches scored meanwhile: heap after GC %.1f -> %.1f MiB, VmRSS %.1f -> %.1f MiB%n",
                    batches.get(), heapBefore / 1048576.0, heapAfter / 1048576.0, rssBefore / 1024.0, rssAfter / 1024.0);
            assertEquals(null, failure.get(), "scoring during swaps failed");
            assertTrue(heapAfter - heapBefore < 16L << 20, "heap grew by " + (heapAfter - heapBefore) / 1048576.0 + " MiB");
            assertTrue(rssAfter - rssBefore < 32 * 1024, "resident memory grew by " + (rssAfter - rssBefore) / 1024.0
                    + " MiB over 50 swaps (a leaked session of this model is several MiB)");
        } finally {
            scorer.interrupt();
            scorer.join();
            slot.close();
        }
        assertEquals(70, retired.size());
        for (DigitModel m : retired) {
            assertTrue(m.isSessionClosed(), "version " + m.version() + " still open");
        }
    }

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
