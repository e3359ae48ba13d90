package dev.hark.features.stream;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.features.segment.AudioPieces;
import dev.hark.features.segment.DeviceAudio;
import dev.hark.audio.segment.Utterance;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputChecks;
import dev.hark.schemas.input.InputLimits;
import dev.hark.kafka.RegistryRetry;
import dev.hark.streams.StreamDeadLetters;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.telemetry.HarkMeters;

/**
 * {@code audio.chunks} → {@code audio.clips}: per device, puts chunks back in order and cuts the
 * audio into utterances ({@link DeviceAudio}). A wall-clock punctuator closes the utterance of a
 * device that stopped sending, and releases chunks that waited too long for a lost one: event time
 * alone would leave them open until the device speaks again.
 *
 * <p>State, per device ({@link DeviceAudio}'s split form): a small header in {@link #STORE}, and the open
 * utterance's samples as one piece per chunk in {@link #PIECES_STORE} (key {@code deviceId/index}), read back
 * only when the utterance is cut; a chunk costs work in proportion to the chunk. Both stores are written
 * in the task that reads the chunk, so their changelogs commit with its offset (exactly once). The only
 * thing kept in memory, which devices have audio open, is rebuilt from the headers in {@link #init}.
 *
 * <p>Every chunk is absorbed into its device's audio, dropped as a counted duplicate, or dead-lettered
 * with the reason.
 */
final class ChunkSegmentationProcessor implements Processor<String, byte[], String, SpecificRecord> {
    static final String STAGE = "feature-stream.chunks";
    static final String STORE = "device-audio";
    static final String PIECES_STORE = "device-audio-pieces";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ChunkSegmentationProcessor.class);

    private final Deserializer<AudioChunk> chunks;
    private final DeviceAudio.Settings settings;
    private final Duration punctuateEvery;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> pieces;
    /**
     * Devices whose header says they have audio open (an utterance or waiting chunks): what the timer
     * looks at. Derived from the store: rebuilt in {@link #init}, may hold a device no longer open (the
     * timer then drops it), never lacks one that is.
     */
    private final java.util.Set<String> open = new java.util.LinkedHashSet<>();
    private Sensor duplicates;
    private Sensor gaps;
    private Sensor clips;
    /** Utterances closed because their device went quiet mid-word (by the timer, not by silence heard). */
    private Sensor idleCloses;
    /** Wall clock of the last chunk this task processed: is it working through a backlog? */
    private long lastRecordWallMs = Long.MIN_VALUE / 2;
    /** Capture time of the end of the latest chunk this task processed, over all its devices. */
    private long latestCaptureMs = Long.MIN_VALUE / 2;
    /** How long after its capture the last chunk was processed: above the idle time, the task is behind. */
    private long lastLagMs;
    /**
     * Per device, capture time of the end of its last chunk. In memory only: after a restart the wall
     * clock alone decides, as it does when the task is idle.
     */
    private final Map<String, Long> deviceCaptureEndMs = new java.util.HashMap<>();
    /**
     * Devices restored with audio open whose next chunk has not been processed since: the time the
     * service was down is not silence, so the timer leaves them alone until their chunks come (or they
     * stay away {@link #QUIET_TASK_FACTOR} idle times, and have really gone).
     */
    private final java.util.Set<String> awaitingAfterRestore = new java.util.HashSet<>();
    private long restoredAtMs;

    ChunkSegmentationProcessor(Deserializer<AudioChunk> chunks, DeviceAudio.Settings settings, Duration punctuateEvery) {
        this.chunks = chunks;
        this.settings = settings;
        this.punctuateEvery = punctuateEvery;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.pieces = context.getStateStore(PIECES_STORE);
        open.clear();
        deviceCaptureEndMs.clear();
        awaitingAfterRestore.clear();
        restoredAtMs = context.currentSystemTimeMs();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                try {
                    if (DeviceAudio.openIn(entry.value, settings)) {
                        open.add(entry.key);
                    }
                } catch (RuntimeException e) {
                    open.add(entry.key); // the timer deals with it
                }
            }
        }
        String task = context.taskId().toString();
        duplicates = context.metrics().addRateTotalSensor("hark-segmenter", task, "duplicate-chunks",
                org.apache.kafka.common.metrics.Sensor.RecordingLevel.INFO);
        gaps = context.metrics().addRateTotalSensor("hark-segmenter", task, "gap-samples",
                org.apache.kafka.common.metrics.Sensor.RecordingLevel.INFO);
        clips = context.metrics().addRateTotalSensor("hark-segmenter", task, "clips",
                org.apache.kafka.common.metrics.Sensor.RecordingLevel.INFO);
        idleCloses = context.metrics().addRateTotalSensor("hark-segmenter", task, "idle-closes",
                org.apache.kafka.common.metrics.Sensor.RecordingLevel.INFO);
        awaitingAfterRestore.addAll(open);
        context.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        commits.owed(context);
        AudioChunk chunk;
        try {
            chunk = RegistryRetry.call(() -> chunks.deserialize(Topics.AUDIO_CHUNKS.name(), record.value()));
        } catch (HarkSerdeException e) {
            deadLetter(record, e.reason().code(), e.getMessage(), e, null);
            return;
        }
        var problem = InputChecks.chunk(record.key(), chunk);
        if (problem.isPresent()) {
            deadLetter(record, problem.get().reason(), problem.get().message(), null, chunk);
            return;
        }
        String device = chunk.getDeviceId();
        long now = context.currentSystemTimeMs();
        short[] pcm = toShorts(chunk.getPcm());
        DeviceAudio audio = load(device, now);
        DeviceAudio.Result result;
        byte[] header;
        try {
            try {
                result = audio.accept(chunk.getSessionId(), chunk.getSequence(), chunk.getStartSample(),
                        chunk.getSampleRate(), pcm, chunk.getCapturedAtMs().toEpochMilli(), now);
            } catch (AudioPieces.DamagedAudio e) {
                // the open utterance could not be read back to cut it: as for a header that does not decode
                dropState(device, store.get(device), e, now);
                audio = DeviceAudio.load(null, settings, piecesOf(device));
                result = audio.accept(chunk.getSessionId(), chunk.getSequence(), chunk.getStartSample(),
                        chunk.getSampleRate(), pcm, chunk.getCapturedAtMs().toEpochMilli(), now);
            }
            header = audio.encodeHeader();
            long size = header.length + audio.openAudioBytes();
            if (size > InputLimits.MAX_DEVICE_STATE_BYTES) {
                // cannot happen within the input limits; if it ever does, the chunk is refused, not the stream
                throw new DeviceAudio.RejectedChunk("state-too-large", "taking this chunk would make device " + device
                        + "'s state " + size + " bytes, over the limit of " + InputLimits.MAX_DEVICE_STATE_BYTES);
            }
        } catch (DeviceAudio.RejectedChunk e) {
            deadLetter(record, e.reason(), e.getMessage(), e, chunk);
            return;
        }
        if (result.duplicate()) {
            duplicates.record();
        }
        if (result.gapSamples() > 0) {
            gaps.record(result.gapSamples());
        }
        save(device, audio, header);
        lastRecordWallMs = now;
        awaitingAfterRestore.remove(device);
        long end = chunk.getCapturedAtMs().toEpochMilli() + chunk.getPcm().remaining() / 2 * 1000L / chunk.getSampleRate();
        deviceCaptureEndMs.put(device, end);
        latestCaptureMs = Math.max(latestCaptureMs, end);
        lastLagMs = now - end;
        emit(device, result.cuts(), now);
    }

    /**
     * The device's state from the store. State that does not decode (written by a build with a bug, or
     * damaged) is not allowed to block the device for ever: it goes to the dead-letter topic, so the audio
     * in it is not lost without a trace, and the device starts afresh.
     */
    private DeviceAudio load(String device, long now) {
        byte[] bytes = store.get(device);
        try {
            return DeviceAudio.load(bytes, settings, piecesOf(device));
        } catch (RuntimeException e) {
            dropState(device, bytes, e, now);
            return DeviceAudio.load(null, settings, piecesOf(device));
        }
    }

    /** Pieces first, then the header that names them: the two change together, in this task's transaction. */
    private void save(String device, DeviceAudio audio, byte[] header) {
        audio.savePieces();
        store.put(device, header);
        if (audio.hasOpenAudio()) {
            open.add(device);
        } else {
            open.remove(device);
        }
    }

    /** The key of a device's piece: injective, as the index after the last '/' has no '/'. */
    static String pieceKey(String device, int index) {
        return device + "/" + index;
    }

    private AudioPieces.Store piecesOf(String device) {
        return new AudioPieces.Store() {
            @Override
            public byte[] get(int index) {
                return pieces.get(pieceKey(device, index));
            }

            @Override
            public void put(int index, byte[] piece) {
                pieces.put(pieceKey(device, index), piece);
            }

            @Override
            public void delete(int index) {
                pieces.delete(pieceKey(device, index));
            }
        };
    }

    private void dropState(String device, byte[] bytes, RuntimeException e, long now) {
        log.error("device {}: its stored state cannot be used and is reset: {}", device, e.toString());
        store.delete(device);
        open.remove(device);
        deviceCaptureEndMs.remove(device);
        // its pieces past those a new state writes are never read; those it writes replace the rest
        var origin = new DeadLetters.Origin(context.applicationId() + "-" + STORE + "-changelog", null, null, now,
                device.getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes);
        context.forward(new Record<String, SpecificRecord>(DeadLetters.key(device), DeadLetters.of(STAGE,
                "device-state-error", "device " + device + ": its segmenter state was unusable and was reset: " + e, e,
                origin, null, device, now), now), FeatureStreamTopology.DLQ_SINK);
    }

    /**
     * Whether a device may be closed as idle by the timer. Normally the wall clock decides (the device
     * stopped sending). But when this task runs behind real time (the last chunk it processed had been
     * captured more than {@code idleCloseMs} before) it is working through a backlog, and a device whose
     * next chunks wait further down the partition looks idle by the wall clock without being so: then a
     * device is idle only once chunks captured {@code idleCloseMs} after its last one have been processed.
     * A task that has received nothing at all for {@link #QUIET_TASK_FACTOR} times that long has no
     * backlog left: the wall clock decides again.
     */
    private boolean mayBeIdle(String device, long now) {
        long idle = settings.idleCloseMs();
        if (awaitingAfterRestore.contains(device)) {
            if (now - restoredAtMs < QUIET_TASK_FACTOR * idle) {
                return false;
            }
            awaitingAfterRestore.remove(device);
        }
        boolean quietTask = now - lastRecordWallMs >= QUIET_TASK_FACTOR * idle;
        boolean behind = lastLagMs > idle;
        if (quietTask || !behind) {
            return true;
        }
        Long end = deviceCaptureEndMs.get(device);
        return end == null || latestCaptureMs - end >= idle;
    }

    /** Longer than a stalled commit or a GC pause of a busy JVM, short enough to close a device that vanished. */
    static final int QUIET_TASK_FACTOR = 10;

    /**
     * Wall clock: devices that went quiet get their open utterance closed; once a minute, devices silent
     * for {@link InputLimits#FORGET_DEVICE_AFTER_MS} with nothing open are forgotten, so a storm of device
     * ids cannot grow the store without bound.
     */
    private void tick(long now) {
        commits.owed(context);
        if (now - lastSweepMs >= SWEEP_EVERY_MS) {
            lastSweepMs = now;
            sweep(now);
        }
        for (String device : open.toArray(new String[0])) {
            byte[] before = store.get(device);
            if (before != null && !DeviceAudio.timerMayAct(before, now, settings)) {
                continue; // speaking and sending, nothing held back: most open devices at any tick
            }
            DeviceAudio audio;
            List<DeviceAudio.Cut> closed;
            byte[] after;
            try {
                audio = DeviceAudio.load(before, settings, piecesOf(device));
                if (before == null || !audio.hasOpenAudio()) {
                    open.remove(device);
                    continue;
                }
                boolean wasSpeaking = audio.speaking();
                closed = audio.onTimer(now, mayBeIdle(device, now));
                if (wasSpeaking && !audio.speaking()) {
                    idleCloses.record();
                }
                after = audio.encodeHeader();
            } catch (RuntimeException e) {
                dropState(device, before, e, now);
                continue;
            }
            if (!closed.isEmpty() || !java.util.Arrays.equals(after, before)) {
                save(device, audio, after);
                emit(device, closed, now);
            }
        }
    }

    /** Forgets devices silent for {@link InputLimits#FORGET_DEVICE_AFTER_MS} with nothing open (headers' first bytes only). */
    private void sweep(long now) {
        List<String> forgotten = new java.util.ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                try {
                    if (!DeviceAudio.openIn(entry.value, settings)
                            && now - DeviceAudio.lastArrivalIn(entry.value, settings) >= InputLimits.FORGET_DEVICE_AFTER_MS) {
                        forgotten.add(entry.key);
                    }
                } catch (RuntimeException e) {
                    open.add(entry.key); // the timer drops it as unusable
                }
            }
        }
        for (String device : forgotten) {
            store.delete(device);
            deviceCaptureEndMs.remove(device);
        }
    }

    /** How often the timer looks for devices to forget. */
    static final long SWEEP_EVERY_MS = 60_000;
    private long lastSweepMs;

    private void emit(String device, List<DeviceAudio.Cut> cuts, long now) {
        for (DeviceAudio.Cut cut : cuts) {
            Utterance u = cut.utterance();
            String clipId = device + ":" + cut.sessionId() + ":" + u.startSample();
            AudioClip clip = AudioClip.newBuilder()
                    .setClipId(clipId)
                    .setSource(device)
                    .setDeviceId(device)
                    .setSampleRate(u.sampleRate())
                    .setPcm(ByteBuffer.wrap(toBytes(u.pcm())))
                    .setStartSample(u.startSample())
                    .setEndSample(u.endSample())
                    .setSessionId(cut.sessionId())
                    .setCapturedAtMs(Instant.ofEpochMilli(cut.capturedAtMs()))
                    .setClipCreatedAtMs(Instant.ofEpochMilli(now))
                    .build();
            clips.record();
            HarkMeters.CLIPS.inc("segmenter");
            HarkMeters.STAGE_LATENCY.observe(Math.max(0, now - cut.capturedAtMs()) / 1000.0, "segmenter");
            context.forward(new Record<String, SpecificRecord>(clipId, clip, cut.capturedAtMs()),
                    FeatureStreamTopology.CLIPS_SINK);
        }
        if (!cuts.isEmpty()) {
            commits.forwarded(context, lastLagMs); // how far behind the audio this task is
        }
    }

    private final dev.hark.streams.CommitPacer commits = new dev.hark.streams.CommitPacer();

    static short[] toShorts(ByteBuffer pcm) {
        ByteBuffer le = pcm.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[le.remaining() / 2];
        le.asShortBuffer().get(out);
        return out;
    }

    static byte[] toBytes(short[] pcm) {
        ByteBuffer out = ByteBuffer.allocate(pcm.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.asShortBuffer().put(pcm);
        return out.array();
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String message, Throwable error,
                            AudioChunk chunk) {
        String device = chunk == null || chunk.getDeviceId() == null ? record.key() : chunk.getDeviceId().toString();
        context.forward(new Record<String, SpecificRecord>(DeadLetters.key(record.key()), DeadLetters.of(STAGE, reason,
                message, error, StreamDeadLetters.origin(context, record, Topics.AUDIO_CHUNKS.name()), null,
                device, context.currentSystemTimeMs()), record.timestamp()), FeatureStreamTopology.DLQ_SINK);
    }
}
