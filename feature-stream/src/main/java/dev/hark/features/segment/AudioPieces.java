package dev.hark.features.segment;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.hark.audio.segment.OpenAudio;

/**
 * One device's open-utterance audio as numbered pieces, one per chunk (or timer tick) that added to it,
 * kept in a key-value store by the stream ({@link Store}): taking a chunk writes one piece of the chunk's
 * size, and the pieces are read back only when the utterance closes. The device's header
 * ({@link DeviceAudio#encodeHeader()}) says how many pieces (and samples) the open utterance has; a piece
 * numbered past that is never read before it has been written again.
 */
public final class AudioPieces implements OpenAudio {

    /** The pieces of one device. */
    public interface Store {
        byte[] get(int index);

        void put(int index, byte[] piece);

        void delete(int index);
    }

    /** The stored audio does not match its header (lost or damaged pieces). */
    public static final class DamagedAudio extends RuntimeException {
        public DamagedAudio(String message) {
            super(message);
        }
    }

    private final Store store;
    /** Pieces in the store that hold the first {@link #storedSamples} samples of the open utterance. */
    private int stored;
    private int storedSamples;
    /** Pieces {@code [stored, staleUpTo)} are in the store but no longer part of the utterance. */
    private int staleUpTo;
    /** Appended since the last {@link #save()}. */
    private short[] tail = new short[0];
    private int tailLength;

    AudioPieces(Store store, int stored, int storedSamples) {
        this.store = store;
        this.stored = stored;
        this.storedSamples = storedSamples;
    }

    @Override
    public int length() {
        return storedSamples + tailLength;
    }

    @Override
    public void append(short[] pcm, int offset, int n) {
        if (tailLength + n > tail.length) {
            tail = java.util.Arrays.copyOf(tail, Math.max(tailLength + n, tail.length * 2 + 256));
        }
        System.arraycopy(pcm, offset, tail, tailLength, n);
        tailLength += n;
    }

    @Override
    public short[] samples() {
        short[] out = new short[length()];
        int at = 0;
        for (int i = 0; i < stored; i++) {
            if (store == null) {
                throw new IllegalStateException("this device state was read without its audio");
            }
            byte[] piece = store.get(i);
            if (piece == null || piece.length % 2 != 0 || at + piece.length / 2 > storedSamples) {
                throw new DamagedAudio("piece " + i + " of " + stored + " of the open utterance is "
                        + (piece == null ? "missing" : "of the wrong size (" + (piece == null ? 0 : piece.length) + " bytes)"));
            }
            ByteBuffer.wrap(piece).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out, at, piece.length / 2);
            at += piece.length / 2;
        }
        if (at != storedSamples) {
            throw new DamagedAudio("the open utterance's pieces hold " + at + " samples, its header says " + storedSamples);
        }
        System.arraycopy(tail, 0, out, at, tailLength);
        return out;
    }

    @Override
    public void clear() {
        staleUpTo = Math.max(staleUpTo, stored);
        stored = 0;
        storedSamples = 0;
        tailLength = 0;
        if (tail.length > 1 << 16) {
            tail = new short[0];
        }
    }

    /** Pieces the header must name once {@link #save()} has run. */
    int piecesAfterSave() {
        return stored + (tailLength > 0 ? 1 : 0);
    }

    /** Writes what was appended as one piece, and deletes the pieces of closed utterances. */
    void save() {
        if (tailLength > 0) {
            ByteBuffer bytes = ByteBuffer.allocate(tailLength * 2).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asShortBuffer().put(tail, 0, tailLength);
            store.put(stored, bytes.array());
            stored++;
            storedSamples += tailLength;
            tailLength = 0;
        }
        for (int i = stored; i < staleUpTo; i++) {
            store.delete(i);
        }
        staleUpTo = 0;
    }

    /** Whether anything is waiting to be written by {@link #save()}. */
    boolean unsaved() {
        return tailLength > 0 || staleUpTo > stored;
    }
}
