package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.input.InputChecks;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.schemas.serde.AvroDeserializer;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.kafka.RegistryOutageException;
import dev.hark.kafka.RegistryRetry;
import dev.hark.trainer.online.LabeledClipStore.AddResult;
import dev.hark.trainer.online.LabeledClipStore.ClipOrigin;
import dev.hark.trainer.online.LabeledClipStore.Removal;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.util.Optional;

/**
 * What the online trainer does with one record of {@code audio.clips.labeled}, without Kafka around it:
 * decode it, check it ({@link InputChecks#labeledClip}, the one validation every stage uses), and either
 * store the clip or refuse the record with the reason its dead letter will carry. Nothing a record holds
 * makes {@link #take} throw: tombstones, bytes that are not Avro, another schema, an id the registry
 * does not know, a clip that fails the checks, all come back as {@link Refused}. What does throw is
 * trouble that is not the record's, and that a retry of the same record can get past:
 * <ul>
 *   <li>{@link RegistryOutageException}: the registry did not answer (or answered with a server error)
 *       for a schema id this trainer has not seen yet, for a few seconds of retrying in place;</li>
 *   <li>{@link IOException}: the store could not be written.</li>
 * </ul>
 * The caller then gives the whole batch back (no offset moves) and tries again later.
 */
public final class LabeledClipIntake {

    /** What became of a record. */
    public sealed interface Outcome permits Stored, AlreadyStored, Duplicate, Refused {}

    /** A new clip, appended to the store. */
    public record Stored(String clipId) implements Outcome {}

    /** The record that stored this clip, read again (its batch was given back, or the trainer crashed before committing it). */
    public record AlreadyStored(String clipId) implements Outcome {}

    /** Another record with the id of a clip already in the store: the store keeps the first. */
    public record Duplicate(String clipId) implements Outcome {}

    /** Not a clip the trainer can use: one dead letter, never stored. */
    public record Refused(String reason, String message, Throwable error, String clipId, String deviceId)
            implements Outcome {}

    private final AvroDeserializer<AudioClip> clips;
    private final LabeledClipStore store;

    public LabeledClipIntake(SchemaRegistryClient registry, LabeledClipStore store) {
        this.clips = AvroDeserializer.specific(registry, AudioClip.class);
        this.store = store;
    }

    /**
     * Stores the record's clip or says why not.
     *
     * @throws RegistryOutageException when the registry cannot be asked about the record's schema id
     * @throws IOException             when the store cannot be written
     */
    public Outcome take(ConsumerRecord<byte[], byte[]> r) throws IOException {
        AudioClip clip;
        try {
            Object decoded = decode(r);
            if (decoded instanceof Refused refused) {
                return refused;
            }
            clip = (AudioClip) decoded;
        } catch (RegistryOutageException e) {
            throw e;
        } catch (RuntimeException e) {
            return new Refused("undecodable-record", "not an AudioClip this trainer can read: " + e, e, null, null);
        }
        Optional<InputChecks.Problem> problem;
        try {
            problem = InputChecks.labeledClip(clip);
        } catch (RuntimeException e) { // the checks are total; should one not be, the record is still only refused
            return new Refused("invalid-record", "the input checks failed on this record: " + e, e, id(clip), null);
        }
        if (problem.isPresent()) {
            return new Refused(problem.get().reason(), problem.get().message(), null, id(clip), deviceId(clip));
        }
        AddResult added;
        try {
            added = store.add(clip, origin(r));
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) { // the clip could not be encoded for the store: nothing was written
            return new Refused("unstorable-record", "the clip could not be written to the store: " + e, e,
                    id(clip), deviceId(clip));
        }
        return switch (added) {
            case ADDED -> new Stored(clip.getClipId());
            case ALREADY_STORED -> new AlreadyStored(clip.getClipId());
            case DUPLICATE -> new Duplicate(clip.getClipId());
        };
    }

    /** The clip, or a {@link Refused} for a record that is not one; throws on a registry outage only. */
    private Object decode(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return InputChecks.labeledClip(null).map(p -> (Object) new Refused(p.reason(), p.message(), null, null, null))
                    .orElseThrow();
        }
        return RegistryRetry.call(() -> {
            try {
                return clips.deserialize(r.topic(), r.value());
            } catch (HarkSerdeException e) {
                if (RegistryRetry.transientFailure(e)) {
                    throw e; // retried in place, then a RegistryOutageException
                }
                // the record's own fault: not our wire format, an unknown schema id, bytes that do not decode
                return new Refused(e.reason().code(), e.getMessage(), e, null, null);
            }
        });
    }

    /** The dead letter for a refused record, from the one builder every stage uses (capped, with a digest of the original). */
    public static DeadLetter deadLetter(String stage, ConsumerRecord<byte[], byte[]> r, Refused refused, long nowMs) {
        return DeadLetters.of(stage, refused.reason(), refused.message(), refused.error(),
                new DeadLetters.Origin(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()),
                refused.clipId(), refused.deviceId(), nowMs);
    }

    /** The key the dead letter is written with. */
    public static String deadLetterKey(ConsumerRecord<byte[], byte[]> r) {
        return DeadLetters.key(r.key());
    }

    /** The key of the dead letter of a clip taken out of the store: its record's key, or else its id. */
    public static String removalKey(Removal r) {
        ClipOrigin o = r.origin();
        return o != null && o.key() != null ? DeadLetters.key(o.key()) : DeadLetters.key(r.clipId());
    }

    /**
     * The dead letter of a clip taken out of the store: where its record was (or only {@code topic} for a
     * clip stored before origins were kept), and the size and digest of its value (the store keeps no
     * copy of the record).
     */
    public static DeadLetter removalDeadLetter(String stage, String topic, Removal r, long nowMs) {
        ClipOrigin o = r.origin();
        DeadLetters.Origin origin = o == null
                ? new DeadLetters.Origin(topic, null, null, r.clipCreatedAtMs(), null, null)
                : new DeadLetters.Origin(o.topic(), o.partition(), o.offset(), o.timestampMs(), o.key(), null);
        DeadLetter dl = DeadLetters.of(stage, r.reason(), r.message(), null, origin, r.clipId(), r.deviceId(), nowMs);
        if (o != null) {
            dl.setOriginalValueSize(o.valueSize());
            dl.setOriginalValueSha256(o.valueSha256());
            if (o.key() == null) {
                dl.setOriginalKeySha256(o.keySha256());
            }
        }
        return dl;
    }

    /** Where the record was, and a digest of what it held, for the store. */
    static ClipOrigin origin(ConsumerRecord<byte[], byte[]> r) {
        byte[] key = r.key();
        return new ClipOrigin(r.topic(), r.partition(), r.offset(), r.timestamp(),
                key != null && key.length <= LabeledClipStore.MAX_KEY_BYTES ? key : null,
                key == null ? null : dev.hark.audio.Digests.sha256(key),
                r.value() == null ? null : r.value().length,
                r.value() == null ? null : dev.hark.audio.Digests.sha256(r.value()));
    }

    private static String id(AudioClip clip) {
        return clip == null || clip.getClipId() == null ? null : clip.getClipId();
    }

    private static String deviceId(AudioClip clip) {
        return clip == null || clip.getDeviceId() == null ? null : clip.getDeviceId();
    }
}
