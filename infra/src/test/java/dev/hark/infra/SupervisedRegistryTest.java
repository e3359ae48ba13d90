package dev.hark.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The restart spacing; the restarts themselves are tested on `hark up` (UpRegistrySupervisionTest). */
class SupervisedRegistryTest {

    @Test
    void backoffDoublesFromOneSecondUpToThirty() {
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L),
                IntStream.range(0, 7).mapToObj(i -> SupervisedRegistry.backoff(i).toSeconds()).toList());
        assertEquals(Duration.ofSeconds(30), SupervisedRegistry.backoff(1000));
    }
}
