package dev.hark.producer.device;

import java.io.IOException;

/** Where a device's audio comes from: a microphone, or a file played as if spoken. */
public interface AudioSource extends AutoCloseable {

    int sampleRate();

    /** What it is, for the user: "microphone 'Built-in' at 16000 Hz", "7_theo_30.wav (0.4 s) in real time". */
    String describe();

    /**
     * Blocks until {@code buffer} is full of newly captured samples (fewer only at the end of a file);
     * returns how many were read, or -1 when there is nothing more.
     */
    int read(short[] buffer) throws IOException;

    /** Wall clock when the first sample of the last {@link #read} was captured. */
    long capturedAtMs();

    @Override
    void close();
}
