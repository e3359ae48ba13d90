package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The online trainer's labeled set on local disk: an append-only log of {@link AudioClip}s
 * ({@code [int length][Avro binary]} per clip, with this build's schema). The consumer commits its
 * offsets only after {@link #sync}, so a restart neither loses clips nor has to re-read the topic; a
 * clip id seen twice (a replay published again, or a crash between sync and commit) is kept once. A
 * torn last entry from a crash is cut off when the store opens.
 */
public final class LabeledClipStore implements AutoCloseable {

    static final String FILE = "labeled-clips.log";

    private final Path file;
    private final FileChannel channel;
    private final List<AudioClip> clips = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private final SpecificDatumWriter<AudioClip> writer = new SpecificDatumWriter<>(AudioClip.class);
    private int duplicates;

    private LabeledClipStore(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    public static LabeledClipStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        LabeledClipStore store = new LabeledClipStore(file, ch);
        store.load();
        return store;
    }

    private void load() throws IOException {
        long size = channel.size();
        long pos = 0;
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
            channel.read(body, pos + 4);
            try {
                BinaryDecoder d = DecoderFactory.get().binaryDecoder(body.array(), null);
                AudioClip clip = reader.read(null, d);
                if (ids.add(clip.getClipId())) {
                    clips.add(clip);
                }
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

    /** Appends the clip unless its id is already stored; true when it was new. Durable after {@link #sync}. */
    public boolean add(AudioClip clip) throws IOException {
        if (!ids.add(clip.getClipId())) {
            duplicates++;
            return false;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(clip.getPcm().remaining() + 256);
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(clip, e);
        e.flush();
        ByteBuffer buf = ByteBuffer.allocate(4 + bytes.size());
        buf.putInt(bytes.size()).put(bytes.toByteArray()).flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
        clips.add(clip);
        return true;
    }

    public void sync() throws IOException {
        channel.force(false);
    }

    public int size() {
        return clips.size();
    }

    /** Clips whose id was already stored, since this store was opened. */
    public int duplicates() {
        return duplicates;
    }

    public List<AudioClip> clips() {
        return List.copyOf(clips);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
