package dev.hark.kafka;

import dev.hark.schemas.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates Hark's topics where they are missing; existing topics and their data are left alone. */
public final class TopicAdmin {
    private TopicAdmin() {
    }

    /** @return the names of the topics it created */
    public static List<String> ensureTopics(String bootstrapServers, List<Topics.TopicSpec> specs, short replication) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000"))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.TopicSpec spec : specs) {
                if (!existing.contains(spec.name())) {
                    missing.add(new NewTopic(spec.name(), spec.partitions(), replication).configs(spec.configs()));
                }
            }
            List<String> created = new ArrayList<>();
            for (NewTopic topic : missing) {
                try {
                    admin.createTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
                    created.add(topic.name());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) { // another process was faster
                        throw e;
                    }
                }
            }
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create Hark's topics at " + bootstrapServers + ": "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not create Hark's topics at " + bootstrapServers + ": " + e, e);
        }
    }

    /** All of Hark's topics with default settings. */
    public static List<String> ensureTopics(String bootstrapServers, int partitions) {
        return ensureTopics(bootstrapServers, Topics.specs(partitions), (short) 1);
    }
}
