package dev.hark.features.segment;

import dev.hark.audio.segment.OpenAudio;
import dev.hark.audio.segment.SegmenterConfig;
import dev.hark.audio.segment.Utterance;
import dev.hark.audio.segment.UtteranceSegmenter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.hark.schemas.input.InputLimits;

/**
 * Everything the stream remembers about one device: its session, the reassembly buffer, the
 * segmenter, and when it last sent anything. Turns chunks (and the passing of wall-clock time)
 * into utterances. Plain state with a byte form for the state store; no Kafka in here.
 *
 * <p>Two byte forms. {@link #toBytes()} is the whole state in one value. The stream uses the split form,
 * where a chunk costs what the chunk holds: a small header ({@link #encodeHeader()}: session, reassembly,
 * segmenter scalars, pre-roll and level history, waiting chunks) and the open utterance's samples as
 * {@link AudioPieces} appended one per chunk ({@link #savePieces()}), read back only when it closes.
 *
 * <p>Gaps (audio that never arrived): up to {@link Settings#fillGapMs()} are filled with silence, so a
 * chunk lost mid-word does not split the word; a longer gap closes any open utterance (the clip
 * holds what was heard) and segmentation resumes after it.
 */
public final class DeviceAudio {

    /** Reassembly and timing settings. */
    public record Settings(SegmenterConfig segmenter, int maxPendingChunks, long maxWaitMs, long fillGapMs,
                           long idleCloseMs) {
        public static Settings defaults() {
            return new Settings(SegmenterConfig.defaults(), 50, 500, 100, 1000);
        }
    }

    /** An utterance with the wall-clock time its first sample was captured. */
    public record Cut(String sessionId, Utterance utterance, long capturedAtMs) {
    }

    /** What one call produced, and what it noticed. */
    public record Result(List<Cut> cuts, boolean duplicate, long gapSamples, boolean newSession) {
    }

    /** A chunk this device state cannot take (the reason goes into the dead letter). */
    public static final class RejectedChunk extends RuntimeException {
        private final String reason;

        public RejectedChunk(String reason, String message) {
            super(message);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final Settings settings;
    private String sessionId;
    private int sampleRate;
    private ChunkReassembler reassembler;
    private UtteranceSegmenter segmenter;
    private long lastArrivalMs;
    private long anchorSample;
    private long anchorCapturedMs;
    private final OpenAudio openAudio;

    public DeviceAudio(Settings settings) {
        this(settings, OpenAudio.inMemory());
    }

    private DeviceAudio(Settings settings, OpenAudio openAudio) {
        this.settings = settings;
        this.openAudio = openAudio;
    }

    public String sessionId() {
        return sessionId;
    }

    public long lastArrivalMs() {
        return lastArrivalMs;
    }

    /** An utterance is open (speech heard and not yet ended). */
    public boolean speaking() {
        return segmenter != null && segmenter.speaking();
    }

    public boolean hasOpenAudio() {
        return segmenter != null && (segmenter.speaking() || reassembler.pendingCount() > 0);
    }

    public Result accept(String session, long sequence, long startSample, int rate, short[] pcm, long capturedAtMs,
                         long nowMs) {
        List<Cut> cuts = new ArrayList<>();
        boolean newSession = false;
        if (sessionId == null || !sessionId.equals(session)) {
            if (segmenter != null) {
                // the device restarted: whatever was open belongs to the old session
                drainTo(cuts, reassembler.onTimer(Long.MAX_VALUE));
                cut(segmenter.flush(), cuts);
            }
            newSession = sessionId != null;
            sessionId = session;
            sampleRate = rate;
            reassembler = new ChunkReassembler(settings.maxPendingChunks(), settings.maxWaitMs());
            segmenter = new UtteranceSegmenter(settings.segmenter(), rate, startSample, openAudio);
            anchorSample = startSample;
            anchorCapturedMs = capturedAtMs;
        } else if (rate != sampleRate) {
            throw new RejectedChunk("sample-rate-changed", "device changed its sample rate from " + sampleRate
                    + " to " + rate + " Hz within session " + session + "; start a new session to change rate");
        } else if (reassembler.started()) {
            rejectJumps(sequence, startSample);
        }
        lastArrivalMs = nowMs;
        ChunkReassembler.Accepted accepted = reassembler.accept(
                new ChunkReassembler.Chunk(sequence, startSample, pcm, capturedAtMs), nowMs);
        long gaps = drainTo(cuts, accepted.pieces());
        return new Result(cuts, accepted.duplicate(), gaps, newSession);
    }

    /**
     * A chunk far ahead of where its session's audio has got to is a broken counter, not a lost chunk:
     * taken in, it would make an hour-long gap or leave every later chunk looking like a duplicate.
     */
    private void rejectJumps(long sequence, long startSample) {
        long maxGapSamples = (long) InputLimits.MAX_GAP_SECONDS * sampleRate;
        if (startSample - reassembler.nextSample() > maxGapSamples) {
            throw new RejectedChunk("sample-jump", "startSample " + startSample + " is " + (startSample - reassembler.nextSample())
                    + " samples past where session " + sessionId + " has got to (" + reassembler.nextSample() + "); at most "
                    + InputLimits.MAX_GAP_SECONDS + " s of audio may be missing: start a new session instead");
        }
        // devices send chunks of 10 ms or more: an hour of them at most may be missing
        if (sequence - reassembler.nextSequence() > InputLimits.MAX_GAP_SECONDS * 100L) {
            throw new RejectedChunk("sequence-jump", "sequence " + sequence + " is " + (sequence - reassembler.nextSequence())
                    + " past the next one expected in session " + sessionId + " (" + reassembler.nextSequence() + ")");
        }
    }

    /**
     * Wall-clock tick: releases chunks that waited too long for missing ones, and closes an open
     * utterance of a device that has sent nothing for {@code idleCloseMs}.
     */
    public List<Cut> onTimer(long nowMs) {
        return onTimer(nowMs, true);
    }

    /**
     * {@link #onTimer(long)}, where {@code mayBeIdle} false says the device's next chunks are known to be
     * on their way (the caller is working through a backlog): chunks still stop waiting for a lost
     * one, but the open utterance is not closed for silence.
     */
    public List<Cut> onTimer(long nowMs, boolean mayBeIdle) {
        List<Cut> cuts = new ArrayList<>();
        if (segmenter == null) {
            return cuts;
        }
        drainTo(cuts, reassembler.onTimer(nowMs));
        if (mayBeIdle && nowMs - lastArrivalMs >= settings.idleCloseMs()) {
            if (reassembler.pendingCount() > 0) {
                drainTo(cuts, reassembler.onTimer(Long.MAX_VALUE));
            }
            if (segmenter.speaking()) {
                cut(segmenter.flush(), cuts);
            }
        }
        return cuts;
    }

    private long drainTo(List<Cut> cuts, List<ChunkReassembler.Piece> pieces) {
        long gapSamples = 0;
        for (ChunkReassembler.Piece piece : pieces) {
            if (piece instanceof ChunkReassembler.Samples s) {
                anchorSample = s.startSample();
                anchorCapturedMs = s.capturedAtMs();
                cut(segmenter.accept(s.pcm()), cuts);
            } else if (piece instanceof ChunkReassembler.Gap g) {
                gapSamples += g.length();
                if (g.length() <= settings.fillGapMs() * sampleRate / 1000) {
                    cut(segmenter.accept(new short[(int) g.length()]), cuts);
                } else {
                    cut(segmenter.skip(g.length()), cuts);
                }
            }
        }
        return gapSamples;
    }

    private void cut(List<Utterance> utterances, List<Cut> cuts) {
        for (Utterance u : utterances) {
            long captured = anchorCapturedMs + (u.startSample() - anchorSample) * 1000 / sampleRate;
            cuts.add(new Cut(sessionId, u, captured));
        }
    }

    // ---- persistence ----

    private static final int FORMAT = 1;

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeBoolean(sessionId != null);
            if (sessionId != null) {
                out.writeUTF(sessionId);
                out.writeInt(sampleRate);
                out.writeLong(lastArrivalMs);
                out.writeLong(anchorSample);
                out.writeLong(anchorCapturedMs);
                reassembler.writeTo(out);
                segmenter.writeTo(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Either form; from a header ({@link #encodeHeader()}) without its pieces, the state can be looked at
     * but not fed (the open utterance's samples are elsewhere).
     */
    public static DeviceAudio fromBytes(byte[] data, Settings settings) {
        return data != null && data.length > 0 && data[0] == HEADER_FORMAT ? load(data, settings, null)
                : fromFullBytes(data, settings, OpenAudio.inMemory());
    }

    private static DeviceAudio fromFullBytes(byte[] data, Settings settings, OpenAudio openAudio) {
        DeviceAudio d = new DeviceAudio(settings, openAudio);
        if (data == null) {
            return d;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IOException("unknown device state format " + format);
            }
            if (in.readBoolean()) {
                d.sessionId = in.readUTF();
                d.sampleRate = in.readInt();
                d.lastArrivalMs = in.readLong();
                d.anchorSample = in.readLong();
                d.anchorCapturedMs = in.readLong();
                d.reassembler = ChunkReassembler.readFrom(in, settings.maxPendingChunks(), settings.maxWaitMs());
                d.segmenter = UtteranceSegmenter.readFrom(in, settings.segmenter(), openAudio);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt device state: " + e.getMessage(), e);
        }
        return d;
    }

    // ---- the split form: a header, and the open utterance as pieces ----

    private static final int HEADER_FORMAT = 2;
    private static final int OPEN_FLAG = 1;
    /** Chunks wait in the reassembler for a missing one: the timer may release them. */
    private static final int PENDING_FLAG = 2;

    /**
     * The device's state from its header and its pieces; {@code header} null is a new device. A header in
     * the whole-state form ({@link #toBytes()}) is read too: its open utterance is written as a piece by
     * the next {@link #savePieces()}.
     *
     * @param pieces the device's pieces; null only to look at the header
     */
    public static DeviceAudio load(byte[] header, Settings settings, AudioPieces.Store pieces) {
        if (header == null || header.length == 0 || header[0] != HEADER_FORMAT) {
            if (header != null && header.length == 0) {
                throw new UncheckedIOException(new IOException("corrupt device state: empty"));
            }
            return fromFullBytes(header, settings, new AudioPieces(pieces, 0, 0));
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(header))) {
            in.readByte();
            in.readByte();
            long lastArrival = in.readLong();
            int stored = in.readInt();
            int storedSamples = in.readInt();
            if (stored < 0 || storedSamples < 0) {
                throw new IOException("negative piece count");
            }
            DeviceAudio d = new DeviceAudio(settings, new AudioPieces(pieces, stored, storedSamples));
            d.lastArrivalMs = lastArrival;
            if (in.readBoolean()) {
                d.sessionId = in.readUTF();
                d.sampleRate = in.readInt();
                d.anchorSample = in.readLong();
                d.anchorCapturedMs = in.readLong();
                d.reassembler = ChunkReassembler.readFrom(in, settings.maxPendingChunks(), settings.maxWaitMs());
                d.segmenter = UtteranceSegmenter.readFrom(in, settings.segmenter(), d.openAudio);
            } else if (stored != 0) {
                throw new IOException("audio without a session");
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " bytes too many");
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt device state: " + e.getMessage(), e);
        }
    }

    /**
     * The header as it will be once {@link #savePieces()} has run: everything but the open utterance's
     * samples, so its size does not grow with the utterance. Its first bytes say whether the device has
     * audio open ({@link #openIn}) and when it last sent ({@link #lastArrivalIn}) without decoding the rest.
     */
    public byte[] encodeHeader() {
        AudioPieces pieces = (AudioPieces) openAudio;
        ByteArrayOutputStream bytes = HEADER_BUFFER.get();
        bytes.reset();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(HEADER_FORMAT);
            out.writeByte((hasOpenAudio() ? OPEN_FLAG : 0)
                    | (reassembler != null && reassembler.pendingCount() > 0 ? PENDING_FLAG : 0));
            out.writeLong(lastArrivalMs);
            out.writeInt(pieces.piecesAfterSave());
            out.writeInt(pieces.length());
            out.writeBoolean(sessionId != null);
            if (sessionId != null) {
                out.writeUTF(sessionId);
                out.writeInt(sampleRate);
                out.writeLong(anchorSample);
                out.writeLong(anchorCapturedMs);
                reassembler.writeTo(out);
                segmenter.writeTo(out, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Every chunk encodes a header of a few kilobytes: one buffer per stream thread instead of one per chunk. */
    private static final ThreadLocal<ByteArrayOutputStream> HEADER_BUFFER =
            ThreadLocal.withInitial(() -> new ByteArrayOutputStream(8 * 1024));

    /** Writes the audio appended since the state was loaded as one piece, and deletes closed utterances' pieces. */
    public void savePieces() {
        ((AudioPieces) openAudio).save();
    }

    /** Bytes of open-utterance audio (in pieces or not yet saved). */
    public long openAudioBytes() {
        return 2L * openAudio.length();
    }

    /** Whether the device whose header this is has audio open, read from the header's first bytes. */
    public static boolean openIn(byte[] header, Settings settings) {
        if (header.length >= 2 && header[0] == HEADER_FORMAT) {
            return (header[1] & OPEN_FLAG) != 0;
        }
        return fromBytes(header, settings).hasOpenAudio();
    }

    /**
     * Whether {@link #onTimer} could change the state of the device whose header this is at {@code nowMs}:
     * only when chunks wait for a missing one, or the device has sent nothing for {@code idleCloseMs}.
     * Read from the header's first bytes, so the timer decodes only the devices it may act on.
     */
    public static boolean timerMayAct(byte[] header, long nowMs, Settings settings) {
        if (header.length >= 10 && header[0] == HEADER_FORMAT) {
            return (header[1] & PENDING_FLAG) != 0 || nowMs - lastArrivalIn(header, settings) >= settings.idleCloseMs();
        }
        return true;
    }

    /** When the device whose header this is last sent, read from the header's first bytes. */
    public static long lastArrivalIn(byte[] header, Settings settings) {
        if (header.length >= 10 && header[0] == HEADER_FORMAT) {
            return java.nio.ByteBuffer.wrap(header, 2, 8).getLong();
        }
        return fromBytes(header, settings).lastArrivalMs();
    }
}
