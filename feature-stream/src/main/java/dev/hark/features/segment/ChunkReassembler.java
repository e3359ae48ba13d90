package dev.hark.features.segment;

import dev.hark.audio.segment.UtteranceSegmenter;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts one device's chunks back in sequence order. Duplicates are dropped (and counted); chunks
 * that arrive early wait, up to {@code maxPending} chunks or {@code maxWaitMs} of wall-clock time,
 * for the missing ones; after that the missing audio is declared a gap and the stream moves on.
 * Sample positions come from each chunk's {@code startSample}, so a gap's length is known exactly.
 */
public final class ChunkReassembler {

    /** A chunk's audio as this class needs it. */
    public record Chunk(long sequence, long startSample, short[] pcm, long capturedAtMs) {
    }

    /** What comes out, in order: audio to feed on, or a hole of known length. */
    public sealed interface Piece permits Samples, Gap {
    }

    public record Samples(long startSample, short[] pcm, long capturedAtMs) implements Piece {
    }

    public record Gap(long fromSample, long toSample) implements Piece {
        public long length() {
            return toSample - fromSample;
        }
    }

    private final int maxPending;
    private final long maxWaitMs;
    /** Waiting chunks' samples at most ({@link dev.hark.schemas.input.InputLimits#MAX_PENDING_BYTES}): bounds the state. */
    private static final long MAX_PENDING_SAMPLES = dev.hark.schemas.input.InputLimits.MAX_PENDING_BYTES / 2;
    private long pendingSamples;

    private boolean started;
    private long nextSequence;
    private long nextSample;
    private final TreeMap<Long, Chunk> pending = new TreeMap<>();
    private long oldestPendingSinceMs;

    public ChunkReassembler(int maxPending, long maxWaitMs) {
        this.maxPending = maxPending;
        this.maxWaitMs = maxWaitMs;
    }

    /** Result of one {@link #accept}: the pieces released, and whether the chunk was a duplicate. */
    public record Accepted(List<Piece> pieces, boolean duplicate) {
    }

    public Accepted accept(Chunk chunk, long nowMs) {
        List<Piece> out = new ArrayList<>();
        if (!started) {
            // the first chunk we see defines where this session starts (a device may join mid-stream)
            started = true;
            nextSequence = chunk.sequence();
            nextSample = chunk.startSample();
        }
        if (chunk.sequence() < nextSequence || pending.containsKey(chunk.sequence())) {
            return new Accepted(out, true);
        }
        if (chunk.sequence() == nextSequence) {
            release(chunk, out);
            drainConsecutive(out);
        } else {
            if (pending.isEmpty()) {
                oldestPendingSinceMs = nowMs;
            }
            pending.put(chunk.sequence(), chunk);
            pendingSamples += chunk.pcm().length;
            while (!pending.isEmpty() && (pending.size() > maxPending || pendingSamples > MAX_PENDING_SAMPLES)) {
                skipToFirstPending(out, nowMs);
            }
        }
        return new Accepted(out, false);
    }

    /** Wall-clock check: missing chunks that kept the rest waiting too long become a gap. */
    public List<Piece> onTimer(long nowMs) {
        List<Piece> out = new ArrayList<>();
        if (!pending.isEmpty() && nowMs - oldestPendingSinceMs >= maxWaitMs) {
            skipToFirstPending(out, nowMs);
        }
        return out;
    }

    public int pendingCount() {
        return pending.size();
    }

    public long nextSample() {
        return nextSample;
    }

    /** The sequence number the next chunk in order has (meaningful once a chunk has been seen). */
    public long nextSequence() {
        return nextSequence;
    }

    public boolean started() {
        return started;
    }

    private void skipToFirstPending(List<Piece> out, long nowMs) {
        Map.Entry<Long, Chunk> first = pending.pollFirstEntry();
        pendingSamples -= first.getValue().pcm().length;
        nextSequence = first.getKey();
        release(first.getValue(), out);
        drainConsecutive(out);
        oldestPendingSinceMs = nowMs;
    }

    private void drainConsecutive(List<Piece> out) {
        Chunk next;
        while ((next = pending.remove(nextSequence)) != null) {
            pendingSamples -= next.pcm().length;
            release(next, out);
        }
    }

    private void release(Chunk chunk, List<Piece> out) {
        nextSequence = chunk.sequence() + 1;
        short[] pcm = chunk.pcm();
        long start = chunk.startSample();
        if (start > nextSample) {
            out.add(new Gap(nextSample, start));
        } else if (start < nextSample) {
            // overlaps what we already have: keep only the new part
            int overlap = (int) Math.min(pcm.length, nextSample - start);
            pcm = java.util.Arrays.copyOfRange(pcm, overlap, pcm.length);
            start = nextSample;
        }
        if (pcm.length > 0) {
            out.add(new Samples(start, pcm, chunk.capturedAtMs()));
        }
        nextSample = Math.max(nextSample, start + pcm.length);
    }

    // ---- persistence ----

    public void writeTo(DataOutput out) throws IOException {
        out.writeBoolean(started);
        out.writeLong(nextSequence);
        out.writeLong(nextSample);
        out.writeLong(oldestPendingSinceMs);
        out.writeInt(pending.size());
        for (Chunk c : pending.values()) {
            out.writeLong(c.sequence());
            out.writeLong(c.startSample());
            out.writeLong(c.capturedAtMs());
            UtteranceSegmenter.writeShorts(out, c.pcm(), c.pcm().length);
        }
    }

    public static ChunkReassembler readFrom(DataInput in, int maxPending, long maxWaitMs) throws IOException {
        ChunkReassembler r = new ChunkReassembler(maxPending, maxWaitMs);
        r.started = in.readBoolean();
        r.nextSequence = in.readLong();
        r.nextSample = in.readLong();
        r.oldestPendingSinceMs = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            long seq = in.readLong();
            long start = in.readLong();
            long captured = in.readLong();
            Chunk c = new Chunk(seq, start, UtteranceSegmenter.readShorts(in), captured);
            r.pending.put(seq, c);
            r.pendingSamples += c.pcm().length;
        }
        return r;
    }
}
