package dev.hark.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.Test;

/** A stage on time asks for a commit at once, at most every MIN_GAP_MS; a stage behind leaves it to the interval. */
class CommitPacerTest {

    @Test
    void asksAtOnceWhenOnTimeAtMostOncePerGapAndNeverWhenBehind() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        CommitPacer pacer = new CommitPacer();
        long t = 1_000_000;
        context.setCurrentSystemTimeMs(t);
        assertTrue(pacer.forwarded(context, 30));
        assertTrue(context.committed());
        context.resetCommit();

        context.setCurrentSystemTimeMs(t + CommitPacer.MIN_GAP_MS - 1);
        assertFalse(pacer.forwarded(context, 30), "within the gap");
        assertFalse(context.committed());
        context.setCurrentSystemTimeMs(t + CommitPacer.MIN_GAP_MS);
        assertTrue(pacer.owed(context), "once the gap has passed, the held-back commit is asked for");
        assertTrue(context.committed());
        context.resetCommit();
        assertFalse(pacer.owed(context), "and only once");
        t += CommitPacer.MIN_GAP_MS;

        context.setCurrentSystemTimeMs(t + CommitPacer.MIN_GAP_MS);
        assertTrue(pacer.forwarded(context, CommitPacer.BEHIND_MS));
        assertTrue(context.committed());
        context.resetCommit();

        context.setCurrentSystemTimeMs(t + 10 * CommitPacer.MIN_GAP_MS);
        assertFalse(pacer.forwarded(context, CommitPacer.BEHIND_MS + 1), "behind: the interval commits");
        assertFalse(context.committed());
        assertTrue(pacer.forwarded(context, 0), "on time again");
        context.resetCommit();

        context.setCurrentSystemTimeMs(t + 10 * CommitPacer.MIN_GAP_MS + 1);
        assertFalse(new CommitPacer().forwarded(context, 0), "another task of this thread asked just now");
        assertFalse(context.committed());
    }
}
