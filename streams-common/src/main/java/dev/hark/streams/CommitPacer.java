package dev.hark.streams;

import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * When a stage asks Kafka Streams to commit. Under exactly-once what a stage forwards is visible downstream
 * only once its transaction commits, and a commit is not free: the producer is flushed and waited for,
 * offsets are sent, and the broker writes markers to every partition the transaction touched (at 1,000
 * devices a stream thread spent half its time waiting in commits made every 20 ms: docs/benchmarks.md).
 *
 * <p>So the commit interval is long ({@link StreamApps#COMMIT_INTERVAL_MS}), and a stage that has just
 * forwarded something a user is waiting for (a clip, its features, a prediction) asks for a commit at once —
 * at most every {@link #MIN_GAP_MS} — unless it is behind: when what it forwarded had already waited more than
 * {@link #BEHIND_MS}, the task is working through a backlog, commits on the interval and spends its time
 * catching up. A lightly loaded service answers as with a short interval; a loaded one batches, and its lag
 * settles around {@link #BEHIND_MS} instead of growing.
 *
 * <p>The gap is kept per stream thread, not per task: under exactly-once v2 a commit commits every task of
 * the thread in one transaction, so six tasks asking every 20 ms would commit a thread six times as often.
 */
public final class CommitPacer {
    /** At most one requested commit per this long (what the fixed interval used to be). */
    public static final long MIN_GAP_MS = 20;
    /** Forwarded records that waited longer than this do not ask for a commit. */
    public static final long BEHIND_MS = 500;

    private final long minGapMs;
    private final long behindMs;
    /** When this thread last asked for a commit (a stream thread runs all its tasks' processors). */
    private static final ThreadLocal<long[]> LAST_REQUEST_MS = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE / 2});
    /** Output forwarded on time whose commit the gap held back: asked for by the next {@link #owed} after it. */
    private static final ThreadLocal<boolean[]> OWED = ThreadLocal.withInitial(() -> new boolean[1]);

    public CommitPacer() {
        this(MIN_GAP_MS, BEHIND_MS);
    }

    public CommitPacer(long minGapMs, long behindMs) {
        this.minGapMs = minGapMs;
        this.behindMs = behindMs;
    }

    /**
     * A record a user waits for was forwarded, {@code lagMs} after what it answers happened (or was made
     * upstream); asks for a commit when that is worth it.
     *
     * @return whether a commit was asked for
     */
    public boolean forwarded(ProcessorContext<?, ?> context, long lagMs) {
        if (lagMs > behindMs) {
            return false;
        }
        OWED.get()[0] = true;
        return owed(context);
    }

    /**
     * Asks for the commit a record forwarded on time is still owed, once the gap has passed; stages call it
     * with every record and punctuation, so such a record waits at most about {@link #MIN_GAP_MS}, as under
     * a 20 ms interval, not the whole interval.
     *
     * @return whether a commit was asked for
     */
    public boolean owed(ProcessorContext<?, ?> context) {
        boolean[] owed = OWED.get();
        if (!owed[0]) {
            return false;
        }
        long now = context.currentSystemTimeMs();
        long[] last = LAST_REQUEST_MS.get();
        if (now - last[0] < minGapMs) {
            return false;
        }
        last[0] = now;
        owed[0] = false;
        context.commit();
        return true;
    }
}
