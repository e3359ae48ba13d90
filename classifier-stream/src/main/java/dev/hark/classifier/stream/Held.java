package dev.hark.classifier.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A feature record waiting in the classifier's store (its key: {@link #storeKey}; its value: the record's own
 * bytes, unchanged) (for its micro-batch, or for a champion): its
 * original key and bytes, timestamp and where it was read, so that whatever happens to it later
 * (prediction or dead letter) is told exactly as if it had happened on arrival.
 */
record Held(long timestamp, String topic, int partition, long offset, String key, byte[] value) {

    /**
     * The record's key in the pending store: {@code seq} (8 bytes, big-endian, so the store iterates in arrival
     * order), then timestamp, partition, offset, topic and key. The value is stored as it came, not copied.
     */
    byte[] storeKey(long seq) {
        byte[] t = topic == null ? new byte[0] : topic.getBytes(StandardCharsets.UTF_8);
        byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 8 + 4 + 8 + 4 + t.length + 4 + (k == null ? 0 : k.length));
        b.putLong(seq).putLong(timestamp).putInt(partition).putLong(offset);
        b.putInt(topic == null ? -1 : t.length).put(t);
        b.putInt(k == null ? -1 : k.length);
        if (k != null) {
            b.put(k);
        }
        return b.array();
    }

    /** The sequence number at the head of a store key (also of an 8-byte key written before store keys carried more). */
    static long seq(byte[] storeKey) {
        return ByteBuffer.wrap(storeKey).getLong();
    }

    /**
     * A held record from its store entry: a {@link #storeKey} and the record's bytes, or, as written by
     * earlier versions, an 8-byte sequence key and an {@link #encode()}d value.
     */
    static Held fromStore(byte[] storeKey, byte[] value) {
        if (storeKey.length == 8) {
            return decode(value);
        }
        ByteBuffer b = ByteBuffer.wrap(storeKey);
        b.getLong(); // seq
        return readFields(b, storeKey, value == null ? new byte[0] : value);
    }

    /** The format of earlier versions' store values: what {@link #fromStore} still reads (HeldTest writes it). */
    byte[] encode() {
        byte[] t = topic == null ? new byte[0] : topic.getBytes(StandardCharsets.UTF_8);
        byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 8 + 4 + t.length + 4 + (k == null ? 0 : k.length) + value.length);
        b.putLong(timestamp).putInt(partition).putLong(offset);
        b.putInt(topic == null ? -1 : t.length).put(t);
        b.putInt(k == null ? -1 : k.length);
        if (k != null) {
            b.put(k);
        }
        b.put(value);
        return b.array();
    }

    static Held decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        return readFields(b, bytes, null);
    }

    /**
     * Timestamp, partition, offset, topic and key, as both forms write them; the value is {@code value},
     * or when null what follows the key in {@code bytes}.
     */
    private static Held readFields(ByteBuffer b, byte[] bytes, byte[] value) {
        long timestamp = b.getLong();
        int partition = b.getInt();
        long offset = b.getLong();
        int tl = b.getInt();
        String topic = null;
        if (tl >= 0) {
            topic = new String(bytes, b.position(), tl, StandardCharsets.UTF_8);
            b.position(b.position() + tl);
        }
        int kl = b.getInt();
        String key = null;
        if (kl >= 0) {
            key = new String(bytes, b.position(), kl, StandardCharsets.UTF_8);
            b.position(b.position() + kl);
        }
        if (value == null) {
            value = new byte[b.remaining()];
            b.get(value);
        }
        return new Held(timestamp, topic, partition, offset, key, value);
    }
}
