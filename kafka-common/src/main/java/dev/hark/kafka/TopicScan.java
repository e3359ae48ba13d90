package dev.hark.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a whole topic once, from its first record to the end offsets taken at the start, with no
 * consumer group: how `hark models` and the trainer learn the current state of {@code models} and
 * {@code audio.predictions}.
 */
public final class TopicScan {

    private TopicScan() {
    }

    /** Feeds every record of {@code topic} to {@code each}; throws when the end is not reached within {@code timeout}. */
    public static <K, V> void toEnd(KafkaConsumer<K, V> consumer, String topic, Duration timeout,
                                    Consumer<ConsumerRecord<K, V>> each) {
        List<TopicPartition> parts = consumer.partitionsFor(topic, timeout).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        Map<TopicPartition, Long> end = consumer.endOffsets(parts, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (parts.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out reading " + topic + " to its end");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(each);
        }
    }
}
