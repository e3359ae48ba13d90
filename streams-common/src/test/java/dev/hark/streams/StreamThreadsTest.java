package dev.hark.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;

import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.TopologyDescription;

import org.junit.jupiter.api.Test;

/** Stream threads default to the cores, but no more than the topology has tasks. */
class StreamThreadsTest {

    @Test
    void coresCappedByTasksAtLeastOne() {
        assertEquals(2, StreamApps.streamThreads(2, 3));
        assertEquals(3, StreamApps.streamThreads(8, 3));
        assertEquals(1, StreamApps.streamThreads(8, 1));
        assertEquals(1, StreamApps.streamThreads(1, 12));
        assertEquals(1, StreamApps.streamThreads(8, 0), "unknown tasks: one thread");
        assertEquals(1, StreamApps.streamThreads(0, 5));
    }

    @Test
    void tasksArePartitionsPerSubTopologySummed() {
        StreamsBuilder b = new StreamsBuilder();
        b.stream("a").to("b");         // sub-topology 0: a (3 partitions) -> 3 tasks
        b.stream("b").to("c");         // sub-topology 1: b (6 partitions) -> 6 tasks
        b.stream(Set.of("d", "e")).to("f"); // sub-topology 2: max(d 2, e unknown) -> 2 tasks
        b.globalTable("models");       // global: no tasks
        TopologyDescription description = b.build().describe();
        Map<String, Integer> partitions = Map.of("a", 3, "b", 6, "d", 2, "models", 1);
        assertEquals(Set.of("a", "b", "d", "e"), StreamApps.sourceTopics(description));
        assertEquals(11, StreamApps.tasks(description, partitions::get));
        assertEquals(3, StreamApps.tasks(description, t -> null), "unknown partitions count as one");
    }
}
