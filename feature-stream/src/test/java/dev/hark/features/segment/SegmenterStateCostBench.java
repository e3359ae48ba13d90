package dev.hark.features.segment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Locale;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.hark.audio.segment.Signals;

/**
 * What one 100 ms chunk costs the segmenter's state handling, with an utterance 0.5, 1 and 2 s open, in the
 * whole-state form (the former per-chunk path: get, {@link DeviceAudio#fromBytes}, accept,
 * {@link DeviceAudio#toBytes}, put) and in the split form (get the header, {@link DeviceAudio#load}, accept,
 * {@link DeviceAudio#encodeHeader}, one piece put, header put), same JVM, same in-memory stores, same audio.
 * Also the wall-clock timer's pass over the devices, before (every device decoded) and after (open devices'
 * headers only). A timing harness, not a test: {@code -Dhark.bench=true}.
 */
@EnabledIfSystemProperty(named = "hark.bench", matches = "true")
class SegmenterStateCostBench {
    static final DeviceAudio.Settings SETTINGS = DeviceAudio.Settings.defaults();
    static final int DEVICES = 200;
    static final int CHUNK = Signals.samples(100);
    static final int TIMED_CHUNKS = 2;
    static final long T0 = 1_700_000_000_000L;
    static final short[] AUDIO = new Signals().noise(500).speech(2_800).pcm();
    static final int SPEECH_START = Signals.samples(500);

    interface Path {
        void chunk(String device, long seq, short[] pcm, long now);
    }

    static KeyValueStore<String, byte[]> store(String name) {
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    /** Breakdown of the whole-state path (ns, summed over timed chunks). */
    static long[] parts = new long[4];

    static Path whole(KeyValueStore<String, byte[]> store, boolean timeParts) {
        return (device, seq, pcm, now) -> {
            long a = System.nanoTime();
            byte[] bytes = store.get(device);
            DeviceAudio audio = DeviceAudio.fromBytes(bytes, SETTINGS);
            long b = System.nanoTime();
            audio.accept("s1", seq, seq * CHUNK, Signals.RATE, pcm, T0 + seq * 100, now);
            long c = System.nanoTime();
            byte[] state = audio.toBytes();
            long d = System.nanoTime();
            store.put(device, state);
            if (timeParts) {
                long e = System.nanoTime();
                parts[0] += b - a;
                parts[1] += c - b;
                parts[2] += d - c;
                parts[3] += e - d;
            }
        };
    }

    static Path split(KeyValueStore<String, byte[]> headers, KeyValueStore<String, byte[]> pieces) {
        return (device, seq, pcm, now) -> {
            DeviceAudio audio = DeviceAudio.load(headers.get(device), SETTINGS, piecesOf(pieces, device));
            audio.accept("s1", seq, seq * CHUNK, Signals.RATE, pcm, T0 + seq * 100, now);
            byte[] header = audio.encodeHeader();
            audio.savePieces();
            headers.put(device, header);
        };
    }

    static AudioPieces.Store piecesOf(KeyValueStore<String, byte[]> pieces, String device) {
        return new AudioPieces.Store() {
            public byte[] get(int i) {
                return pieces.get(device + "/" + i);
            }

            public void put(int i, byte[] piece) {
                pieces.put(device + "/" + i, piece);
            }

            public void delete(int i) {
                pieces.delete(device + "/" + i);
            }
        };
    }

    /** ns per chunk for chunks arriving while the utterance is {@code openMs} old. */
    static double perChunk(java.util.function.Supplier<Path> paths, int openMs, boolean timeParts) {
        Path path = paths.get();
        int untimed = (SPEECH_START + Signals.samples(openMs)) / CHUNK;
        for (int d = 0; d < DEVICES; d++) {
            for (int seq = 0; seq < untimed; seq++) {
                path.chunk("device-" + d, seq, chunk(seq), T0 + seq * 100);
            }
        }
        long total = 0;
        for (int seq = untimed; seq < untimed + TIMED_CHUNKS; seq++) {
            short[] pcm = chunk(seq);
            if (timeParts) {
                Arrays.fill(parts, 0);
            }
            long start = System.nanoTime();
            for (int d = 0; d < DEVICES; d++) {
                path.chunk("device-" + d, seq, pcm, T0 + seq * 100);
            }
            total += System.nanoTime() - start;
        }
        return (double) total / (DEVICES * TIMED_CHUNKS);
    }

    static short[] chunk(long seq) {
        return Arrays.copyOfRange(AUDIO, (int) seq * CHUNK, (int) (seq + 1) * CHUNK);
    }

    @Test
    void perChunkCostBeforeAndAfter() {
        int[] open = {500, 1000, 2000};
        // the utterance really is open at each point
        DeviceAudio check = new DeviceAudio(SETTINGS);
        for (int seq = 0; seq < (SPEECH_START + Signals.samples(2000)) / CHUNK + TIMED_CHUNKS; seq++) {
            assertTrue(check.accept("s1", seq, seq * CHUNK, Signals.RATE, chunk(seq), T0, T0).cuts().isEmpty());
        }
        assertTrue(check.speaking());
        int rounds = Integer.getInteger("hark.bench.rounds", 15);
        double[][] before = new double[open.length][rounds];
        double[][] after = new double[open.length][rounds];
        double[][] breakdown = new double[open.length][4];
        for (int warm = 0; warm < 5; warm++) {
            perChunk(() -> whole(store("w"), false), 2000, false);
            perChunk(() -> split(store("h"), store("p")), 2000, false);
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < open.length; i++) {
                before[i][r] = perChunk(() -> whole(store("w"), false), open[i], false);
                after[i][r] = perChunk(() -> split(store("h"), store("p")), open[i], false);
                perChunk(() -> whole(store("w"), true), open[i], true);
                for (int k = 0; k < 4; k++) {
                    breakdown[i][k] += parts[k] / (double) (DEVICES * rounds);
                }
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "%nper-chunk state cost, 100 ms chunks at 8 kHz, %d devices, median of %d rounds (µs/chunk)%n"
                        + "open utterance | before (whole state) | after (header + piece) | after/before | before: decode / accept / encode / put%n",
                DEVICES, rounds));
        for (int i = 0; i < open.length; i++) {
            double b = median(before[i]) / 1000;
            double a = median(after[i]) / 1000;
            out.append(String.format(Locale.ROOT, "%6.1f s | %8.1f | %8.1f | %.2f | %.1f / %.1f / %.1f / %.1f%n",
                    open[i] / 1000.0, b, a, a / b, breakdown[i][0] / 1000, breakdown[i][1] / 1000,
                    breakdown[i][2] / 1000, breakdown[i][3] / 1000));
        }
        out.append(timer());
        System.out.println(out);
    }

    /** The timer's pass with {@link #DEVICES} devices of which a tenth have 1 s of audio open. */
    static String timer() {
        KeyValueStore<String, byte[]> whole = store("w");
        KeyValueStore<String, byte[]> headers = store("h");
        KeyValueStore<String, byte[]> pieces = store("p");
        Path before = whole(whole, false);
        Path after = split(headers, pieces);
        int untimed = (SPEECH_START + Signals.samples(1000)) / CHUNK;
        java.util.Set<String> open = new java.util.LinkedHashSet<>();
        for (int d = 0; d < DEVICES; d++) {
            int chunks = d % 10 == 0 ? untimed : SPEECH_START / CHUNK;
            for (int seq = 0; seq < chunks; seq++) {
                before.chunk("device-" + d, seq, chunk(seq), T0 + seq * 100);
                after.chunk("device-" + d, seq, chunk(seq), T0 + seq * 100);
            }
            if (d % 10 == 0) {
                open.add("device-" + d);
            }
        }
        long now = T0 + untimed * 100L + 200; // nothing idle yet: the pass changes nothing
        int passes = 300;
        long tBefore = 0;
        long tAfter = 0;
        for (int p = 0; p < passes; p++) {
            long s = System.nanoTime();
            try (var all = whole.all()) {
                while (all.hasNext()) {
                    var e = all.next();
                    DeviceAudio audio = DeviceAudio.fromBytes(e.value, SETTINGS);
                    if (audio.hasOpenAudio()) {
                        audio.onTimer(now, true);
                        Arrays.equals(audio.toBytes(), e.value);
                    }
                }
            }
            long m = System.nanoTime();
            for (String device : open) {
                byte[] header = headers.get(device);
                DeviceAudio audio = DeviceAudio.load(header, SETTINGS, piecesOf(pieces, device));
                if (audio.hasOpenAudio()) {
                    audio.onTimer(now, true);
                    Arrays.equals(audio.encodeHeader(), header);
                }
            }
            long e = System.nanoTime();
            if (p >= passes / 3) {
                tBefore += m - s;
                tAfter += e - m;
            }
        }
        int counted = passes - passes / 3;
        return String.format(Locale.ROOT, "timer pass, %d devices, %d with 1 s open: before %.1f µs, after %.1f µs (after/before %.3f)%n",
                DEVICES, open.size(), tBefore / 1000.0 / counted, tAfter / 1000.0 / counted, (double) tAfter / tBefore);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
