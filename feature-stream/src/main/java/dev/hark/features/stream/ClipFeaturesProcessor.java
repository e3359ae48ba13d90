package dev.hark.features.stream;

import dev.hark.schemas.FeatureConfigs;

import java.nio.ByteBuffer;
import java.time.Instant;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.hark.avro.AudioClip;
import dev.hark.avro.LogMelFeatures;
import dev.hark.audio.Audio;
import dev.hark.audio.AudioFormatException;
import dev.hark.audio.Pcm16;
import dev.hark.audio.dsp.Float32Matrix;
import dev.hark.audio.dsp.LogMelExtractor;
import dev.hark.kafka.DeadLetters;
import dev.hark.schemas.Topics;
import dev.hark.schemas.input.InputChecks;
import dev.hark.kafka.RegistryRetry;
import dev.hark.streams.StreamDeadLetters;
import dev.hark.schemas.serde.HarkSerdeException;
import dev.hark.telemetry.HarkMeters;

/**
 * {@code audio.clips} → {@code audio.features}: decodes each clip, resamples it to the feature rate and
 * computes the log-mel matrix the model sees. Every clip ends as one feature record or one dead letter.
 */
final class ClipFeaturesProcessor implements Processor<String, byte[], String, SpecificRecord> {
    static final String STAGE = "feature-stream.clips";
    private static final Logger log = LoggerFactory.getLogger(ClipFeaturesProcessor.class);

    private final Deserializer<AudioClip> clips;
    private final LogMelExtractor extractor;
    private final String featureConfigId;
    private ProcessorContext<String, SpecificRecord> context;

    ClipFeaturesProcessor(Deserializer<AudioClip> clips, LogMelExtractor extractor) {
        this.clips = clips;
        this.extractor = extractor;
        this.featureConfigId = extractor.spec().id();
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
    }

    private final dev.hark.streams.CommitPacer commits = new dev.hark.streams.CommitPacer();

    @Override
    public void process(Record<String, byte[]> record) {
        commits.owed(context);
        AudioClip clip;
        try {
            clip = RegistryRetry.call(() -> clips.deserialize(Topics.AUDIO_CLIPS.name(), record.value()));
        } catch (HarkSerdeException e) {
            deadLetter(record, e.reason().code(), e.getMessage(), e, null);
            return;
        }
        var problem = InputChecks.clip(clip);
        if (problem.isPresent()) {
            deadLetter(record, problem.get().reason(), problem.get().message(), null, clip);
            return;
        }
        try {
            long started = System.nanoTime();
            LogMelFeatures features = features(clip);
            HarkMeters.PROCESSING.observe((System.nanoTime() - started) / 1e9, "features");
            HarkMeters.CLIPS.inc("features");
            HarkMeters.STAGE_LATENCY.observe(Math.max(0, features.getFeaturesCreatedAtMs().toEpochMilli()
                    - clip.getClipCreatedAtMs().toEpochMilli()) / 1000.0, "features");
            context.forward(new Record<String, SpecificRecord>(clip.getClipId(), features, record.timestamp()),
                    FeatureStreamTopology.FEATURES_SINK);
            commits.forwarded(context, features.getFeaturesCreatedAtMs().toEpochMilli()
                    - clip.getClipCreatedAtMs().toEpochMilli());
        } catch (AudioFormatException e) {
            deadLetter(record, e.reason().code(), e.getMessage(), e, clip);
        } catch (RuntimeException e) {
            log.warn("clip {} could not be turned into features", clip.getClipId(), e);
            deadLetter(record, "feature-error", "clip " + clip.getClipId() + ": " + e, e, clip);
        }
    }

    LogMelFeatures features(AudioClip clip) {
        // InputChecks.clip has passed: rate, length and sample alignment are within the limits
        int rate = clip.getSampleRate();
        ByteBuffer pcm = clip.getPcm().duplicate();
        float[][] logMel = extractor.features(Audio.mono(Pcm16.toFloats(pcm), rate));
        return LogMelFeatures.newBuilder()
                .setClipId(clip.getClipId())
                .setSource(clip.getSource())
                .setDeviceId(clip.getDeviceId())
                .setLabel(clip.getLabel())
                .setSpeaker(clip.getSpeaker())
                .setStartSample(clip.getStartSample())
                .setEndSample(clip.getEndSample())
                .setSessionId(clip.getSessionId())
                .setFeatureConfigId(featureConfigId)
                .setFeatureConfig(FeatureConfigs.toAvro(extractor.spec()))
                .setNMels(logMel.length)
                .setNFrames(logMel[0].length)
                .setLogMel(ByteBuffer.wrap(Float32Matrix.toBytes(logMel)))
                .setCapturedAtMs(clip.getCapturedAtMs())
                .setClipCreatedAtMs(clip.getClipCreatedAtMs())
                .setFeaturesCreatedAtMs(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .build();
    }

    private void deadLetter(Record<String, byte[]> record, String reason, String message, Throwable error,
                            AudioClip clip) {
        context.forward(new Record<String, SpecificRecord>(DeadLetters.key(record.key()), DeadLetters.of(STAGE, reason,
                message, error, StreamDeadLetters.origin(context, record, Topics.AUDIO_CLIPS.name()),
                clip == null ? record.key() : clip.getClipId(), clip == null ? null : clip.getDeviceId(),
                context.currentSystemTimeMs()), record.timestamp()), FeatureStreamTopology.DLQ_SINK);
    }
}
