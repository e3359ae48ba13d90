package dev.hark.audio;

import dev.hark.audio.AudioFormatException.Reason;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Decodes WAV files to mono float audio.
 *
 * <p>Accepted: RIFF (little-endian) and RIFX (big-endian) WAVE files with WAVE_FORMAT_PCM (8-bit
 * unsigned, 16/24/32-bit signed, and wider containers with left-justified samples),
 * WAVE_FORMAT_IEEE_FLOAT (32/64-bit), and WAVE_FORMAT_EXTENSIBLE with a PCM or float sub-format; any
 * channel count (averaged to mono) and any rate in [{@value #MIN_RATE}, {@value #MAX_RATE}] Hz.
 * Chunks other than {@code fmt } and {@code data} are skipped.
 *
 * <p>Leniencies, because real files have them: a trailing partial sample frame is ignored; a data
 * size of 0xFFFFFFFF (what writers that stream to a pipe leave behind) means "up to the end of the
 * file"; float samples beyond ±1 are clipped to ±1. Anything else that does not add up is an
 * {@link AudioFormatException} naming the file and the problem; a data chunk shorter than it
 * declares is {@link Reason#TRUNCATED}, not silently decoded, since a cut-off digit is a wrong digit.
 *
 * <p>Stateless and thread-safe.
 */
public final class WavDecoder {

    public static final int MIN_RATE = 1_000;
    public static final int MAX_RATE = 384_000;

    private static final int FORMAT_PCM = 0x0001;
    private static final int FORMAT_IEEE_FLOAT = 0x0003;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;
    private static final long UNKNOWN_SIZE = 0xFFFF_FFFFL;
    /** Bytes 4..15 of KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT as stored in a little-endian file. */
    private static final int[] GUID_TAIL_LE = {0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    private static final int[] GUID_TAIL_BE = {0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
    /** A little-endian int16 read from any byte offset: one load instead of two bytes and a shift. */
    static final VarHandle INT16_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private WavDecoder() {
    }

    /** Reads and decodes a file; read failures are {@link IOException}s, bad content {@link AudioFormatException}s. */
    public static Audio decode(Path file) throws IOException {
        String name = file.toString();
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new AudioFormatException(Reason.TOO_LARGE, name,
                    size + " bytes; files over " + MAX_FILE_BYTES + " bytes are not clips");
        }
        return decode(Files.readAllBytes(file), name);
    }

    /**
     * Decodes a whole WAV file held in memory.
     *
     * @param name used in error messages only, e.g. the file name or record id
     */
    public static Audio decode(byte[] wav, String name) {
        return new Parser(wav, name).parse();
    }

    /** One decode: the bytes, their byte order once known, and where we are. */
    private static final class Parser {
        private final byte[] b;
        private final String name;
        private boolean bigEndian;

        private int channels;
        private long sampleRate;
        private int blockAlign;
        private int bitsPerSample;
        private boolean sawFmt;
        private SampleFormat format;
        private int containerBytes;

        Parser(byte[] bytes, String name) {
            this.b = bytes;
            this.name = name;
        }

        Audio parse() {
            String magic = b.length >= 4 ? new String(b, 0, 4, StandardCharsets.ISO_8859_1) : "";
            if (magic.equals("RIFF") || magic.equals("RIFX")) {
                bigEndian = magic.equals("RIFX");
            } else if (magic.equals("RF64") || magic.equals("BW64")) {
                throw fail(Reason.UNSUPPORTED_ENCODING, magic + " (64-bit WAV) files are not supported; convert to a plain WAV");
            } else {
                throw fail(Reason.NOT_WAV, "no RIFF/RIFX header (" + describeMagic() + ")");
            }
            if (b.length < 12) {
                throw fail(Reason.TRUNCATED, "file is " + b.length + " bytes, shorter than a RIFF header");
            }
            String type = new String(b, 8, 4, StandardCharsets.ISO_8859_1);
            if (!type.equals("WAVE")) {
                throw fail(Reason.NOT_WAV, "a RIFF file of type '" + printable(type) + "', not 'WAVE'");
            }
            long riffEnd = 8 + u32(4);

            int pos = 12;
            while (pos + 8 <= b.length) {
                String id = new String(b, pos, 4, StandardCharsets.ISO_8859_1);
                long size = u32(pos + 4);
                int body = pos + 8;
                long available = b.length - (long) body;
                if (id.equals("data")) {
                    if (!sawFmt) {
                        throw fail(Reason.MALFORMED, "data chunk comes before any fmt chunk");
                    }
                    if (size == UNKNOWN_SIZE) {
                        size = available;
                    } else if (size > available) {
                        throw fail(Reason.TRUNCATED, String.format(Locale.ROOT,
                                "data chunk declares %d bytes (%.3f s) but only %d follow (%.3f s): the file is cut short",
                                size, seconds(size), available, seconds(available)));
                    }
                    return samples(body, (int) size);
                }
                if (size > available) {
                    throw fail(Reason.TRUNCATED, "'" + printable(id) + "' chunk at byte " + pos + " declares " + size
                            + " bytes but only " + available + " follow, and no data chunk came before it");
                }
                if (id.equals("fmt ")) {
                    fmt(body, (int) size);
                }
                pos = body + (int) size + (int) (size & 1); // chunks are padded to even sizes
            }
            if (pos < b.length || riffEnd > b.length) {
                throw fail(Reason.TRUNCATED, "the file ends after " + b.length + " bytes, before any data chunk"
                        + (riffEnd > b.length ? " (its RIFF header declares " + riffEnd + ")" : ""));
            }
            if (!sawFmt) {
                throw fail(Reason.MALFORMED, "neither a fmt nor a data chunk");
            }
            throw fail(Reason.MALFORMED, "no data chunk");
        }

        private void fmt(int at, int size) {
            if (size < 16) {
                throw fail(Reason.MALFORMED, "fmt chunk is " + size + " bytes, at least 16 are needed");
            }
            int tag = u16(at);
            channels = u16(at + 2);
            sampleRate = u32(at + 4);
            blockAlign = u16(at + 12);
            bitsPerSample = u16(at + 14);
            String formatName = formatName(tag);
            int code = tag;
            if (tag == FORMAT_EXTENSIBLE) {
                if (size < 40 || u16(at + 16) < 22) {
                    throw fail(Reason.MALFORMED, "WAVE_FORMAT_EXTENSIBLE fmt chunk is too short for its sub-format ("
                            + size + " bytes)");
                }
                int guid = at + 24;
                long subFormat = u32(guid);
                int[] tail = bigEndian ? GUID_TAIL_BE : GUID_TAIL_LE;
                for (int i = 0; i < tail.length; i++) {
                    if ((b[guid + 4 + i] & 0xff) != tail[i]) {
                        throw fail(Reason.UNSUPPORTED_ENCODING, "WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID");
                    }
                }
                code = subFormat > 0xFFFF ? -1 : (int) subFormat;
                formatName = "WAVE_FORMAT_EXTENSIBLE/" + formatName(code);
            }
            if (code != FORMAT_PCM && code != FORMAT_IEEE_FLOAT) {
                throw fail(Reason.UNSUPPORTED_ENCODING, formatName + " is not supported; only PCM and IEEE float WAV files are");
            }
            if (channels == 0) {
                throw fail(Reason.MALFORMED, "fmt chunk declares 0 channels");
            }
            if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
                throw fail(Reason.BAD_RATE, "sample rate " + sampleRate + " Hz is outside " + MIN_RATE + "–" + MAX_RATE + " Hz");
            }
            if (bitsPerSample == 0) {
                throw fail(Reason.MALFORMED, "fmt chunk declares 0 bits per sample");
            }
            int bytes = (bitsPerSample + 7) / 8;
            // a block wider than channels * bytes means samples sit left-justified in wider containers
            if (blockAlign == channels * bytes) {
                containerBytes = bytes;
            } else if (blockAlign > channels * bytes && blockAlign % channels == 0) {
                containerBytes = blockAlign / channels;
            } else {
                throw fail(Reason.MALFORMED, "block align " + blockAlign + " does not fit " + channels + " channel(s) of "
                        + bitsPerSample + "-bit samples");
            }
            if (code == FORMAT_IEEE_FLOAT) {
                if (bitsPerSample == 32 && containerBytes == 4) {
                    format = SampleFormat.FLOAT32;
                } else if (bitsPerSample == 64 && containerBytes == 8) {
                    format = SampleFormat.FLOAT64;
                } else {
                    throw fail(Reason.UNSUPPORTED_ENCODING, bitsPerSample + "-bit float in " + containerBytes
                            + "-byte containers is not supported; only 32- and 64-bit float are");
                }
            } else {
                if (bitsPerSample < 8 || containerBytes > 4) {
                    throw fail(Reason.UNSUPPORTED_ENCODING, bitsPerSample + "-bit PCM in " + containerBytes
                            + "-byte containers is not supported; only 8- to 32-bit PCM is");
                }
                format = switch (containerBytes) {
                    case 1 -> SampleFormat.PCM_U8;
                    case 2 -> SampleFormat.PCM_S16;
                    case 3 -> SampleFormat.PCM_S24;
                    default -> SampleFormat.PCM_S32;
                };
            }
            sawFmt = true;
        }

        private Audio samples(int at, int size) {
            int frames = size / blockAlign;
            if (frames == 0) {
                throw fail(Reason.EMPTY, "the data chunk holds no samples (" + size + " bytes)");
            }
            float[] out = new float[frames];
            if (format == SampleFormat.PCM_S16 && channels == 1 && !bigEndian) {
                // the FSDD/Kafka case, worth a loop of its own
                java.util.Objects.checkFromIndexSize(at, 2 * frames, b.length); // lets the JIT drop per-sample checks
                for (int i = 0; i < frames; i++) {
                    out[i] = (short) INT16_LE.get(b, at + 2 * i) * (1f / 32768f);
                }
            } else {
                double scale = 1.0 / channels;
                for (int i = 0, p = at; i < frames; i++) {
                    double sum = 0;
                    for (int c = 0; c < channels; c++, p += containerBytes) {
                        sum += sample(p, at);
                    }
                    out[i] = (float) (sum * scale);
                }
            }
            return new Audio(out, (int) sampleRate, channels, format);
        }

        private double sample(int p, int dataStart) {
            switch (format) {
                case PCM_U8:
                    return ((b[p] & 0xff) - 128) / 128.0;
                case FLOAT32: {
                    float v = Float.intBitsToFloat((int) u32(p));
                    return clip(v, p, dataStart);
                }
                case FLOAT64: {
                    long hi = u32(bigEndian ? p : p + 4);
                    long lo = u32(bigEndian ? p + 4 : p);
                    return clip(Double.longBitsToDouble(hi << 32 | lo), p, dataStart);
                }
                default: {
                    // signed PCM in 2..4 byte containers: assemble the top bytes, scale by the container
                    int v = 0;
                    int n = containerBytes;
                    for (int k = 0; k < n; k++) {
                        int byteIndex = bigEndian ? p + k : p + n - 1 - k;
                        v = (v << 8) | (b[byteIndex] & 0xff);
                    }
                    v <<= 32 - 8 * n; // sign-extend via the int's top bit
                    return v / 2147483648.0;
                }
            }
        }

        private double clip(double v, int p, int dataStart) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                long sample = (p - dataStart) / containerBytes;
                throw fail(Reason.MALFORMED, "sample " + sample + " (frame " + sample / channels + ") is " + v);
            }
            return Math.max(-1.0, Math.min(1.0, v));
        }

        private double seconds(long bytes) {
            return bytes / (double) Math.max(1, blockAlign) / Math.max(1, sampleRate);
        }

        private int u16(int at) {
            return bigEndian
                    ? (b[at] & 0xff) << 8 | (b[at + 1] & 0xff)
                    : (b[at + 1] & 0xff) << 8 | (b[at] & 0xff);
        }

        private long u32(int at) {
            long hi = u16(bigEndian ? at : at + 2);
            long lo = u16(bigEndian ? at + 2 : at);
            return hi << 16 | lo;
        }

        private AudioFormatException fail(Reason reason, String detail) {
            return new AudioFormatException(reason, name, detail);
        }

        private String describeMagic() {
            if (b.length == 0) {
                return "the file is empty";
            }
            String head = new String(b, 0, Math.min(4, b.length), StandardCharsets.ISO_8859_1);
            if (head.equals("fLaC")) {
                return "it looks like FLAC";
            }
            if (head.equals("OggS")) {
                return "it looks like Ogg";
            }
            if (head.startsWith("ID3") || (b.length > 1 && (b[0] & 0xff) == 0xFF && (b[1] & 0xE0) == 0xE0)) {
                return "it looks like MP3";
            }
            if (head.equals("FORM")) {
                return "it looks like AIFF";
            }
            return "it starts with '" + printable(head) + "'";
        }

        private static String printable(String s) {
            StringBuilder out = new StringBuilder();
            for (char c : s.toCharArray()) {
                if (c >= 0x20 && c < 0x7f) {
                    out.append(c);
                } else {
                    out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                }
            }
            return out.toString();
        }

        private static String formatName(int code) {
            return switch (code) {
                case 0x0001 -> "PCM";
                case 0x0002 -> "MS ADPCM";
                case 0x0003 -> "IEEE float";
                case 0x0006 -> "A-law";
                case 0x0007 -> "mu-law";
                case 0x0011 -> "IMA ADPCM";
                case 0x0031 -> "GSM 6.10";
                case 0x0050 -> "MPEG";
                case 0x0055 -> "MPEG layer 3";
                case -1 -> "non-standard";
                default -> String.format(Locale.ROOT, "format 0x%04X", code);
            };
        }
    }
}
