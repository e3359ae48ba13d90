package dev.hark.producer.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.telemetry.MetricsServer;

/**
 * The producer image's process: replays a dataset folder (mounted read-only) to Kafka, as a load
 * generator when looping. Configured by the environment:
 * <ul>
 *   <li>{@code HARK_BOOTSTRAP_SERVERS}, {@code HARK_REGISTRY_URL}, security ({@link ClusterConfig#fromEnv(Map)});</li>
 *   <li>{@code HARK_REPLAY_DIR} (default {@code /data}): WAV files named {@code {digit}_{speaker}_{take}.wav}
 *       (FSDD, AudioMNIST) or a CSV manifest, as {@code hark replay} reads them;</li>
 *   <li>{@code HARK_REPLAY_TARGET}: {@code labeled}, {@code classify} or {@code both} (default);</li>
 *   <li>{@code HARK_REPLAY_RATE}: clips per second (default 20; 0 = as fast as the broker takes them);</li>
 *   <li>{@code HARK_REPLAY_LIMIT}: at most this many files per pass (0 = all);</li>
 *   <li>{@code HARK_REPLAY_LOOP}: {@code true} (default) replays again after {@code HARK_REPLAY_PAUSE_SECONDS}
 *       (default 30) — the same clip ids, so the trainer keeps each labeled clip once, while the
 *       classifier scores every pass; {@code false} replays once and exits (0 when every file was sent);</li>
 *   <li>{@code HARK_METRICS_PORT} (9464): {@code /metrics}, {@code /health}.</li>
 * </ul>
 */
public final class ReplayMain {
    private ReplayMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> env = System.getenv();
        ClusterConfig cluster = ClusterConfig.fromEnv(env);
        Path dir = Path.of(env.getOrDefault("HARK_REPLAY_DIR", "/data"));
        Replayer.Target target = Replayer.Target.valueOf(env.getOrDefault("HARK_REPLAY_TARGET", "both").trim()
                .toUpperCase(Locale.ROOT));
        double rate = Double.parseDouble(env.getOrDefault("HARK_REPLAY_RATE", "20"));
        int limit = Integer.parseInt(env.getOrDefault("HARK_REPLAY_LIMIT", "0"));
        boolean loop = Boolean.parseBoolean(env.getOrDefault("HARK_REPLAY_LOOP", "true"));
        long pauseMs = (long) (Double.parseDouble(env.getOrDefault("HARK_REPLAY_PAUSE_SECONDS", "30")) * 1000);

        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        registry.checkReachable();
        AtomicReference<String> state = new AtomicReference<>("starting");
        CountDownLatch stopped = new CountDownLatch(1);
        boolean allSent = true;
        try (Replayer replayer = new Replayer(cluster, registry); // its producer's metrics included
             MetricsServer http = MetricsServer.start(MetricsServer.portFromEnv(env))) {
            http.check("producer", () -> new MetricsServer.Check(!state.get().startsWith("failed"), state.get()));
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                main.interrupt();
                try {
                    stopped.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "producer-stop"));
            int pass = 0;
            do {
                pass++;
                DatasetFiles files;
                try {
                    files = DatasetFiles.list(dir);
                } catch (IOException | RuntimeException e) {
                    state.set("failed: cannot list " + dir + ": " + e.getMessage());
                    System.err.println("producer: " + state.get());
                    allSent = false;
                    break;
                }
                state.set("replaying pass " + pass + " of " + files.size() + " files from " + dir);
                System.err.println("producer: " + state.get() + " to " + target.name().toLowerCase(Locale.ROOT)
                        + " at " + (rate > 0 ? rate + " clips/s" : "full speed"));
                Replayer.Summary s = replayer.replay(files, target, rate, limit, n -> { });
                allSent = s.failures().isEmpty();
                System.err.printf(Locale.ROOT, "producer: pass %d: published %d of %d files in %.1f s; %d failed%n",
                        pass, s.published(), s.files(), s.seconds(), s.failures().size());
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
                state.set("idle after pass " + pass);
                if (loop) {
                    Thread.sleep(pauseMs);
                }
            } while (loop);
        } catch (InterruptedException e) {
            // stopping
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            stopped.countDown();
        }
        if (!loop) {
            System.exit(allSent ? 0 : 1); // after the latch: the shutdown hook waits for it
        }
    }
}
