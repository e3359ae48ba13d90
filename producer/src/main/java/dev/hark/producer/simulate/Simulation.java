package dev.hark.producer.simulate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.hark.producer.device.ChunkSender;
import dev.hark.producer.device.DeviceStream;
import dev.hark.producer.device.OutcomeWatcher;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;

/**
 * N simulated edge devices speaking real recordings into {@code audio.chunks}, paced in real time,
 * while a watcher collects the clips, predictions and dead letters that come back for them.
 *
 * <p>No thread per device: one timing loop (the caller's thread) wakes every chunk interval and
 * produces every device's due chunk, which a {@link ChunkSender} (one thread) hands to Kafka; a
 * tick that runs late is caught up at once, and each chunk keeps the capture time of its samples.
 * How late the ticks ran is in the report ({@link SimulationReport.Chunks#late()}), so a run shows
 * whether the simulator itself kept up. Ends
 * when every device has finished and every utterance is accounted for (or {@code settle} passes
 * with nothing new), then matches utterances with outcomes ({@link SimulationReport}).
 */
public final class Simulation {

    /**
     * @param devices   how many devices speak at once
     * @param duration  how long devices start new recordings (ignored with {@code eachOnce})
     * @param eachOnce  speak every recording exactly once, dealt round-robin over the devices, then stop
     * @param chunkMs   audio per chunk
     * @param minGapMs  shortest pause between recordings
     * @param maxGapMs  longest pause
     * @param noiseRms  room noise, fraction of full scale (0.0003 ≈ -70 dBFS)
     * @param settle    after the last chunk, how long to wait for outcomes with nothing new arriving
     */
    public record Settings(int devices, Duration duration, boolean eachOnce, int chunkMs, int minGapMs, int maxGapMs,
                           double noiseRms, int sampleRate, long seed, Duration settle, String devicePrefix) {
        public static Settings defaults(int devices, Duration duration) {
            return new Settings(devices, duration, false, 100, 500, 1500, 0.0003, 8000, 42, Duration.ofSeconds(20),
                    "sim-" + UUID.randomUUID().toString().substring(0, 6));
        }

        public Settings speakingEachOnce() {
            return new Settings(devices, duration, true, chunkMs, minGapMs, maxGapMs, noiseRms, sampleRate, seed, settle,
                    devicePrefix);
        }

        public Settings withSeed(long s) {
            return new Settings(devices, duration, eachOnce, chunkMs, minGapMs, maxGapMs, noiseRms, sampleRate, s, settle,
                    devicePrefix);
        }

        public Settings withChunkMs(int ms) {
            return new Settings(devices, duration, eachOnce, ms, minGapMs, maxGapMs, noiseRms, sampleRate, seed, settle,
                    devicePrefix);
        }

        public Settings withSettle(Duration d) {
            return new Settings(devices, duration, eachOnce, chunkMs, minGapMs, maxGapMs, noiseRms, sampleRate, seed, d,
                    devicePrefix);
        }
    }

    /** Live counters for a progress line. */
    public record Progress(double elapsedS, int devicesSpeaking, int utterancesSent, int predictions, int deadLetters,
                           long chunksQueued, long chunksDropped, boolean sending, long maxLateMs) {
    }

    public interface Listener {
        void onProgress(Progress p);
    }

    private Simulation() {
    }

    public static SimulationReport run(ClusterConfig cluster, SchemaRegistryClient registry, List<Recording> recordings,
                                       Settings s, Listener listener) throws InterruptedException {
        if (recordings.isEmpty()) {
            throw new IllegalArgumentException("no recordings to speak");
        }
        if (s.devices() < 1) {
            throw new IllegalArgumentException("--devices must be at least 1");
        }
        Random random = new Random(s.seed());
        List<Recording> shuffled = new ArrayList<>(recordings);
        Collections.shuffle(shuffled, random);
        // appended to by one thread each (the loop, the watcher), read by the loop: synchronized, not copy-on-write
        // (that copies the whole list on every add: quadratic at thousands of devices)
        List<SimulationReport.Utterance> utterances = Collections.synchronizedList(new ArrayList<>());
        List<OutcomeWatcher.Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
        Counts counts = new Counts();
        ConcurrentHashMap<String, Long> sessionStartMs = new ConcurrentHashMap<>();
        short[] noise = SimulatedDevice.noise(s.noiseRms(), s.seed());
        int chunk = s.chunkMs() * s.sampleRate() / 1000;

        List<SimulatedDevice> devices = new ArrayList<>();
        List<DeviceStream> streams = new ArrayList<>();
        for (int d = 0; d < s.devices(); d++) {
            String id = String.format("%s-%03d", s.devicePrefix(), d);
            DeviceStream stream = new DeviceStream(id, s.sampleRate());
            List<Recording> script = new ArrayList<>();
            if (s.eachOnce()) {
                for (int i = d; i < shuffled.size(); i += s.devices()) {
                    script.add(shuffled.get(i));
                }
            }
            devices.add(new SimulatedDevice(id, stream.sessionId(), script, !s.eachOnce(), shuffled,
                    new Random(s.seed() * 31 + d), s.sampleRate(), s.minGapMs(), s.maxGapMs(), noise, spoken -> {
                long t0 = sessionStartMs.get(spoken.deviceId());
                utterances.add(new SimulationReport.Utterance(spoken.deviceId(), spoken.sessionId(), spoken.start(),
                        spoken.end(), spoken.recording().label(), spoken.recording().name(),
                        DeviceStream.timeOfSample(t0, spoken.end(), s.sampleRate())));
            }));
            streams.add(stream);
        }

        String prefix = s.devicePrefix() + "-";
        long firstSent;
        long lastOutcome;
        ChunkSender.Settings senderSettings = new ChunkSender.Settings(Math.max(1000, s.devices() * 100),
                Math.max(100, s.devices() * 20), Duration.ofSeconds(60));
        List<Long> late = new ArrayList<>();
        try (OutcomeWatcher watcher = new OutcomeWatcher(cluster, registry, id -> id.startsWith(prefix), true,
                o -> {
                    outcomes.add(o);
                    counts.add(o);
                });
             ChunkSender sender = new ChunkSender(cluster, registry, senderSettings)) {
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long start = System.currentTimeMillis();
            firstSent = start;
            for (SimulatedDevice d : devices) {
                sessionStartMs.put(d.deviceId(), start);
            }
            long stopAt = start + s.duration().toMillis();
            long tick = 0;
            int active = devices.size();
            long lastProgress = 0;
            while (active > 0) {
                // chunk `tick` holds samples captured during [start + tick·chunkMs, start + (tick+1)·chunkMs):
                // it can be sent once that interval is over, as a real device would
                long due = start + (tick + 1) * s.chunkMs();
                long wait = due - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                late.add(Math.max(0, System.currentTimeMillis() - due));
                boolean stopping = !s.eachOnce() && System.currentTimeMillis() >= stopAt;
                active = 0;
                for (int d = 0; d < devices.size(); d++) {
                    SimulatedDevice device = devices.get(d);
                    if (device.finished()) {
                        continue;
                    }
                    if (stopping) {
                        device.stop();
                    }
                    short[] samples = device.next(chunk);
                    DeviceStream stream = streams.get(d);
                    sender.offer(stream.next(samples, 0, samples.length,
                            DeviceStream.timeOfSample(start, stream.position(), s.sampleRate())));
                    if (!device.finished()) {
                        active++;
                    }
                }
                // the tick is done when its last chunk is offered: that is how late this chunk went out
                late.set(late.size() - 1, Math.max(0, System.currentTimeMillis() - due));
                tick++;
                long now = System.currentTimeMillis();
                if (now - lastProgress >= 500) {
                    lastProgress = now;
                    listener.onProgress(progress(start, active, utterances, counts, sender, true, late));
                }
            }
            double loopCpuS = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double sendingS = (System.currentTimeMillis() - start) / 1000.0;
            sender.drain(Duration.ofSeconds(60));
            // wait for the stream to answer: until every utterance is accounted for, or nothing new for `settle`
            long lastChange = System.currentTimeMillis();
            int seen = outcomes.size();
            long lastCheck = 0;
            while (true) {
                Thread.sleep(100);
                long now = System.currentTimeMillis();
                if (outcomes.size() != seen) {
                    seen = outcomes.size();
                    lastChange = now;
                }
                listener.onProgress(progress(start, 0, utterances, counts, sender, false, late));
                // a full match of every utterance: once a second at most, not to take CPU from a stack catching up
                if (now - lastChange > 1_500 && now - lastCheck >= 1_000) {
                    lastCheck = now;
                    if (allAccounted(utterances, outcomes, s.sampleRate())) {
                        break;
                    }
                }
                if (now - lastChange > s.settle().toMillis()) {
                    break;
                }
            }
            List<OutcomeWatcher.Outcome> seenOutcomes = snapshot(outcomes);
            lastOutcome = seenOutcomes.stream().mapToLong(OutcomeWatcher.Outcome::receivedAtMs).max()
                    .orElse(System.currentTimeMillis());
            ChunkSender.Stats st = sender.stats();
            SimulationReport.Chunks chunks = new SimulationReport.Chunks(st.offered(), st.acknowledged(), st.dropped(),
                    st.lost(), SimulationReport.Latency.of(late), loopCpuS, sendingS);
            return SimulationReport.match(s.devices(), snapshot(utterances), seenOutcomes, s.sampleRate(),
                    (lastOutcome - firstSent) / 1000.0, chunks);
        }
    }

    private static boolean allAccounted(List<SimulationReport.Utterance> utterances, List<OutcomeWatcher.Outcome> outcomes,
                                        int rate) {
        SimulationReport r = SimulationReport.match(0, snapshot(utterances), snapshot(outcomes), rate, 0,
                new SimulationReport.Chunks(0, 0, 0, 0));
        return r.unaccounted() == 0;
    }

    private static Progress progress(long start, int active, List<SimulationReport.Utterance> utterances, Counts counts,
                                     ChunkSender sender, boolean sending, List<Long> late) {
        ChunkSender.Stats st = sender.stats();
        long maxLate = 0;
        for (int i = Math.max(0, late.size() - 50); i < late.size(); i++) {
            maxLate = Math.max(maxLate, late.get(i)); // the last 50 ticks
        }
        return new Progress((System.currentTimeMillis() - start) / 1000.0, active, utterances.size(),
                counts.predictions.get(), counts.deadLetters.get(), st.queued(), st.dropped(), sending, maxLate);
    }

    private static <T> List<T> snapshot(List<T> synchronizedList) {
        synchronized (synchronizedList) {
            return List.copyOf(synchronizedList);
        }
    }

    /** Outcomes so far, counted as they arrive (the progress line must not walk every outcome twice a second). */
    private static final class Counts {
        final AtomicInteger predictions = new AtomicInteger();
        final AtomicInteger deadLetters = new AtomicInteger();

        void add(OutcomeWatcher.Outcome o) {
            if (o.kind() == OutcomeWatcher.Kind.PREDICTION) {
                predictions.incrementAndGet();
            } else if (o.kind() == OutcomeWatcher.Kind.DEAD_LETTER) {
                deadLetters.incrementAndGet();
            }
        }
    }
}
