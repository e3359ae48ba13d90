package dev.hark.audio.segment;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Voice-activity segmentation of one device's continuous audio into utterances: an adaptive noise
 * floor, an onset that needs a few loud frames, hysteresis while speaking, a hangover before the
 * end, pre- and post-roll so soft consonants are kept, and minimum and maximum lengths.
 *
 * <p>Plain state, no Kafka: the stream stores it per device ({@link #writeTo}/{@link #readFrom})
 * and calls {@link #accept} for each chunk in order and {@link #flush} when the device stops.
 * Not thread-safe; one instance per device.
 */
public final class UtteranceSegmenter {
    private static final double SILENT_DB = -120.0;

    private final SegmenterConfig config;
    private final int sampleRate;
    private final int frameSamples;

    // absolute index of the next sample to arrive
    private long cursor;
    private double floorDb = Double.NaN;
    // recent frame levels in hundredths of a dB (ring), and the same levels kept sorted, for the percentile
    // noise floor: a frame costs one binary-search insert and remove instead of sorting the window (the
    // sort was a third of the feature stream's CPU at 1,000 devices, docs/benchmarks.md), and the state
    // stores two bytes a level instead of eight
    private short[] levels;
    private short[] sortedLevels;
    private int levelCount;
    private int levelNext;

    // partial frame carried over between chunks
    private short[] partial = new short[0];

    // recent audio while not speaking (pre-roll plus onset frames), oldest first
    // (a buffer filled up to historyLength and shifted in place: a frame allocates nothing)
    private short[] history = new short[0];
    private int historyLength;
    private long historyStart;

    // the open utterance, if any
    private boolean speaking;
    private int loudRun;
    private OpenAudio utterance;
    private long utteranceStart;
    private long lastActiveEnd; // absolute end of the last frame above the sustain threshold
    private int quietRun;
    private double peakDb;

    public UtteranceSegmenter(SegmenterConfig config, int sampleRate, long startSample) {
        this(config, sampleRate, startSample, OpenAudio.inMemory());
    }

    /** @param openAudio where the open utterance's samples are kept (empty) */
    public UtteranceSegmenter(SegmenterConfig config, int sampleRate, long startSample, OpenAudio openAudio) {
        this.config = config;
        this.utterance = openAudio;
        this.sampleRate = sampleRate;
        this.frameSamples = config.frameSamples(sampleRate);
        this.cursor = startSample;
        this.historyStart = startSample;
        this.levels = new short[Math.max(1, config.floorWindowMs() / config.frameMs())];
        this.sortedLevels = new short[levels.length];
    }

    public int sampleRate() {
        return sampleRate;
    }

    /** The noise floor now (dB), NaN before the first non-silent frame. */
    double floorDb() {
        return floorDb;
    }

    public boolean speaking() {
        return speaking;
    }

    /** Feeds the next samples (contiguous with the previous ones); returns the utterances they completed. */
    public List<Utterance> accept(short[] pcm) {
        List<Utterance> done = new ArrayList<>(1);
        int offset = 0;
        if (partial.length > 0) {
            int need = frameSamples - partial.length;
            if (pcm.length < need) {
                partial = concat(partial, pcm, 0, pcm.length);
                return done;
            }
            short[] frame = concat(partial, pcm, 0, need);
            partial = new short[0];
            frame(frame, 0, done);
            offset = need;
        }
        while (pcm.length - offset >= frameSamples) {
            frame(pcm, offset, done);
            offset += frameSamples;
        }
        if (offset < pcm.length) {
            partial = Arrays.copyOfRange(pcm, offset, pcm.length);
        }
        return done;
    }

    /**
     * Closes the open utterance now (device quiet on the wall clock, session over, or audio lost).
     * Returns it if it is long enough to be a word. Audio after it starts fresh.
     */
    public List<Utterance> flush() {
        List<Utterance> done = new ArrayList<>(1);
        if (speaking) {
            // include the partial frame: the device stopped mid-frame
            append(partial, 0, partial.length);
            long end = utteranceStart + utterance.length();
            emit(end, Utterance.Ending.FLUSH, done);
        }
        cursor += partial.length;
        partial = new short[0];
        speaking = false;
        loudRun = 0;
        historyLength = 0;
        historyStart = cursor;
        return done;
    }

    /** Skips {@code samples} lost samples: what is open is closed first, then the cursor moves on. */
    public List<Utterance> skip(long samples) {
        List<Utterance> done = flush();
        cursor += samples;
        historyStart = cursor;
        return done;
    }

    private void frame(short[] pcm, int offset, List<Utterance> done) {
        long frameStart = cursor;
        cursor += frameSamples;
        double db = levelDb(pcm, offset, frameSamples);
        boolean digitalSilence = db <= SILENT_DB;
        if (Double.isNaN(floorDb) && !digitalSilence) {
            floorDb = db;
        }
        double floor = Double.isNaN(floorDb) ? SILENT_DB : floorDb;
        boolean loud = !digitalSilence && db >= floor + config.onsetDb() && db >= config.minSpeechDbfs();
        boolean active = !digitalSilence && db >= floor + config.sustainDb() && db >= config.minSpeechDbfs() - 6
                && (!speaking || db >= peakDb - config.releaseDb());

        if (!speaking) {
            remember(pcm, offset, frameStart);
            loudRun = loud ? loudRun + 1 : 0;
            if (loudRun >= config.onsetFrames()) {
                startUtterance(frameStart + frameSamples);
                peakDb = db;
            }
        } else {
            append(pcm, offset, frameSamples);
            peakDb = Math.max(peakDb, db);
            if (active) {
                quietRun = 0;
                lastActiveEnd = frameStart + frameSamples;
            } else {
                quietRun++;
            }
            if (quietRun * config.frameMs() >= config.hangoverMs()) {
                long end = Math.min(lastActiveEnd + config.samples(config.postRollMs(), sampleRate),
                        utteranceStart + utterance.length());
                emit(end, Utterance.Ending.SILENCE, done);
            } else if (utterance.length() >= config.samples(config.maxUtteranceMs(), sampleRate)) {
                emit(utteranceStart + utterance.length(), Utterance.Ending.MAX_LENGTH, done);
                // still speaking: the next clip starts right here
                speaking = true;
                utteranceStart = cursor;
                lastActiveEnd = cursor;
                quietRun = 0;
            }
        }
        updateFloor(db, digitalSilence);
    }

    /** The floor is a low percentile of recent frame levels: robust to dips, follows a louder room. */
    private void updateFloor(double db, boolean digitalSilence) {
        if (digitalSilence) {
            return; // zeros from a gap or a muted mic say nothing about the room
        }
        short level = centiDb(db);
        if (levelCount == levels.length) {
            removeSorted(levels[levelNext]); // the oldest level leaves the window
        }
        levels[levelNext] = level;
        levelNext = (levelNext + 1) % levels.length;
        insertSorted(level);
        floorDb = sortedLevels[(int) Math.min(levelCount - 1, Math.floor(config.floorPercentile() / 100.0 * levelCount))]
                / 100.0;
    }

    /** A level in hundredths of a dB: -120…0 dB fits a short, and 0.01 dB is far below any threshold. */
    static short centiDb(double db) {
        return (short) Math.round(Math.max(SILENT_DB, Math.min(0, db)) * 100);
    }

    private void removeSorted(short level) {
        int at = Arrays.binarySearch(sortedLevels, 0, levelCount, level);
        if (at < 0) { // a stored state whose sorted copy does not match its ring (damaged): sort the ring afresh
            System.arraycopy(levels, 0, sortedLevels, 0, levelCount);
            Arrays.sort(sortedLevels, 0, levelCount);
            at = Arrays.binarySearch(sortedLevels, 0, levelCount, level);
        }
        System.arraycopy(sortedLevels, at + 1, sortedLevels, at, levelCount - at - 1);
        levelCount--;
    }

    private void insertSorted(short level) {
        int at = Arrays.binarySearch(sortedLevels, 0, levelCount, level);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sortedLevels, at, sortedLevels, at + 1, levelCount - at);
        sortedLevels[at] = level;
        levelCount++;
    }

    private void startUtterance(long onsetEnd) {
        long onsetStart = onsetEnd - (long) config.onsetFrames() * frameSamples;
        long start = Math.max(historyStart, onsetStart - config.samples(config.preRollMs(), sampleRate));
        int from = (int) (start - historyStart);
        speaking = true;
        utteranceStart = start;
        append(history, from, historyLength - from);
        lastActiveEnd = onsetEnd;
        quietRun = 0;
        loudRun = 0;
        historyLength = 0;
        historyStart = cursor;
    }

    private void emit(long end, Utterance.Ending ending, List<Utterance> done) {
        int length = (int) (end - utteranceStart);
        short[] all = utterance.samples();
        utterance.clear();
        if (length >= config.samples(config.minUtteranceMs(), sampleRate)) {
            done.add(new Utterance(utteranceStart, length == all.length ? all : Arrays.copyOf(all, length), sampleRate, ending));
        }
        // what followed the end (the rest of the hangover) becomes history for the next onset
        historyLength = 0;
        addHistory(all, length, all.length - length);
        historyStart = end;
        trimHistory();
        speaking = false;
        loudRun = 0;
    }

    private void remember(short[] pcm, int offset, long frameStart) {
        if (historyLength == 0) {
            historyStart = frameStart;
        }
        addHistory(pcm, offset, frameSamples);
        trimHistory();
    }

    private void addHistory(short[] pcm, int offset, int length) {
        if (historyLength + length > history.length) {
            history = Arrays.copyOf(history, Math.max(historyLength + length,
                    config.samples(config.preRollMs(), sampleRate) + (config.onsetFrames() + 1) * frameSamples));
        }
        System.arraycopy(pcm, offset, history, historyLength, length);
        historyLength += length;
    }

    private void trimHistory() {
        int keep = config.samples(config.preRollMs(), sampleRate) + config.onsetFrames() * frameSamples;
        if (historyLength > keep) {
            int drop = historyLength - keep;
            System.arraycopy(history, drop, history, 0, keep);
            historyLength = keep;
            historyStart += drop;
        }
    }

    private void append(short[] pcm, int offset, int length) {
        utterance.append(pcm, offset, length);
    }

    static double levelDb(short[] pcm, int offset, int length) {
        double sum = 0;
        for (int i = offset; i < offset + length; i++) {
            double x = pcm[i] / 32768.0;
            sum += x * x;
        }
        double meanSquare = sum / length;
        return meanSquare <= 0 ? SILENT_DB : Math.max(SILENT_DB, 10 * Math.log10(meanSquare));
    }

    private static short[] concat(short[] a, short[] b, int offset, int length) {
        short[] out = Arrays.copyOf(a, a.length + length);
        System.arraycopy(b, offset, out, a.length, length);
        return out;
    }

    // ---- state persistence (the stream's per-device store) ----

    /** With the open utterance's samples inline; levels as doubles (read only: states written before 2026-12-06). */
    private static final int FORMAT_V1 = 1;
    /** Without them: they are kept in the {@link OpenAudio} (elsewhere); levels as doubles (read only). */
    private static final int FORMAT_WITHOUT_AUDIO_V1 = 2;
    /** With the open utterance's samples inline; levels in hundredths of a dB. */
    private static final int FORMAT = 3;
    /** Without them; levels in hundredths of a dB. */
    private static final int FORMAT_WITHOUT_AUDIO = 4;

    /** The whole state, the open utterance's samples included. */
    public void writeTo(DataOutput out) throws IOException {
        writeTo(out, true);
    }

    /**
     * The state; with {@code withAudio} false, all but the open utterance's samples, which its
     * {@link OpenAudio} keeps (a few kilobytes at most: partial frame, pre-roll, level history).
     */
    public void writeTo(DataOutput out, boolean withAudio) throws IOException {
        out.writeByte(withAudio ? FORMAT : FORMAT_WITHOUT_AUDIO);
        out.writeInt(sampleRate);
        out.writeLong(cursor);
        out.writeDouble(floorDb);
        writeShorts(out, partial, partial.length);
        writeShorts(out, history, historyLength);
        out.writeLong(historyStart);
        out.writeBoolean(speaking);
        out.writeInt(loudRun);
        if (withAudio) {
            short[] open = utterance.samples();
            writeShorts(out, open, open.length);
        }
        out.writeLong(utteranceStart);
        out.writeLong(lastActiveEnd);
        out.writeInt(quietRun);
        out.writeDouble(peakDb);
        out.writeInt(levelCount);
        out.writeInt(levelNext);
        writeShorts(out, levels, levels.length);
        writeShorts(out, sortedLevels, levelCount); // kept, so that a chunk does not sort the window on load
    }

    public static UtteranceSegmenter readFrom(DataInput in, SegmenterConfig config) throws IOException {
        return readFrom(in, config, OpenAudio.inMemory());
    }

    /**
     * Reads either form. {@code openAudio} holds the open utterance's samples when they were written
     * without; when they were written inline, they are appended to it (it must then be empty).
     */
    public static UtteranceSegmenter readFrom(DataInput in, SegmenterConfig config, OpenAudio openAudio) throws IOException {
        int format = in.readByte();
        if (format != FORMAT && format != FORMAT_WITHOUT_AUDIO && format != FORMAT_V1 && format != FORMAT_WITHOUT_AUDIO_V1) {
            throw new IOException("unknown segmenter state format " + format);
        }
        boolean inline = format == FORMAT || format == FORMAT_V1;
        int rate = in.readInt();
        long cursor = in.readLong();
        UtteranceSegmenter s = new UtteranceSegmenter(config, rate, cursor, openAudio);
        s.floorDb = in.readDouble();
        s.partial = readShorts(in);
        s.history = readShorts(in);
        s.historyLength = s.history.length;
        s.historyStart = in.readLong();
        s.speaking = in.readBoolean();
        s.loudRun = in.readInt();
        if (inline) {
            short[] open = readShorts(in);
            openAudio.append(open, 0, open.length);
        }
        s.utteranceStart = in.readLong();
        s.lastActiveEnd = in.readLong();
        s.quietRun = in.readInt();
        s.peakDb = in.readDouble();
        int count = in.readInt();
        int next = in.readInt();
        short[] levels;
        short[] sorted = null;
        if (format == FORMAT || format == FORMAT_WITHOUT_AUDIO) {
            levels = readShorts(in);
            sorted = readShorts(in);
        } else {
            levels = new short[in.readInt()];
            for (int i = 0; i < levels.length; i++) {
                levels[i] = centiDb(in.readDouble());
            }
        }
        if (levels.length == s.levels.length && count >= 0 && count <= levels.length && next >= 0 && next < levels.length) {
            s.levels = levels;
            s.levelNext = next;
            if (sorted != null && sorted.length == count && nonDecreasing(sorted)) {
                System.arraycopy(sorted, 0, s.sortedLevels, 0, count);
            } else {
                // the ring fills from index 0, so its first `count` entries are the window, full or not
                System.arraycopy(levels, 0, s.sortedLevels, 0, count);
                Arrays.sort(s.sortedLevels, 0, count);
            }
            s.levelCount = count;
        } // else the window setting changed: the floor starts afresh
        return s;
    }

    private static boolean nonDecreasing(short[] values) {
        for (int i = 1; i < values.length; i++) {
            if (values[i] < values[i - 1]) {
                return false;
            }
        }
        return true;
    }

    /** Big-endian, as {@link DataOutput#writeShort} would write them one by one, in one bulk copy. */
    public static void writeShorts(DataOutput out, short[] values, int length) throws IOException {
        out.writeInt(length);
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(length * 2);
        bytes.asShortBuffer().put(values, 0, length);
        out.write(bytes.array());
    }

    public static short[] readShorts(DataInput in) throws IOException {
        int n = in.readInt();
        byte[] bytes = new byte[n * 2];
        in.readFully(bytes);
        short[] values = new short[n];
        java.nio.ByteBuffer.wrap(bytes).asShortBuffer().get(values);
        return values;
    }
}
