package dev.hark.producer.simulate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.hark.producer.device.OutcomeWatcher.Kind;
import dev.hark.producer.device.OutcomeWatcher.Outcome;

/**
 * Matches what the devices said with what Hark answered. Every record about a device's audio (clip,
 * prediction, dead letter) covers a sample range of one device session; it belongs to the spoken
 * recording it overlaps most, if it overlaps one by at least {@link #MIN_OVERLAP_MS}. A recording is
 * correct when the prediction overlapping it most says its digit; it is accounted for when it got a
 * prediction or a dead letter. Pure: no Kafka, so the rules are tested on their own.
 */
public final class SimulationReport {

    /** Less overlap than this is a clip's pre/post-roll brushing a neighbour, not the recording. */
    public static final int MIN_OVERLAP_MS = 50;

    /** A recording as spoken: where, and when its last sample was "captured" (wall clock). */
    public record Utterance(String deviceId, String sessionId, long start, long end, int label, String name,
                            long endOfSpeechMs) {
    }

    /** Percentiles of a latency, in ms. */
    public record Latency(double p50, double p95, double p99, double max, int n) {
        public static Latency of(List<Long> values) {
            if (values.isEmpty()) {
                return new Latency(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
            }
            long[] v = values.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Latency(pct(v, 50), pct(v, 95), pct(v, 99), v[v.length - 1], v.length);
        }

        private static double pct(long[] sorted, double p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1; // nearest rank
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("p50", p50);
            m.put("p95", p95);
            m.put("p99", p99);
            m.put("max", max);
            return m;
        }
    }

    /**
     * Sent and delivered chunks, from the device side; {@code late}: per chunk interval, how long after
     * the interval ended its last device's chunk was handed to the sender (the simulator keeping up);
     * {@code loopCpuS}: CPU time of the timing loop that made every device's chunks, over the
     * {@code sendingS} seconds it ran (how much of a core the devices themselves cost).
     */
    public record Chunks(long sent, long acknowledged, long dropped, long lost, Latency late, double loopCpuS,
                         double sendingS) {
        public Chunks(long sent, long acknowledged, long dropped, long lost) {
            this(sent, acknowledged, dropped, lost, Latency.of(List.of()), 0, 0);
        }
    }

    private final int devices;
    private final int utterancesSent;
    private final int clips;
    private final int predictions;
    private final int deadLetters;
    private final int unaccounted;
    private final int spurious;
    private final int correct;
    private final int answered;
    private final int deadLettered;
    private final int split;
    private final int duplicatePredictions;
    private final Latency endpoint;
    private final Latency pipeline;
    private final double durationS;
    private final double throughput;
    private final Map<Integer, Integer> modelVersions;
    private final Map<String, Integer> deadLetterReasons;
    private final int[][] confusion;
    private final List<String> wrong;
    private final Chunks chunks;

    private SimulationReport(int devices, int utterancesSent, int clips, int predictions, int deadLetters, int unaccounted,
                             int spurious, int correct, int answered, int deadLettered, int split,
                             int duplicatePredictions, Latency endpoint,
                             Latency pipeline, double durationS, double throughput, Map<Integer, Integer> modelVersions,
                             Map<String, Integer> deadLetterReasons, int[][] confusion, List<String> wrong, Chunks chunks) {
        this.devices = devices;
        this.utterancesSent = utterancesSent;
        this.clips = clips;
        this.predictions = predictions;
        this.deadLetters = deadLetters;
        this.unaccounted = unaccounted;
        this.spurious = spurious;
        this.correct = correct;
        this.answered = answered;
        this.deadLettered = deadLettered;
        this.split = split;
        this.duplicatePredictions = duplicatePredictions;
        this.endpoint = endpoint;
        this.pipeline = pipeline;
        this.durationS = durationS;
        this.throughput = throughput;
        this.modelVersions = modelVersions;
        this.deadLetterReasons = deadLetterReasons;
        this.confusion = confusion;
        this.wrong = wrong;
        this.chunks = chunks;
    }

    /**
     * @param rate       the devices' sample rate (sample ranges → ms)
     * @param durationS  from the first chunk sent to the last outcome received
     */
    public static SimulationReport match(int devices, List<Utterance> utterances, List<Outcome> outcomes, int rate,
                                         double durationS, Chunks chunks) {
        long minOverlap = (long) MIN_OVERLAP_MS * rate / 1000;
        Map<String, List<Integer>> bySession = new HashMap<>();
        for (int i = 0; i < utterances.size(); i++) {
            Utterance u = utterances.get(i);
            bySession.computeIfAbsent(u.deviceId() + "\u0000" + u.sessionId(), k -> new ArrayList<>()).add(i);
        }
        int n = utterances.size();
        Outcome[] best = new Outcome[n];
        long[] bestOverlap = new long[n];
        int[] predictionsOf = new int[n];
        boolean[] dead = new boolean[n];
        int clips = 0;
        int predictions = 0;
        int deadLetters = 0;
        int spurious = 0;
        List<Long> pipeline = new ArrayList<>();
        Map<Integer, Integer> versions = new TreeMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        java.util.Set<String> seenClips = new java.util.HashSet<>();
        int duplicates = 0;
        for (Outcome o : outcomes) {
            if (o.kind() == Kind.PREDICTION && o.clipId() != null && !seenClips.add(o.clipId())) {
                duplicates++; // exactly-once says this never happens; counted so a run would show it
            }
            switch (o.kind()) {
                case CLIP -> clips++;
                case PREDICTION -> {
                    predictions++;
                    versions.merge(o.modelVersion(), 1, Integer::sum);
                    pipeline.add(o.predictedAtMs() - o.clipCreatedAtMs());
                }
                case DEAD_LETTER -> {
                    deadLetters++;
                    reasons.merge(o.stage() + ": " + o.reason(), 1, Integer::sum);
                }
            }
            int u = -1;
            long overlap = 0;
            for (int i : bySession.getOrDefault(o.deviceId() + "\u0000" + o.sessionId(), List.of())) {
                Utterance c = utterances.get(i);
                long ov = Math.min(c.end(), o.endSample()) - Math.max(c.start(), o.startSample());
                if (ov > overlap) {
                    overlap = ov;
                    u = i;
                }
            }
            if (u < 0 || overlap < Math.min(minOverlap, utterances.get(u).end() - utterances.get(u).start())) {
                if (o.kind() == Kind.PREDICTION) {
                    spurious++;
                }
                continue;
            }
            if (o.kind() == Kind.PREDICTION) {
                predictionsOf[u]++;
                if (overlap > bestOverlap[u]) {
                    bestOverlap[u] = overlap;
                    best[u] = o;
                }
            } else if (o.kind() == Kind.DEAD_LETTER) {
                dead[u] = true;
            }
        }
        int correct = 0;
        int answered = 0;
        int deadLettered = 0;
        int unaccounted = 0;
        int split = 0;
        int[][] confusion = new int[10][10];
        List<String> wrong = new ArrayList<>();
        List<Long> endpoint = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Utterance u = utterances.get(i);
            if (best[i] != null) {
                answered++;
                Outcome p = best[i];
                if (u.label() >= 0 && u.label() < 10 && p.digit() >= 0 && p.digit() < 10) {
                    confusion[u.label()][p.digit()]++;
                }
                if (p.digit() == u.label()) {
                    correct++;
                } else {
                    wrong.add(String.format(Locale.ROOT, "%s heard as %d (%.2f) on %s", u.name(), p.digit(), p.confidence(),
                            u.deviceId()));
                }
                if (predictionsOf[i] > 1) {
                    split++;
                }
                endpoint.add(p.clipCreatedAtMs() - u.endOfSpeechMs());
            } else if (dead[i]) {
                deadLettered++;
            } else {
                unaccounted++;
            }
        }
        double throughput = durationS > 0 ? predictions / durationS : 0;
        return new SimulationReport(devices, n, clips, predictions, deadLetters, unaccounted, spurious, correct, answered,
                deadLettered, split, duplicates, Latency.of(endpoint), Latency.of(pipeline), durationS, throughput, versions,
                reasons, confusion, wrong, chunks);
    }

    public int devices() {
        return devices;
    }

    public int utterancesSent() {
        return utterancesSent;
    }

    public int clips() {
        return clips;
    }

    public int predictions() {
        return predictions;
    }

    public int deadLetters() {
        return deadLetters;
    }

    public int unaccounted() {
        return unaccounted;
    }

    public int spurious() {
        return spurious;
    }

    public int correct() {
        return correct;
    }

    /** Utterances that got a prediction. */
    public int answered() {
        return answered;
    }

    /** Utterances with a dead letter and no prediction. */
    public int deadLettered() {
        return deadLettered;
    }

    /** Utterances that got more than one prediction (cut into pieces). */
    public int split() {
        return split;
    }

    /** Predictions for a clip id already predicted. */
    public int duplicatePredictions() {
        return duplicatePredictions;
    }

    /** Correct over every utterance sent: one that got no prediction counts as wrong. */
    public double accuracy() {
        return utterancesSent == 0 ? Double.NaN : (double) correct / utterancesSent;
    }

    public Latency endpointMs() {
        return endpoint;
    }

    public Latency pipelineMs() {
        return pipeline;
    }

    public double durationS() {
        return durationS;
    }

    public double throughputClipsPerS() {
        return throughput;
    }

    public Map<Integer, Integer> modelVersions() {
        return modelVersions;
    }

    public Map<String, Integer> deadLetterReasons() {
        return deadLetterReasons;
    }

    public int[][] confusion() {
        return Arrays.stream(confusion).map(int[]::clone).toArray(int[][]::new);
    }

    /** "name heard as d (confidence) on device", for each wrong answer. */
    public List<String> wrong() {
        return wrong;
    }

    public Chunks chunks() {
        return chunks;
    }

    /** The JSON keys first, then extras. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("devices", devices);
        m.put("utterances_sent", utterancesSent);
        m.put("clips", clips);
        m.put("predictions", predictions);
        m.put("dead_letters", deadLetters);
        m.put("unaccounted", unaccounted);
        m.put("spurious", spurious);
        m.put("accuracy", accuracy());
        m.put("endpoint_ms", endpoint.toJson());
        m.put("pipeline_ms", pipeline.toJson());
        m.put("throughput_clips_per_s", throughput);
        m.put("duration_s", durationS);
        Map<String, Integer> versions = new LinkedHashMap<>();
        modelVersions.forEach((v, c) -> versions.put(String.valueOf(v), c));
        m.put("model_versions", versions);
        m.put("correct", correct);
        m.put("answered", answered);
        m.put("dead_lettered_utterances", deadLettered);
        m.put("split_utterances", split);
        m.put("duplicate_predictions", duplicatePredictions);
        m.put("dead_letter_reasons", deadLetterReasons);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("sent", chunks.sent());
        c.put("acknowledged", chunks.acknowledged());
        c.put("dropped", chunks.dropped());
        c.put("lost", chunks.lost());
        c.put("late_ms", chunks.late().toJson());
        c.put("loop_cpu_s", chunks.loopCpuS());
        c.put("sending_s", chunks.sendingS());
        m.put("chunks", c);
        m.put("confusion", confusion());
        return m;
    }
}
