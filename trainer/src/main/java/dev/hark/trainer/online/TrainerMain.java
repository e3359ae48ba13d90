package dev.hark.trainer.online;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.hark.kafka.ClusterConfig;
import dev.hark.kafka.Service;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.trainer.model.TrainingOptions;

/**
 * The online trainer as a container process, configured by the environment:
 * <ul>
 *   <li>{@code HARK_BOOTSTRAP_SERVERS}, {@code HARK_REGISTRY_URL}, security ({@link ClusterConfig#fromEnv(Map)});</li>
 *   <li>{@code HARK_STATE_DIR} (default {@code /tmp/hark-trainer}): the labeled-clip store (keep it on a volume);</li>
 *   <li>{@code HARK_RETRAIN_EVERY} (500), {@code HARK_MIN_CLIPS} (200), {@code HARK_TRAIN_EPOCHS} (30),
 *       {@code HARK_TRAIN_THREADS} (training threads, default: the trainer's);</li>
 *   <li>{@code HARK_METRICS_PORT} (9464): {@code /metrics} (training progress among them) and {@code /health}.</li>
 * </ul>
 * The service is group {@value OnlineTrainer#GROUP}: it dead-letters every invalid labeled clip to
 * {@code audio.dlq} exactly once (transactionally with its offsets). It does not stop for a bad record,
 * nor for the registry or a broker being away: it waits for them (with {@code /health} down and saying
 * why), so it is started without checking that they are up.
 */
public final class TrainerMain {
    private TrainerMain() {
    }

    static OnlineTrainer.Settings settings(Map<String, String> env) {
        ClusterConfig cluster = ClusterConfig.fromEnv(env);
        OnlineTrainer.Settings s = OnlineTrainer.Settings.defaults(cluster,
                Path.of(env.getOrDefault("HARK_STATE_DIR", "/tmp/hark-trainer")));
        s = s.withRetrainEvery(intEnv(env, "HARK_RETRAIN_EVERY", s.retrainEvery()))
                .withMinClips(intEnv(env, "HARK_MIN_CLIPS", s.minClips()));
        TrainingOptions o = s.options().withEpochs(intEnv(env, "HARK_TRAIN_EPOCHS", s.options().epochs()));
        if (env.containsKey("HARK_TRAIN_THREADS")) {
            o = o.withThreads(intEnv(env, "HARK_TRAIN_THREADS", o.threads()));
        }
        return s.withOptions(o);
    }

    private static int intEnv(Map<String, String> env, String name, int dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'");
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> env = System.getenv();
        OnlineTrainer.Settings settings = settings(env);
        SchemaRegistryClient registry = new SchemaRegistryClient(settings.cluster().registryUrl());
        OnlineTrainer trainer = new OnlineTrainer(settings, registry);
        Service.runUntilShutdown(trainer, settings.cluster(), env);
    }
}
