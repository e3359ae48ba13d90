package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.schemas.serde.TrustedAvroClasses;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The online trainer's labeled set on local disk: an append-only log of {@link AudioClip}s with where
 * each came from. The consumer commits its offsets only after {@link #sync}, so a restart neither loses
 * clips nor has to re-read the topic; a clip id seen twice is kept once. A torn last entry from a crash
 * is cut off when the store opens.
 *
 * <h2>Format</h2>
 * One entry per record: {@code [int length][Avro binary AudioClip, this build's schema][trailer]}.
 * The trailer is what this version added; a reader decodes the clip and then looks for it, and the
 * readers before it decoded the clip and ignored the rest of the entry, so the format is compatible
 * both ways: this version opens old stores (their entries have no trailer: origin unknown), and an
 * older trainer opens a store written by this one (it sees the clips, and skips the removal entries as
 * clip ids it already has). A trailer is {@link #TRAILER_MAGIC} and one of:
 * <ul>
 *   <li>{@link #ORIGIN}: the topic, partition, offset, timestamp and key of the record the clip came
 *       from, and the size and SHA-256 of its value: what a dead letter names if the clip later turns
 *       out to break training;</li>
 *   <li>{@link #REMOVED}: the clip with this id (the entry's clip is a stub carrying only the id) is
 *       excluded from the set from here on, with a sequence number (1, 2, ...) and why. The online
 *       trainer dead-letters each removal once: the committed consumer offsets record up to which
 *       sequence number that is done (see {@code OnlineTrainer}), for this store's {@link #id()}.</li>
 * </ul>
 * Its methods are synchronized: the trainer's loop appends while {@code /health} and a training read.
 *
 * <p>The store's id (a random UUID, in {@code labeled-clips.id} next to the log) tells the trainer that
 * the removal numbers in the offsets' metadata are this store's and not a lost predecessor's.
 */
public final class LabeledClipStore implements AutoCloseable {

    static final String FILE = "labeled-clips.log";
    static final String ID_FILE = "labeled-clips.id";
    static final int TRAILER_MAGIC = 0x484B5431; // "HKT1"
    static final byte ORIGIN = 1;
    static final byte REMOVED = 2;
    /** Keys longer than this are kept as their SHA-256 only (a dead letter keeps no longer key either). */
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_TEXT_CHARS = 2_000;

    /** Where a stored clip's record was read: enough for a dead letter that points back at it. */
    public record ClipOrigin(String topic, int partition, long offset, long timestampMs, byte[] key,
                             String keySha256, Integer valueSize, String valueSha256) {
        /** Same record: same topic, partition and offset. */
        boolean sameRecord(ClipOrigin o) {
            return o != null && topic.equals(o.topic) && partition == o.partition && offset == o.offset;
        }

        public String where() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** A clip in the set; {@code origin} is null for clips stored before origins were kept. */
    public record StoredClip(AudioClip clip, ClipOrigin origin) {
        public String clipId() {
            return clip.getClipId();
        }
    }

    /** A clip taken out of the set, and why; {@code origin} is null when it was not known. */
    public record Removal(long seq, String clipId, String deviceId, ClipOrigin origin, String reason, String message,
                          long clipCreatedAtMs) {}

    /** What {@link #add} did. */
    public enum AddResult {
        /** A new clip id: appended. */
        ADDED,
        /** The very record that stored this clip, read again (after an aborted batch or a crash before commit). */
        ALREADY_STORED,
        /** Another record with a clip id already stored (or removed): not stored again. */
        DUPLICATE
    }

    private final Path file;
    private final FileChannel channel;
    private final String id;
    private final Map<String, StoredClip> clips = new LinkedHashMap<>();
    /** Every clip id ever stored, the removed ones too: a removed clip sent again is a duplicate, not a new clip. */
    private final Set<String> ids = new HashSet<>();
    private final Map<String, ClipOrigin> removedOrigins = new LinkedHashMap<>();
    private final List<Removal> removals = new ArrayList<>();
    private final SpecificDatumWriter<AudioClip> writer = new SpecificDatumWriter<>(AudioClip.class);
    private int duplicates;

    private LabeledClipStore(Path file, FileChannel channel, String id) {
        this.file = file;
        this.channel = channel;
        this.id = id;
    }

    public static LabeledClipStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        String id = readOrCreateId(dir.resolve(ID_FILE));
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        LabeledClipStore store = new LabeledClipStore(file, ch, id);
        try {
            store.load();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return store;
    }

    private static String readOrCreateId(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            String s = Files.readString(p).trim();
            if (!s.isEmpty()) {
                return s;
            }
        }
        String id = UUID.randomUUID().toString();
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, id + "\n");
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return id;
    }

    private void load() throws IOException {
        long size = channel.size();
        long pos = 0;
        TrustedAvroClasses.install();
        SpecificDatumReader<AudioClip> reader = new SpecificDatumReader<>(AudioClip.class);
        ByteBuffer len = ByteBuffer.allocate(4);
        while (pos + 4 <= size) {
            len.clear();
            channel.read(len, pos);
            len.flip();
            int n = len.getInt();
            if (n <= 0 || pos + 4 + n > size) {
                break; // torn tail
            }
            ByteBuffer body = ByteBuffer.allocate(n);
            while (body.hasRemaining() && channel.read(body, pos + 4 + body.position()) >= 0) {
                // read it all
            }
            try {
                ByteArrayInputStream in = new ByteArrayInputStream(body.array());
                BinaryDecoder d = DecoderFactory.get().directBinaryDecoder(in, null);
                AudioClip clip = reader.read(null, d);
                Trailer t = in.available() > 0 ? readTrailer(new DataInputStream(in)) : null;
                apply(clip, t);
            } catch (IOException | RuntimeException e) {
                break; // a half-written entry
            }
            pos += 4 + n;
        }
        if (pos < size) {
            channel.truncate(pos);
        }
        channel.position(pos);
    }

    private void apply(AudioClip clip, Trailer t) {
        String clipId = clip.getClipId();
        if (t instanceof RemovedTrailer r) {
            StoredClip gone = clips.remove(clipId);
            ClipOrigin origin = gone == null ? null : gone.origin();
            ids.add(clipId);
            removedOrigins.put(clipId, origin);
            removals.add(new Removal(r.seq, clipId, gone == null ? null : str(gone.clip().getDeviceId()), origin,
                    r.reason, r.message, gone == null ? 0 : gone.clip().getClipCreatedAtMs().toEpochMilli()));
            return;
        }
        if (ids.add(clipId)) {
            clips.put(clipId, new StoredClip(clip, t instanceof OriginTrailer o ? o.origin : null));
        }
    }

    /** Appends the clip with where it came from, unless its id is already stored; durable after {@link #sync}. */
    public synchronized AddResult add(AudioClip clip, ClipOrigin origin) throws IOException {
        String clipId = clip.getClipId();
        if (ids.contains(clipId)) {
            StoredClip had = clips.get(clipId);
            ClipOrigin known = had != null ? had.origin() : removedOrigins.get(clipId);
            if (origin != null && origin.sameRecord(known)) {
                return AddResult.ALREADY_STORED;
            }
            duplicates++;
            return AddResult.DUPLICATE;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(clip.getPcm().remaining() + 512);
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(clip, e);
        e.flush();
        if (origin != null) {
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(TRAILER_MAGIC);
            out.writeByte(ORIGIN);
            out.writeUTF(origin.topic());
            out.writeInt(origin.partition());
            out.writeLong(origin.offset());
            out.writeLong(origin.timestampMs());
            writeBytes(out, origin.key() != null && origin.key().length <= MAX_KEY_BYTES ? origin.key() : null);
            writeText(out, origin.keySha256());
            out.writeInt(origin.valueSize() == null ? -1 : origin.valueSize());
            writeText(out, origin.valueSha256());
            out.flush();
        }
        append(bytes.toByteArray());
        ids.add(clipId);
        clips.put(clipId, new StoredClip(clip, origin));
        return AddResult.ADDED;
    }

    /**
     * Takes the clip out of the set for good (a stub entry with its id and why); durable after
     * {@link #sync}. Its id stays known, so the same clip sent again is a duplicate.
     */
    public synchronized Removal remove(String clipId, String reason, String message) throws IOException {
        StoredClip gone = clips.get(clipId);
        if (gone == null) {
            throw new IllegalArgumentException("no stored clip " + clipId);
        }
        long seq = lastRemovalSeq() + 1;
        String why = cap(message);
        AudioClip stub = AudioClip.newBuilder().setClipId(clipId).setSource("").setSampleRate(0)
                .setPcm(ByteBuffer.allocate(0)).setCapturedAtMs(Instant.EPOCH).setClipCreatedAtMs(Instant.EPOCH).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(stub, e);
        e.flush();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(TRAILER_MAGIC);
        out.writeByte(REMOVED);
        out.writeLong(seq);
        out.writeUTF(cap(reason));
        out.writeUTF(why);
        out.flush();
        append(bytes.toByteArray());
        clips.remove(clipId);
        removedOrigins.put(clipId, gone.origin());
        Removal r = new Removal(seq, clipId, str(gone.clip().getDeviceId()), gone.origin(), reason, why,
                gone.clip().getClipCreatedAtMs().toEpochMilli());
        removals.add(r);
        return r;
    }

    /** Writes one entry; a failed write is cut off again, so the log never has a torn entry in its middle. */
    private void append(byte[] body) throws IOException {
        long start = channel.position();
        ByteBuffer buf = ByteBuffer.allocate(4 + body.length);
        buf.putInt(body.length).put(body).flip();
        try {
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
        } catch (IOException e) {
            try {
                channel.truncate(start);
                channel.position(start);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    public synchronized void sync() throws IOException {
        channel.force(false);
    }

    public synchronized int size() {
        return clips.size();
    }

    /** Clips whose id was already stored, since this store was opened. */
    public synchronized int duplicates() {
        return duplicates;
    }

    /** The clips with where each came from. */
    public synchronized List<StoredClip> entries() {
        return List.copyOf(clips.values());
    }

    /** Removals with a sequence number above {@code seq}. */
    public synchronized List<Removal> removalsAfter(long seq) {
        return removals.stream().filter(r -> r.seq() > seq).toList();
    }

    public synchronized long lastRemovalSeq() {
        return removals.isEmpty() ? 0 : removals.get(removals.size() - 1).seq();
    }

    /** A random id made when the store was first opened by this version. */
    public String id() {
        return id;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private sealed interface Trailer permits OriginTrailer, RemovedTrailer {}

    private record OriginTrailer(ClipOrigin origin) implements Trailer {}

    private record RemovedTrailer(long seq, String reason, String message) implements Trailer {}

    /** The trailer after the clip, or null when the bytes there are not one (then they are ignored, as old readers did). */
    private static Trailer readTrailer(DataInputStream in) throws IOException {
        if (in.available() < 5 || in.readInt() != TRAILER_MAGIC) {
            return null;
        }
        byte kind = in.readByte();
        if (kind == ORIGIN) {
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long ts = in.readLong();
            byte[] key = readBytes(in);
            String keySha = readText(in);
            int size = in.readInt();
            String sha = readText(in);
            return new OriginTrailer(new ClipOrigin(topic, partition, offset, ts, key, keySha, size < 0 ? null : size, sha));
        }
        if (kind == REMOVED) {
            return new RemovedTrailer(in.readLong(), in.readUTF(), in.readUTF());
        }
        return null;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        if (n > MAX_KEY_BYTES) {
            throw new IOException("a key of " + n + " bytes in a store entry");
        }
        return in.readNBytes(n);
    }

    private static void writeText(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(cap(s));
        }
    }

    private static String readText(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** writeUTF takes at most 65,535 bytes: a few thousand characters always fit. */
    private static String cap(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_TEXT_CHARS ? s : s.substring(0, MAX_TEXT_CHARS - 30) + "…(" + s.length() + " characters)";
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }
}
