package dev.hark.producer.simulate;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * One simulated speaker at a microphone: low room noise, then a recording, then a pause of random
 * length, and so on. Produces its audio a chunk at a time and reports, for each recording, the
 * session sample range it occupies — what the simulation later matches predictions against.
 */
final class SimulatedDevice {

    /** A recording placed in the device's stream: samples {@code [start, end)} of the session. */
    record Spoken(String deviceId, String sessionId, long start, long end, Recording recording) {
    }

    private final String deviceId;
    private final String sessionId;
    private final ArrayDeque<Recording> script;
    private final boolean refill;
    private final List<Recording> pool;
    private final Random random;
    private final int rate;
    private final int minGap;
    private final int maxGap;
    private final short[] noise;
    private final Consumer<Spoken> onSpoken;

    private long position;          // next sample of the session
    private Recording current;      // being spoken, or null during a pause
    private int offsetInCurrent;
    private long pauseLeft;         // samples of pause before the next recording
    private boolean stopRequested;  // no new recording after the current one
    private boolean finished;       // final pause done: nothing more to send

    SimulatedDevice(String deviceId, String sessionId, List<Recording> script, boolean refill, List<Recording> pool,
                    Random random, int rate, int minGapMs, int maxGapMs, short[] noise, Consumer<Spoken> onSpoken) {
        this.deviceId = deviceId;
        this.sessionId = sessionId;
        this.script = new ArrayDeque<>(script);
        this.refill = refill;
        this.pool = pool;
        this.random = random;
        this.rate = rate;
        this.minGap = minGapMs * rate / 1000;
        this.maxGap = maxGapMs * rate / 1000;
        this.noise = noise;
        this.onSpoken = onSpoken;
        // devices start at different moments, like people do
        this.pauseLeft = minGap + random.nextInt(Math.max(1, maxGap));
    }

    String deviceId() {
        return deviceId;
    }

    String sessionId() {
        return sessionId;
    }

    boolean finished() {
        return finished;
    }

    /** Finish the recording being spoken (and the pause after it), then go quiet. */
    void stop() {
        stopRequested = true;
    }

    /** The next {@code n} samples: noise everywhere, a recording mixed in where one is spoken. */
    short[] next(int n) {
        short[] out = new short[n];
        int noiseAt = random.nextInt(noise.length);
        for (int i = 0; i < n; i++) {
            int v = noise[(noiseAt + i) % noise.length];
            if (current == null && pauseLeft == 0 && !finished) {
                startNext();
            }
            if (current != null) {
                v += current.pcm()[offsetInCurrent++];
                if (offsetInCurrent == current.pcm().length) {
                    current = null;
                    pauseLeft = minGap + random.nextInt(Math.max(1, maxGap - minGap + 1));
                }
            } else if (pauseLeft > 0) {
                pauseLeft--;
            }
            out[i] = (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
            position++;
        }
        return out;
    }

    private void startNext() {
        if (script.isEmpty() && refill && !stopRequested) {
            script.add(pool.get(random.nextInt(pool.size())));
        }
        if (stopRequested || script.isEmpty()) {
            finished = true;
            return;
        }
        current = script.poll();
        offsetInCurrent = 0;
        onSpoken.accept(new Spoken(deviceId, sessionId, position, position + current.pcm().length, current));
    }

    /** Gaussian noise at {@code rms} of full scale, precomputed once and read at random offsets. */
    static short[] noise(double rms, long seed) {
        Random r = new Random(seed);
        short[] out = new short[1 << 16];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) Math.round(r.nextGaussian() * rms * 32767);
        }
        return out;
    }
}
