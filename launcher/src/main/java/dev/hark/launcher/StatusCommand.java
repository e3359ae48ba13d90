package dev.hark.launcher;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.hark.avro.DeadLetter;
import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.Topic;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hark status}: one screen on a running Hark: topics and rates, lag per stage, champion, dead letters. */
@Command(name = "status", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"One screen on a running Hark: records and rates per topic, consumer-group lag per stage "
                + "(every group named hark-*), the champion model, and dead letters by stage and reason."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions clusterOptions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--interval", defaultValue = "2s", paramLabel = "DURATION",
            description = "How long to watch the topics' end offsets for the rates (default: ${DEFAULT-VALUE}; 0 = no rates).")
    String interval;

    @Option(names = "--dead-letters", defaultValue = "1000", paramLabel = "N",
            description = "How many of the most recent dead letters to break down by stage and reason (default: ${DEFAULT-VALUE}).")
    int recentDeadLetters;

    @Override
    public Integer call() throws Exception {
        ClusterConfig cluster = clusterOptions.cluster();
        PrintWriter out = spec.commandLine().getOut();
        report(cluster, Duration.ofMillis(Math.max(0, Durations.parseMs(interval))), recentDeadLetters, out);
        out.flush();
        return ExitCodes.OK;
    }

    static void report(ClusterConfig cluster, Duration interval, int recentDeadLetters, PrintWriter out) throws Exception {
        Properties admin = cluster.clientProperties();
        admin.put("request.timeout.ms", "10000");
        admin.put("default.api.timeout.ms", "15000");
        try (Admin a = Admin.create(admin)) {
            List<String> names = Topics.ALL.stream().map(Topic::name).toList();
            Map<String, TopicDescription> topics;
            try {
                topics = a.describeTopics(names).allTopicNames().get(15, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("cannot describe Hark's topics at " + cluster.bootstrapServers() + ": "
                        + e.getCause().getMessage() + " (is it running? ./hark up)");
            }
            List<TopicPartition> parts = new ArrayList<>();
            topics.values().forEach(t -> t.partitions().forEach(p -> parts.add(new TopicPartition(t.name(), p.partition()))));
            Map<TopicPartition, Long> begin = offsets(a, parts, OffsetSpec.earliest());
            Map<TopicPartition, Long> end = offsets(a, parts, OffsetSpec.latest());
            long t0 = System.nanoTime();
            Map<TopicPartition, Long> later = end;
            if (!interval.isZero()) {
                Thread.sleep(interval.toMillis());
                later = offsets(a, parts, OffsetSpec.latest());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;

            out.printf("Hark at %s, %s%n%n", cluster.bootstrapServers(),
                    DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault()).format(Instant.now()));
            // offsets, not records: under exactly-once every transaction also leaves a marker offset
            out.printf("%-22s %5s %12s %10s%n", "topic", "parts", "offsets", interval.isZero() ? "" : "offsets/s");
            for (String name : names) {
                TopicDescription t = topics.get(name);
                long records = 0;
                long grown = 0;
                for (var p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(name, p.partition());
                    records += end.get(tp) - begin.get(tp);
                    grown += later.get(tp) - end.get(tp);
                }
                out.printf(Locale.ROOT, "%-22s %5d %12d %10s%n", name, t.partitions().size(), records,
                        interval.isZero() ? "" : String.format(Locale.ROOT, "%.1f", grown / seconds));
            }

            out.printf("%n%-28s %-22s %10s  %s%n", "consumer group (stage)", "topic", "lag", "state");
            List<String> groups = a.listGroups(ListGroupsOptions.forConsumerGroups()).all().get(15, TimeUnit.SECONDS).stream()
                    .map(GroupListing::groupId).filter(g -> g.startsWith("hark-")).sorted().toList();
            Map<String, ConsumerGroupDescription> described = groups.isEmpty() ? Map.of()
                    : a.describeConsumerGroups(groups).all().get(15, TimeUnit.SECONDS);
            if (groups.isEmpty()) {
                out.println("(no consumer group named hark-*: no Hark service has consumed yet)");
            }
            for (String g : groups) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        a.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
                Map<String, Long> lag = new TreeMap<>();
                for (var e : committed.entrySet()) {
                    Long last = later.get(e.getKey());
                    if (e.getValue() != null && last != null) {
                        lag.merge(e.getKey().topic(), Math.max(0, last - e.getValue().offset()), Long::sum);
                    }
                }
                ConsumerGroupDescription d = described.get(g);
                String state = d == null ? "?" : d.groupState() + " (" + d.members().size() + " member"
                        + (d.members().size() == 1 ? "" : "s") + ")";
                if (lag.isEmpty()) {
                    out.printf("%-28s %-22s %10s  %s%n", g, "-", "-", state);
                }
                boolean first = true;
                for (var e : lag.entrySet()) {
                    out.printf("%-28s %-22s %10d  %s%n", first ? g : "", e.getKey(), e.getValue(), first ? state : "");
                    first = false;
                }
            }

            SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
            out.println();
            out.println(champion(cluster, registry));
            out.println();
            out.println(deadLetters(cluster, registry, parts.stream().filter(tp -> tp.topic().equals(Topics.AUDIO_DLQ.name()))
                    .toList(), begin, end, recentDeadLetters));
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin a, Collection<TopicPartition> parts, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        parts.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = a.listOffsets(request).all().get(15, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    static String champion(ClusterConfig cluster, SchemaRegistryClient registry) {
        ModelCatalog catalog;
        try {
            catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(15)));
        } catch (RuntimeException e) {
            return "champion: unknown (" + e.getMessage() + ")";
        }
        Optional<ModelRelease> c = catalog.champion();
        if (c.isEmpty()) {
            return "champion: none (" + catalog.versions().size() + " versions in models; the classifier holds records "
                    + "until one is champion)";
        }
        ModelRelease r = c.get();
        return String.format(Locale.ROOT, "champion: v%d of %d version(s), held-out accuracy %s, features %s, created %s",
                r.getVersion(), catalog.versions().size(),
                r.getCandidateAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * r.getCandidateAccuracy()),
                r.getFeatureConfigId(), DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault())
                        .format(r.getCreatedAtMs()));
    }

    static String deadLetters(ClusterConfig cluster, SchemaRegistryClient registry, List<TopicPartition> parts,
                              Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end, int recent) {
        long total = parts.stream().mapToLong(tp -> end.get(tp) - begin.get(tp)).sum();
        if (total == 0) {
            return "dead letters: none";
        }
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Integer> counts = new TreeMap<>();
        int read = 0;
        AvroDeserializer<DeadLetter> decode = AvroDeserializer.specific(registry, DeadLetter.class);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            long perPartition = Math.max(1, recent / Math.max(1, parts.size()));
            long want = 0;
            for (TopicPartition tp : parts) {
                long from = Math.max(begin.get(tp), end.get(tp) - perPartition);
                c.seek(tp, from);
                want += end.get(tp) - from;
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (read < want && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    read++;
                    String key;
                    try {
                        DeadLetter d = decode.deserialize(r.topic(), r.value());
                        key = d.getStage() + "  " + d.getReason();
                    } catch (RuntimeException e) {
                        key = "(undecodable dead letter)";
                    }
                    counts.merge(key, 1, Integer::sum);
                }
            }
        }
        String lines = counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .map(e -> String.format(Locale.ROOT, "  %6d  %s", e.getValue(), e.getKey())).collect(Collectors.joining("\n"));
        return "dead letters: " + read + " read of " + total + " offsets in audio.dlq, by stage and reason:\n" + lines;
    }
}
