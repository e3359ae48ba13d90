package dev.hark.launcher.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.hark.avro.DeadLetter;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;

/**
 * Reads {@code audio.predictions}, {@code audio.dlq} and {@code audio.features} from the beginning,
 * read committed (only what committed transactions wrote, as any downstream reader sees it), in a
 * thread of its own, and counts records per key (the clip id: predictions and features are keyed by
 * clip id, dead letters by the original record's key). Also keeps when each record arrived, for
 * recovery times.
 */
final class Ledger implements AutoCloseable {

    /** One record seen: its topic, key and when this reader got it. */
    record Seen(String topic, String key, long receivedNanos) {
    }

    /** Every input's fate for one scenario. */
    record Count(int inputs, int predicted, int deadLettered, int missing, int duplicated, List<String> missingIds,
                 Map<String, Integer> duplicatedIds, Map<String, Integer> deadLetterReasons) {
        boolean exactlyOnce() {
            return missing == 0 && duplicated == 0;
        }

        @Override
        public String toString() {
            return String.format("%d inputs: %d predictions, %d dead letters %s, %d missing%s, %d duplicated%s", inputs,
                    predicted, deadLettered, deadLetterReasons, missing,
                    missingIds.isEmpty() ? "" : " " + missingIds.subList(0, Math.min(10, missingIds.size())),
                    duplicated, duplicatedIds.isEmpty() ? "" : " " + duplicatedIds);
        }
    }

    private final Map<String, Integer> predictions = new ConcurrentHashMap<>();
    private final Map<String, Integer> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, String> deadLetterReason = new ConcurrentHashMap<>();
    private final List<Seen> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private final String keyPrefix;

    /** Counts only keys starting with {@code keyPrefix} (every scenario has its own). */
    Ledger(ClusterConfig cluster, SchemaRegistryClient registry, String keyPrefix) {
        this.keyPrefix = keyPrefix;
        AvroDeserializer<DeadLetter> dlq = AvroDeserializer.specific(registry, DeadLetter.class);
        thread = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProperties(cluster), new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : List.of(Topics.AUDIO_PREDICTIONS.name(), Topics.AUDIO_DLQ.name(),
                        Topics.AUDIO_FEATURES.name())) {
                    consumer.partitionsFor(topic, Duration.ofSeconds(60))
                            .forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
                }
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (!stop.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        if (r.key() == null || !r.key().startsWith(keyPrefix)) {
                            continue;
                        }
                        seen.add(new Seen(r.topic(), r.key(), now));
                        if (r.topic().equals(Topics.AUDIO_PREDICTIONS.name())) {
                            predictions.merge(r.key(), 1, Integer::sum);
                        } else if (r.topic().equals(Topics.AUDIO_DLQ.name())) {
                            deadLetters.merge(r.key(), 1, Integer::sum);
                            deadLetterReason.put(r.key(), reason(dlq, r));
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "ledger-" + keyPrefix);
        thread.setDaemon(true);
        thread.start();
    }

    private static String reason(AvroDeserializer<DeadLetter> dlq, ConsumerRecord<String, byte[]> r) {
        try {
            DeadLetter d = dlq.deserialize(r.topic(), r.value());
            return d.getStage() + "/" + d.getReason();
        } catch (RuntimeException e) {
            return "undecodable (" + e.getMessage() + ")";
        }
    }

    /** A group-less reader, read committed, with the cluster's client settings. */
    private static Properties consumerProperties(ClusterConfig cluster) {
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "fault-ledger-" + UUID.randomUUID().toString().substring(0, 6));
        return p;
    }

    /** Outcomes (a prediction or a dead letter) for these inputs so far. */
    int accounted(Set<String> inputs) {
        int n = 0;
        for (String id : inputs) {
            if (predictions.containsKey(id) || deadLetters.containsKey(id)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Waits until every input has an outcome and then {@code settle} more (so a late duplicate is
     * seen too), or until {@code timeout}; then counts.
     */
    Count await(Set<String> inputs, Duration timeout, Duration settle) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long settleUntil = Long.MAX_VALUE;
        while (System.nanoTime() < Math.min(deadline, settleUntil)) {
            if (failure.get() != null) {
                throw new IllegalStateException("the ledger's consumer failed", failure.get());
            }
            if (settleUntil == Long.MAX_VALUE && accounted(inputs) == inputs.size()) {
                settleUntil = System.nanoTime() + settle.toNanos();
            }
            Thread.sleep(100);
        }
        return count(inputs);
    }

    Count count(Set<String> inputs) {
        int predicted = 0;
        int dead = 0;
        List<String> missing = new ArrayList<>();
        Map<String, Integer> duplicated = new TreeMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        for (String id : inputs) {
            int p = predictions.getOrDefault(id, 0);
            int d = deadLetters.getOrDefault(id, 0);
            predicted += Math.min(p, 1);
            dead += p == 0 ? Math.min(d, 1) : 0;
            if (d > 0) {
                reasons.merge(deadLetterReason.getOrDefault(id, "?"), 1, Integer::sum);
            }
            if (p + d == 0) {
                missing.add(id);
            } else if (p + d > 1) {
                duplicated.put(id, p + d);
            }
        }
        // outcomes for keys of this scenario that were never sent would be just as wrong
        for (String id : new LinkedHashMap<>(predictions).keySet()) {
            if (!inputs.contains(id)) {
                duplicated.put("unexpected " + id, predictions.get(id));
            }
        }
        for (String id : new LinkedHashMap<>(deadLetters).keySet()) {
            if (!inputs.contains(id)) {
                duplicated.put("unexpected dead letter " + id, deadLetters.get(id));
            }
        }
        return new Count(inputs.size(), predicted, dead, missing.size(), duplicated.size(), missing, duplicated, reasons);
    }

    /** When this reader first got a record of {@code topic} after {@code afterNanos}; -1 if none yet. */
    long firstArrival(String topic, long afterNanos) {
        for (Seen s : snapshot()) {
            if (s.topic().equals(topic) && s.receivedNanos() > afterNanos) {
                return s.receivedNanos();
            }
        }
        return -1;
    }

    /** Records of {@code topic} received in [from, to). */
    long arrivals(String topic, long fromNanos, long toNanos) {
        return snapshot().stream().filter(s -> s.topic().equals(topic) && s.receivedNanos() >= fromNanos
                && s.receivedNanos() < toNanos).count();
    }

    /** The longest time between two consecutive records of {@code topic} for this scenario, in seconds. */
    double longestGapS(String topic) {
        long last = -1;
        long longest = 0;
        for (Seen s : snapshot()) {
            if (s.topic().equals(topic)) {
                if (last >= 0) {
                    longest = Math.max(longest, s.receivedNanos() - last);
                }
                last = s.receivedNanos();
            }
        }
        return longest / 1e9;
    }

    private List<Seen> snapshot() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(10_000);
    }
}
