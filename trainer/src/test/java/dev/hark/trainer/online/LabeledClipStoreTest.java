package dev.hark.trainer.online;

import dev.hark.avro.AudioClip;
import dev.hark.trainer.online.LabeledClipStore.AddResult;
import dev.hark.trainer.online.LabeledClipStore.ClipOrigin;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store's format is compatible both ways: it opens a store written before origins and removals
 * existed, and the reader of that version (copied below) still reads what this one writes.
 */
class LabeledClipStoreTest {

    @Test
    void opensALegacyStoreAndKeepsOriginsAndRemovalsAcrossReopening(@TempDir Path dir) throws IOException {
        writeLegacy(dir.resolve(LabeledClipStore.FILE), List.of(clip("old-1", 3, 100), clip("old-2", 4, 101)));
        ClipOrigin o3 = new ClipOrigin("audio.clips.labeled", 2, 41, 1234, "new-3".getBytes(StandardCharsets.UTF_8),
                "sha-of-key", 999, "sha-of-value");
        String id;
        try (LabeledClipStore store = LabeledClipStore.open(dir)) {
            id = store.id();
            assertEquals(2, store.size());
            assertNull(store.entries().get(0).origin(), "a legacy entry has no origin");
            assertEquals(AddResult.ADDED, store.add(clip("new-3", 5, 102), o3));
            assertEquals(AddResult.ALREADY_STORED, store.add(clip("new-3", 5, 102), o3), "the same record read again");
            assertEquals(AddResult.DUPLICATE, store.add(clip("new-3", 5, 102),
                    new ClipOrigin("audio.clips.labeled", 2, 42, 1, null, null, 1, "x")), "another record, same clip id");
            store.remove("old-1", "training-error", "legacy and broken");
            store.remove("new-3", "training-error", "broken too");
            store.sync();
        }
        try (LabeledClipStore store = LabeledClipStore.open(dir)) {
            assertEquals(id, store.id(), "the store keeps its id");
            assertEquals(List.of("old-2"), store.entries().stream().map(LabeledClipStore.StoredClip::clipId).toList());
            assertEquals(2, store.lastRemovalSeq());
            var removals = store.removalsAfter(0);
            assertEquals(List.of(1L, 2L), removals.stream().map(LabeledClipStore.Removal::seq).toList());
            assertNull(removals.get(0).origin());
            ClipOrigin back = removals.get(1).origin();
            assertEquals(o3.where(), back.where());
            assertEquals(1234, back.timestampMs());
            assertArrayEquals(o3.key(), back.key());
            assertEquals(999, back.valueSize());
            assertEquals("sha-of-value", back.valueSha256());
            assertEquals("broken too", removals.get(1).message());
            assertEquals(1, store.removalsAfter(1).size());
            assertEquals(AddResult.DUPLICATE, store.add(clip("old-1", 3, 100), null), "a removed clip sent again stays out");
            assertEquals(AddResult.ALREADY_STORED, store.add(clip("new-3", 5, 102), o3),
                    "a removed clip's own record read again is not a duplicate");
            assertFalse(stored(store, "new-3"));
        }
        // the reader before this version: sees every clip ever added (removals are stubs of ids it has)
        assertEquals(List.of("old-1", "old-2", "new-3"), legacyRead(dir.resolve(LabeledClipStore.FILE)));
    }

    @Test
    void cutsATornTail(@TempDir Path dir) throws IOException {
        try (LabeledClipStore store = LabeledClipStore.open(dir)) {
            store.add(clip("a", 1, 10), new ClipOrigin("t", 0, 0, 0, null, null, 10, "s"));
            store.add(clip("b", 2, 10), new ClipOrigin("t", 0, 1, 0, null, null, 10, "s"));
            store.sync();
        }
        Path file = dir.resolve(LabeledClipStore.FILE);
        long whole = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(whole - 7);
        }
        try (LabeledClipStore store = LabeledClipStore.open(dir)) {
            assertEquals(1, store.size());
            assertTrue(stored(store, "a"));
            assertEquals(AddResult.ADDED, store.add(clip("b", 2, 10), new ClipOrigin("t", 0, 1, 0, null, null, 10, "s")));
        }
        try (LabeledClipStore store = LabeledClipStore.open(dir)) {
            assertEquals(2, store.size());
        }
    }

    static AudioClip clip(String id, int label, int samples) {
        return AudioClip.newBuilder().setClipId(id).setSource("test").setSampleRate(8000)
                .setPcm(ByteBuffer.wrap(new byte[2 * samples])).setLabel(label).setSpeaker("ann")
                .setCapturedAtMs(Instant.ofEpochMilli(5)).setClipCreatedAtMs(Instant.ofEpochMilli(6)).build();
    }

    /** What the store before origins wrote: {@code [int length][Avro AudioClip]} per clip. */
    static void writeLegacy(Path file, List<AudioClip> clips) throws IOException {
        Files.createDirectories(file.getParent());
        SpecificDatumWriter<AudioClip> writer = new SpecificDatumWriter<>(AudioClip.class);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (AudioClip c : clips) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
            writer.write(c, e);
            e.flush();
            all.writeBytes(ByteBuffer.allocate(4).putInt(bytes.size()).array());
            all.writeBytes(bytes.toByteArray());
        }
        Files.write(file, all.toByteArray(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The load loop of the store before origins (commit a7ecc6e), returning the clip ids it keeps. */
    static List<String> legacyRead(Path file) throws IOException {
        List<String> kept = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
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
                    break;
                }
                ByteBuffer body = ByteBuffer.allocate(n);
                channel.read(body, pos + 4);
                try {
                    BinaryDecoder d = DecoderFactory.get().binaryDecoder(body.array(), null);
                    AudioClip clip = reader.read(null, d);
                    if (ids.add(clip.getClipId())) {
                        kept.add(clip.getClipId());
                    }
                } catch (IOException | RuntimeException e) {
                    break;
                }
                pos += 4 + n;
            }
            assertEquals(size, pos, "the old reader reads the whole file (it would cut it where it stops)");
        }
        return kept;
    }

    static boolean stored(LabeledClipStore store, String clipId) {
        return store.entries().stream().anyMatch(e -> e.clipId().equals(clipId));
    }
}
