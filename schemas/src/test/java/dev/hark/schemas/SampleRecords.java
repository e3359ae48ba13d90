package dev.hark.schemas;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;

import dev.hark.avro.AudioChunk;
import dev.hark.avro.AudioClip;
import dev.hark.avro.DeadLetter;
import dev.hark.avro.FeatureConfig;
import dev.hark.avro.LogMelFeatures;
import dev.hark.avro.ModelRelease;
import dev.hark.avro.Prediction;

/** One realistic record of every type, for round-trip tests. */
public final class SampleRecords {
    private SampleRecords() {
    }

    // Avro keeps milliseconds: a nanosecond Instant would not survive a round trip
    static final Instant T0 = Instant.parse("2026-11-22T10:15:30.123Z").truncatedTo(ChronoUnit.MILLIS);

    public static FeatureConfig featureConfig() {
        return FeatureConfig.newBuilder()
                .setSampleRate(8000).setNFft(256).setWinLength(200).setHopLength(80).setWindow("hann")
                .setCenter(true).setPadMode("reflect").setPower(2.0f).setNMels(40).setFMin(20f).setFMax(4000f)
                .setMelScale("htk").setMelNorm(null).setLogFloor(1e-6f).setClipFrames(101).setFit("center-pad-or-crop")
                .setNormalisation("per-utterance-mean-std").setDspVersion(1)
                .build();
    }

    static ByteBuffer pcm(int samples) {
        ByteBuffer buf = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            buf.putShort((short) (8000 * Math.sin(2 * Math.PI * 440 * i / 8000.0)));
        }
        return buf.flip();
    }

    static ByteBuffer floats(int n) {
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putFloat((float) Math.log1p(i));
        }
        return buf.flip();
    }

    public static AudioChunk chunk(String deviceId) {
        return AudioChunk.newBuilder().setDeviceId(deviceId).setSessionId("s-1").setSequence(7).setStartSample(5600)
                .setSampleRate(8000).setPcm(pcm(800)).setCapturedAtMs(T0).setSentAtMs(T0.plusMillis(3)).build();
    }

    public static AudioClip clip(String clipId) {
        return AudioClip.newBuilder().setClipId(clipId).setSource("recordings/7_theo_3.wav").setDeviceId(null)
                .setSampleRate(8000).setPcm(pcm(3200)).setLabel(7).setSpeaker("theo").setStartSample(null)
                .setEndSample(null).setSessionId(null).setCapturedAtMs(T0).setClipCreatedAtMs(T0.plusMillis(1)).build();
    }

    public static LogMelFeatures features(String clipId) {
        return LogMelFeatures.newBuilder().setClipId(clipId).setSource("dev-3").setDeviceId("dev-3").setLabel(null)
                .setSpeaker(null).setStartSample(16000L).setEndSample(19200L).setSessionId("s-1")
                .setFeatureConfigId("fc-1a2b3c").setFeatureConfig(featureConfig()).setNMels(40).setNFrames(101)
                .setLogMel(floats(40 * 101)).setCapturedAtMs(T0).setClipCreatedAtMs(T0.plusMillis(250))
                .setFeaturesCreatedAtMs(T0.plusMillis(252)).build();
    }

    public static Prediction prediction(String clipId) {
        return Prediction.newBuilder().setClipId(clipId).setSource("dev-3").setDeviceId("dev-3").setSpeaker("theo")
                .setLabel(4).setStartSample(16000L).setEndSample(19200L).setSessionId("s-1").setDigit(4)
                .setConfidence(0.97f).setProbabilities(List.of(0.001f, 0.002f, 0.003f, 0.004f, 0.97f, 0.005f, 0.005f,
                        0.004f, 0.003f, 0.003f))
                .setModelVersion(3).setFeatureConfigId("fc-1a2b3c").setCapturedAtMs(T0)
                .setClipCreatedAtMs(T0.plusMillis(250)).setFeaturesCreatedAtMs(T0.plusMillis(252))
                .setPredictedAtMs(T0.plusMillis(254)).build();
    }

    public static ModelRelease model(int version) {
        byte[] onnx = new byte[4096];
        for (int i = 0; i < onnx.length; i++) {
            onnx[i] = (byte) (i * 31);
        }
        return ModelRelease.newBuilder().setVersion(version).setParentVersion(version > 1 ? version - 1 : null)
                .setCreatedAtMs(T0).setFeatureConfigId("fc-1a2b3c").setFeatureConfig(featureConfig())
                .setOnnx(ByteBuffer.wrap(onnx)).setOnnxSha256("00ff").setOutput("logits").setChampion(true)
                .setCandidateAccuracy(0.991).setChampionAccuracy(version > 1 ? 0.985 : null)
                .setEvaluationSpeakers(List.of("george", "theo")).setMetrics(Map.of("loso_mean", 0.86))
                .setNotes(Map.of("epochs", "30")).build();
    }

    public static DeadLetter deadLetter(String clipId) {
        return DeadLetter.newBuilder().setStage("feature-stream.clips").setReason("bad-wav")
                .setMessage("audio.clips-0@12: zero samples").setErrorClass("dev.hark.features.AudioFormatException")
                .setTopic("audio.clips").setPartition(0).setOffset(12L).setRecordTimestampMs(T0)
                .setOriginalKey(ByteBuffer.wrap(clipId.getBytes())).setOriginalValue(ByteBuffer.wrap(new byte[] {0, 1, 2}))
                .setClipId(clipId).setDeviceId(null).setDeadLetteredAtMs(T0.plusMillis(5)).build();
    }

    /** A sample for whichever topic, keyed by {@code key}. */
    public static SpecificRecord forTopic(Topic<?> topic, String key) {
        if (topic == Topics.AUDIO_CHUNKS) {
            return chunk(key);
        } else if (topic == Topics.AUDIO_CLIPS || topic == Topics.AUDIO_CLIPS_LABELED) {
            return clip(key);
        } else if (topic == Topics.AUDIO_FEATURES) {
            return features(key);
        } else if (topic == Topics.AUDIO_PREDICTIONS) {
            return prediction(key);
        } else if (topic == Topics.MODELS) {
            return model(Math.abs(key.hashCode() % 1000) + 1);
        } else if (topic == Topics.AUDIO_DLQ) {
            return deadLetter(key);
        }
        throw new IllegalArgumentException("no sample for " + topic);
    }
}
