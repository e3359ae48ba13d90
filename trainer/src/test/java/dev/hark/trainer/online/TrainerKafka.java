package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.audio.Pcm16;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.TopicAdmin;
import dev.hark.kafka.TopicScan;
import dev.hark.schemas.Topics;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.schemas.serde.AvroSerializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** The embedded Kafka and registry for the trainer's tests, with a labeled topic of the test's own. */
final class TrainerKafka {

    /** One record published to the test's labeled topic: where it went and what it was. */
    record Sent(String name, int partition, long offset, byte[] key, byte[] value, boolean valid) {
        String where() {
            return partition + "@" + offset;
        }
    }

    final ClusterConfig cluster;
    final SchemaRegistryClient registry;
    final String topic;
    final String run;
    private final AvroSerializer<AudioClip> clips;

    TrainerKafka(String name) {
        EmbeddedInfra infra = EmbeddedInfra.shared();
        this.cluster = new ClusterConfig(infra.bootstrapServers(), infra.registryUrl());
        this.registry = new SchemaRegistryClient(cluster.registryUrl());
        this.run = UUID.randomUUID().toString().substring(0, 8);
        this.topic = "labeled-" + name + "-" + run;
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), 3);
        // 4 MiB records allowed, for the 2 MB clip
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), List.of(new Topics.TopicSpec(topic, 3,
                Map.of("max.message.bytes", String.valueOf(4 * 1024 * 1024)))), (short) 1);
        this.clips = new AvroSerializer<>(registry);
    }

    /** The service's settings for this topic: no training unless a test asks for it. */
    OnlineTrainer.Settings settings(java.nio.file.Path state, String group) {
        OnlineTrainer.Settings d = OnlineTrainer.Settings.defaults(cluster, state);
        return new OnlineTrainer.Settings(cluster, state, Integer.MAX_VALUE, Integer.MAX_VALUE, d.spec(), d.options(),
                d.holdout(), group, true, topic);
    }

    byte[] encode(AudioClip c) {
        return clips.serialize(topic, c);
    }

    /** Publishes raw records (key, value); returns where each went. */
    List<Sent> publish(List<Sent> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
        p.put(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG, false);
        List<Sent> out = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Sent s : records) {
                try {
                    RecordMetadata m = producer.send(new ProducerRecord<>(topic, s.key(), s.value())).get();
                    out.add(new Sent(s.name(), m.partition(), m.offset(), s.key(), s.value(), s.valid()));
                } catch (Exception e) {
                    throw new AssertionError("could not publish " + s.name() + ": " + e, e);
                }
            }
        }
        return out;
    }

    Sent valid(String id, String speaker, int label, float[] samples) {
        AudioClip c = clip(id, label, speaker, 8000, Pcm16.fromFloats(samples));
        return new Sent(id, -1, -1, bytes(id), encode(c), true);
    }

    Sent invalid(String name, byte[] value) {
        return new Sent(name, -1, -1, bytes(name), value, false);
    }

    /** A short valid clip: 0.1 s of a tone. */
    Sent valid(String id) {
        float[] x = new float[800];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.2 * Math.sin(i * 0.3));
        }
        return valid(id, "ann", 3, x);
    }

    /** A mix of invalid labeled records of every kind the trainer must refuse, named run-kind. */
    List<Sent> invalidKinds(String prefix) {
        byte[] pcm = Pcm16.fromFloats(new float[400]);
        byte[] odd = new byte[801];
        List<Sent> out = new ArrayList<>();
        out.add(invalid(prefix + "-tombstone", null));
        out.add(invalid(prefix + "-odd", encode(clip(prefix + "-odd", 1, "ann", 8000, odd))));
        out.add(invalid(prefix + "-empty", encode(clip(prefix + "-empty", 1, "ann", 8000, new byte[0]))));
        out.add(invalid(prefix + "-rate", encode(clip(prefix + "-rate", 1, "ann", 4000, pcm))));
        out.add(invalid(prefix + "-nolabel", encode(clip(prefix + "-nolabel", null, "ann", 8000, pcm))));
        out.add(invalid(prefix + "-label12", encode(clip(prefix + "-label12", 12, "ann", 8000, pcm))));
        out.add(invalid(prefix + "-nospeaker", encode(clip(prefix + "-nospeaker", 2, null, 8000, pcm))));
        out.add(invalid(prefix + "-text", "{\"clipId\": \"json is not avro\"}".getBytes(StandardCharsets.UTF_8)));
        byte[] unknownId = encode(clip(prefix + "-unknownid", 1, "ann", 8000, pcm));
        ByteBuffer.wrap(unknownId, 1, 4).putInt(2_000_000_000);
        out.add(invalid(prefix + "-unknownid", unknownId));
        AvroSerializer<DeadLetter> other = new AvroSerializer<>(registry);
        out.add(invalid(prefix + "-wrongschema", other.serialize(topic + "-other", DeadLetter.newBuilder().setStage("s")
                .setReason("r").setMessage("m").setDeadLetteredAtMs(Instant.EPOCH).build())));
        return out;
    }

    static AudioClip clip(String id, Integer label, String speaker, int rate, byte[] pcm) {
        Instant now = Instant.now();
        return AudioClip.newBuilder().setClipId(id).setSource("test/" + id).setSampleRate(rate)
                .setPcm(ByteBuffer.wrap(pcm)).setLabel(label).setSpeaker(speaker)
                .setCapturedAtMs(now).setClipCreatedAtMs(now).build();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every committed dead letter on audio.dlq about this test's topic, read with isolation.level=read_committed. */
    List<ConsumerRecord<String, DeadLetter>> deadLetters() {
        Properties p = cluster.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, DeadLetter>> out = new ArrayList<>();
        try (KafkaConsumer<String, DeadLetter> c = new KafkaConsumer<>(p, new StringDeserializer(),
                AvroDeserializer.specific(registry, DeadLetter.class))) {
            TopicScan.toEnd(c, Topics.AUDIO_DLQ.name(), Duration.ofSeconds(30), r -> {
                if (topic.equals(r.value().getTopic())) {
                    out.add(r);
                }
            });
        }
        return out;
    }

    static void await(String what, Duration timeout, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /**
     * A TCP forwarder in front of the registry: {@link #down()} closes it and every connection through
     * it (the registry is unreachable), {@link #up()} opens it again on the same port.
     */
    static final class Proxy implements AutoCloseable {
        private final String targetHost;
        private final int targetPort;
        private final int port;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private volatile ServerSocket server;

        Proxy(String targetUrl) throws IOException {
            URI u = URI.create(targetUrl);
            this.targetHost = u.getHost();
            this.targetPort = u.getPort();
            try (ServerSocket probe = new ServerSocket(0)) {
                this.port = probe.getLocalPort();
            }
            up();
        }

        /** The registry URL through this proxy. */
        String url(String targetUrl) {
            URI u = URI.create(targetUrl);
            return u.getScheme() + "://" + targetHost + ":" + port + u.getRawPath();
        }

        synchronized void up() throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("localhost", port));
            server = s;
            Thread t = new Thread(() -> accept(s), "registry-proxy");
            t.setDaemon(true);
            t.start();
        }

        synchronized void down() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closed
            }
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closed
                }
            }
            open.clear();
        }

        private void accept(ServerSocket s) {
            while (!s.isClosed()) {
                try {
                    Socket in = s.accept();
                    Socket out = new Socket(targetHost, targetPort);
                    open.add(in);
                    open.add(out);
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    i.transferTo(o);
                } catch (IOException ignored) {
                    // a side closed
                } finally {
                    try {
                        from.close();
                        to.close();
                    } catch (IOException ignored) {
                        // closed
                    }
                }
            }, "registry-proxy-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            down();
        }
    }
}
