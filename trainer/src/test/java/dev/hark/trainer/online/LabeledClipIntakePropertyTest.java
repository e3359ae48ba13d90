package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.testing.EmbeddedInfra;
import dev.hark.schemas.input.InputChecks;
import dev.hark.schemas.input.InputLimits;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroSerializer;
import dev.hark.trainer.online.LabeledClipIntake.AlreadyStored;
import dev.hark.trainer.online.LabeledClipIntake.Duplicate;
import dev.hark.trainer.online.LabeledClipIntake.Outcome;
import dev.hark.trainer.online.LabeledClipIntake.Refused;
import dev.hark.trainer.online.LabeledClipIntake.Stored;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and adversarial records of {@code audio.clips.labeled} through the trainer's record
 * acceptance ({@link LabeledClipIntake}) with a real store and the real registry: nothing escapes as an
 * exception, and every record is exactly one stored clip (or a duplicate of one) or exactly one refusal
 * whose dead letter fits {@code audio.dlq}. jqwik prints the seed of a failing run
 * ({@code @Property(seed = "...")} replays it).
 */
class LabeledClipIntakePropertyTest {

    /** What a record is made of; the bytes come from {@code seed}. */
    enum Kind {
        VALID, ADVERSARIAL_CLIP, TOMBSTONE, RANDOM_BYTES, MAGIC_THEN_RANDOM,
        WRONG_SCHEMA, UNKNOWN_SCHEMA_ID, NEGATIVE_SCHEMA_ID, TRUNCATED, TRAILING_BYTES, FLIPPED_BYTE
    }

    record Spec(Kind kind, long seed) {}

    record Input(Kind kind, byte[] key, byte[] value, String validClipId) {}

    private static Fixture fixture;

    /** The registry and the serialisers, made once (the registry starts on first use). */
    record Fixture(SchemaRegistryClient registry, String topic, AvroSerializer<AudioClip> clips,
                   AvroSerializer<DeadLetter> wrong, AvroSerializer<DeadLetter> letters) {}

    static synchronized Fixture fixture() {
        if (fixture == null) {
            SchemaRegistryClient registry = new SchemaRegistryClient(EmbeddedInfra.sharedRegistry().confluentUrl());
            String run = UUID.randomUUID().toString().substring(0, 8);
            AvroSerializer<DeadLetter> letters = new AvroSerializer<>(registry);
            letters.preregister("audio.dlq", DeadLetter.getClassSchema());
            fixture = new Fixture(registry, "intake-props-" + run, new AvroSerializer<>(registry),
                    new AvroSerializer<>(registry), letters);
        }
        return fixture;
    }

    @AfterContainer
    static void forget() {
        fixture = null;
    }

    @Provide
    Arbitrary<List<Spec>> batches() {
        List<Tuple.Tuple2<Integer, Kind>> weights = new ArrayList<>();
        for (Kind k : Kind.values()) {
            weights.add(Tuple.of(k == Kind.VALID ? 4 : k == Kind.ADVERSARIAL_CLIP ? 3 : 1, k));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Arbitrary<Kind> kinds = Arbitraries.frequency(weights.toArray(new Tuple.Tuple2[0]));
        return Combinators.combine(kinds, Arbitraries.longs()).as(Spec::new)
                .list().ofMinSize(1).ofMaxSize(16);
    }

    @Property(tries = 200)
    void everyRecordIsOneStoredClipOrOneDeadLetter(@ForAll("batches") List<Spec> batch) throws IOException {
        Fixture f = fixture();
        Path dir = Files.createTempDirectory("intake-props");
        try {
            List<Input> inputs = batch.stream().map(s -> input(f, s)).toList();
            Set<String> stored = new HashSet<>();
            try (LabeledClipStore store = LabeledClipStore.open(dir)) {
                LabeledClipIntake intake = new LabeledClipIntake(f.registry(), store);
                for (int i = 0; i < inputs.size(); i++) {
                    Input in = inputs.get(i);
                    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(f.topic(), 0, i, in.key(), in.value());
                    Outcome o = intake.take(r); // nothing may escape
                    assertNotNull(o);
                    Statistics.label("outcomes").collect(in.kind() + " -> " + (o instanceof Refused x ? x.reason()
                            : o.getClass().getSimpleName()));
                    if (o instanceof Stored s) {
                        assertTrue(stored.add(s.clipId()), "a clip id is stored once");
                        assertTrue(InputChecks.labeledClip(store.entries().stream()
                                .filter(e -> e.clipId().equals(s.clipId())).findFirst().orElseThrow().clip()).isEmpty(),
                                "only clips that pass the checks are stored");
                    } else if (o instanceof Duplicate d) {
                        assertTrue(stored.contains(d.clipId()), "a duplicate of a stored clip");
                    } else if (o instanceof AlreadyStored a) {
                        throw new AssertionError("every record here is read once: " + a);
                    } else {
                        Refused x = assertInstanceOf(Refused.class, o);
                        assertFalse(x.reason() == null || x.reason().isBlank());
                        assertFalse(in.validClipId() != null, "a valid clip was refused: " + x);
                        DeadLetter dl = LabeledClipIntake.deadLetter(OnlineTrainer.STAGE, r, x, 0);
                        byte[] bytes = f.letters().serialize("audio.dlq", dl);
                        assertTrue(bytes.length < InputLimits.KAFKA_MESSAGE_BYTES / 2,
                                "a dead letter is small: " + bytes.length + " bytes");
                        String key = LabeledClipIntake.deadLetterKey(r);
                        assertTrue(key == null || key.length() <= InputLimits.MAX_CLIP_ID_CHARS + 7);
                        if (in.value() == null) {
                            assertEquals("null-value", x.reason());
                            assertNull(dl.getOriginalValueSize());
                        } else {
                            assertEquals(in.value().length, dl.getOriginalValueSize());
                            assertEquals(in.value().length <= InputLimits.MAX_DEAD_LETTER_ORIGINAL_BYTES,
                                    dl.getOriginalValue() != null);
                        }
                    }
                    switch (in.kind()) {
                        case VALID -> assertTrue(o instanceof Stored || o instanceof Duplicate, in.kind() + ": " + o);
                        case TOMBSTONE -> assertEquals("null-value", assertInstanceOf(Refused.class, o).reason());
                        case RANDOM_BYTES -> assertInstanceOf(Refused.class, o);
                        case WRONG_SCHEMA, UNKNOWN_SCHEMA_ID, NEGATIVE_SCHEMA_ID, TRUNCATED ->
                                assertInstanceOf(Refused.class, o, in.kind() + ": " + o);
                        default -> { }
                    }
                }
                assertEquals(stored, new HashSet<>(store.entries().stream().map(LabeledClipStore.StoredClip::clipId).toList()));
                store.sync();
            }
            try (LabeledClipStore again = LabeledClipStore.open(dir)) {
                assertEquals(stored, new HashSet<>(again.entries().stream().map(LabeledClipStore.StoredClip::clipId).toList()),
                        "what was stored is what is there after reopening; nothing refused is");
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Input input(Fixture f, Spec s) {
        Random r = new Random(s.seed());
        byte[] key = key(r);
        return switch (s.kind()) {
            case VALID -> {
                AudioClip c = validClip(r);
                yield new Input(s.kind(), c.getClipId().getBytes(StandardCharsets.UTF_8), f.clips().serialize(f.topic(), c),
                        c.getClipId());
            }
            case ADVERSARIAL_CLIP -> new Input(s.kind(), key, f.clips().serialize(f.topic(), adversarialClip(r)), null);
            case TOMBSTONE -> new Input(s.kind(), key, null, null);
            case RANDOM_BYTES -> {
                byte[] b = bytes(r, r.nextInt(300));
                if (b.length > 0 && b[0] == 0) {
                    b[0] = 1;
                }
                yield new Input(s.kind(), key, b, null);
            }
            case MAGIC_THEN_RANDOM -> {
                byte[] b = bytes(r, 5 + r.nextInt(300));
                b[0] = 0;
                ByteBuffer.wrap(b, 1, 4).putInt(r.nextInt(50)); // small ids: maybe a real schema, maybe not
                yield new Input(s.kind(), key, b, null);
            }
            case WRONG_SCHEMA -> {
                DeadLetter other = DeadLetter.newBuilder().setStage("x").setReason("y").setMessage("z")
                        .setDeadLetteredAtMs(Instant.ofEpochMilli(r.nextLong())).build();
                yield new Input(s.kind(), key, f.wrong().serialize(f.topic() + "-wrong", other), null);
            }
            case UNKNOWN_SCHEMA_ID -> new Input(s.kind(), key, withId(f.clips().serialize(f.topic(), validClip(r)),
                    1_000_000_000 + r.nextInt(1_000_000)), null);
            case NEGATIVE_SCHEMA_ID -> new Input(s.kind(), key, withId(f.clips().serialize(f.topic(), validClip(r)),
                    -1 - r.nextInt(Integer.MAX_VALUE)), null);
            case TRUNCATED -> {
                byte[] whole = f.clips().serialize(f.topic(), validClip(r));
                byte[] cut = new byte[5 + r.nextInt(whole.length - 5)];
                System.arraycopy(whole, 0, cut, 0, cut.length);
                yield new Input(s.kind(), key, cut, null);
            }
            case TRAILING_BYTES -> {
                byte[] whole = f.clips().serialize(f.topic(), validClip(r));
                byte[] more = new byte[whole.length + 1 + r.nextInt(50)];
                System.arraycopy(whole, 0, more, 0, whole.length);
                for (int i = whole.length; i < more.length; i++) {
                    more[i] = (byte) r.nextInt();
                }
                yield new Input(s.kind(), key, more, null);
            }
            case FLIPPED_BYTE -> {
                byte[] b = f.clips().serialize(f.topic(), validClip(r));
                int at = 5 + r.nextInt(Math.min(b.length - 5, 64)); // in the header fields, where it matters
                b[at] = (byte) r.nextInt();
                yield new Input(s.kind(), key, b, null);
            }
        };
    }

    static byte[] withId(byte[] wire, int id) {
        ByteBuffer.wrap(wire, 1, 4).putInt(id);
        return wire;
    }

    static AudioClip validClip(Random r) {
        int rate = 8000 + r.nextInt(40_001);
        int samples = 1 + r.nextInt(r.nextInt(10) == 0 ? rate * 5 : 4000);
        return AudioClip.newBuilder()
                .setClipId(r.nextInt(3) == 0 ? "clip-" + r.nextInt(4) : "clip-" + Long.toHexString(r.nextLong()))
                .setSource("props/" + r.nextInt(100)).setDeviceId(r.nextBoolean() ? null : "dev-" + r.nextInt(9))
                .setSampleRate(rate).setPcm(ByteBuffer.wrap(bytes(r, 2 * samples)))
                .setLabel(r.nextInt(10)).setSpeaker("spk" + r.nextInt(5))
                .setCapturedAtMs(Instant.ofEpochMilli(r.nextLong() >>> 20)).setClipCreatedAtMs(Instant.ofEpochMilli(1))
                .build();
    }

    /** A clip with each field drawn from its extremes: most such clips are refused, some pass. */
    static AudioClip adversarialClip(Random r) {
        int rate = pick(r, Integer.MIN_VALUE, -1, 0, 1, 7_999, 8_000, 48_000, 48_001, 384_000, Integer.MAX_VALUE);
        int pcmBytes = switch (r.nextInt(7)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 3 + 2 * r.nextInt(1000);
            case 3 -> 2 * 48_000 * 5 + 2; // longer than 5 s at any rate
            case 4 -> 2 * 1024 * 1024; // 2 MB
            default -> 2 + 2 * r.nextInt(2000);
        };
        return AudioClip.newBuilder()
                .setClipId(pickText(r, "id-" + r.nextInt(3), ""))
                .setSource(pickText(r, "src", "src"))
                .setDeviceId(r.nextBoolean() ? null : pickText(r, "dev", ""))
                .setSessionId(r.nextBoolean() ? null : pickText(r, "session", ""))
                .setSampleRate(rate)
                .setPcm(ByteBuffer.wrap(bytes(r, pcmBytes)))
                .setLabel(r.nextInt(4) == 0 ? null : pick(r, Integer.MIN_VALUE, -1, 0, 5, 9, 10, Integer.MAX_VALUE))
                .setSpeaker(r.nextInt(4) == 0 ? null : pickText(r, "spk", ""))
                .setStartSample(r.nextBoolean() ? null : pickLong(r, Long.MIN_VALUE, -1L, 0L, 1L << 42, Long.MAX_VALUE))
                .setEndSample(r.nextBoolean() ? null : pickLong(r, Long.MIN_VALUE, -1L, 0L, 1L << 42, Long.MAX_VALUE))
                .setCapturedAtMs(Instant.ofEpochMilli(pickLong(r, Long.MIN_VALUE / 1000, -1L, 0L, Long.MAX_VALUE / 1000)))
                .setClipCreatedAtMs(Instant.ofEpochMilli(0))
                .build();
    }

    private static String pickText(Random r, String ordinary, String empty) {
        return switch (r.nextInt(8)) {
            case 0 -> empty;
            case 1 -> "   ";
            case 2 -> "x".repeat(129);
            case 3 -> "y".repeat(100_000);
            case 4 -> "bad\u0000id";
            case 5 -> "ünï\uD83D\uDE00code";
            default -> ordinary;
        };
    }

    private static int pick(Random r, int... values) {
        return values[r.nextInt(values.length)];
    }

    private static long pickLong(Random r, long... values) {
        return values[r.nextInt(values.length)];
    }

    private static byte[] key(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> null;
            case 1 -> bytes(r, 5000);
            case 2 -> bytes(r, r.nextInt(40));
            default -> ("key-" + r.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }
}
