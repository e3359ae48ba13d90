package dev.hark.audio;

/** How the samples of a decoded file were stored, kept for reports and error messages. */
public enum SampleFormat {
    PCM_U8(8, false),
    PCM_S16(16, false),
    PCM_S24(24, false),
    PCM_S32(32, false),
    FLOAT32(32, true),
    FLOAT64(64, true);

    private final int bits;
    private final boolean floatingPoint;

    SampleFormat(int bits, boolean floatingPoint) {
        this.bits = bits;
        this.floatingPoint = floatingPoint;
    }

    /** Bits per sample as stored (a clip's bit depth in reports). */
    public int bits() {
        return bits;
    }

    public boolean floatingPoint() {
        return floatingPoint;
    }

    @Override
    public String toString() {
        return floatingPoint ? bits + "-bit float" : (bits == 8 ? "8-bit unsigned PCM" : bits + "-bit PCM");
    }
}
