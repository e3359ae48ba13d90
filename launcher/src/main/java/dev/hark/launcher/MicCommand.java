package dev.hark.launcher;

import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.hark.producer.device.AudioSource;
import dev.hark.producer.device.ChunkSender;
import dev.hark.producer.device.LiveDevice;
import dev.hark.producer.device.MicSource;
import dev.hark.producer.device.OutcomeWatcher;
import dev.hark.producer.device.WavSource;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hark mic}: this machine as an edge device. */
@Command(name = "mic", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Capture the default microphone with Java Sound and publish it to audio.chunks in real time, "
                + "as an edge device; print each prediction for this device as it arrives. Ctrl-C to stop.",
                "",
                "--from-wav FILE streams a file instead, in real time and through the same path (with half a second "
                        + "of quiet room noise before it and 1.5 s after), then waits for its predictions and exits.",
                "",
                "If Kafka does not answer, the device keeps capturing: it holds up to --buffer of audio, says so, "
                        + "and then drops the oldest chunks, counting them."})
final class MicCommand implements Callable<Integer> {

    @Option(names = "--device-id", paramLabel = "ID", description = "This device's id, the key of its chunks "
            + "(default: mic-HOSTNAME).")
    String deviceId;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "100",
            description = "Audio per chunk (default: ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--from-wav", paramLabel = "FILE", description = "Stream this WAV file as if spoken, then exit.")
    Path fromWav;

    @Option(names = "--sample-rate", paramLabel = "HZ", defaultValue = "16000",
            description = "Microphone rate to ask for first (default: ${DEFAULT-VALUE}; the feature stream resamples).")
    int sampleRate;

    @Option(names = "--buffer", paramLabel = "DURATION", defaultValue = "30s",
            description = "Audio held while Kafka does not answer, before the oldest is dropped (default: ${DEFAULT-VALUE}).")
    String buffer;

    @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "15s",
            description = "With --from-wav: how long to wait for predictions after the file (default: ${DEFAULT-VALUE}).")
    String waitFor;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (chunkMs < 10 || chunkMs > 2000) {
            throw new IllegalArgumentException("--chunk-ms must be between 10 and 2000, not " + chunkMs);
        }
        String id = deviceId != null ? deviceId : "mic-" + hostname();
        AudioSource source;
        try {
            source = fromWav != null ? WavSource.open(fromWav, true) : MicSource.open(sampleRate);
        } catch (MicSource.NoMicrophoneException e) {
            err.println("hark mic: " + e.getMessage());
            err.println("Use --from-wav FILE to stream a file as if spoken.");
            return ExitCodes.NO_MICROPHONE;
        }
        ClusterConfig cluster = clusterOptions.cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        AtomicInteger predictions = new AtomicInteger();
        AtomicInteger deadLetters = new AtomicInteger();
        AtomicLong lastOutcome = new AtomicLong();
        try (source; LiveDevice device = new LiveDevice(cluster, registry, id, source.sampleRate(), chunkMs,
                Duration.ofMillis(Durations.parseMs(buffer)))) {
            String session = device.sessionId();
            // in the background: with Kafka away, following predictions must not hold up capture
            java.util.concurrent.CompletableFuture<OutcomeWatcher> watcher = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> startWatcher(cluster, registry, id, session, out, err, predictions, deadLetters,
                            lastOutcome, source.sampleRate()));
            err.printf("device %s (session %s): %s → audio.chunks on %s, %d ms chunks%s%n", id, session.substring(0, 8),
                    source.describe(), cluster.bootstrapServers(), chunkMs, fromWav == null ? "; Ctrl-C to stop" : "");
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                device.stop();
                try {
                    main.join(5_000);
                } catch (InterruptedException ignored) {
                    // exiting anyway
                }
            }, "hark-mic-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            LiveDevice.Summary summary;
            try {
                summary = device.run(source, new LiveDevice.Listener() {
                    @Override
                    public void onBuffering(long heldMs, long maxHeldMs, long droppedChunks, String why) {
                        err.printf(Locale.ROOT, "Kafka is not taking audio%s: holding %.1f s (at most %.0f s)%s%n",
                                why == null ? "" : " (" + why + ")", heldMs / 1000.0, maxHeldMs / 1000.0,
                                droppedChunks > 0 ? String.format(Locale.ROOT, "; dropped the oldest %d chunks (%.1f s)",
                                        droppedChunks, droppedChunks * chunkMs / 1000.0) : "");
                    }

                    @Override
                    public void onRecovered(long droppedChunks) {
                        err.printf(Locale.ROOT, "Kafka is taking audio again (%d chunks dropped in all)%n", droppedChunks);
                    }
                }, Duration.ofSeconds(fromWav != null ? 10 : 5));
                if (fromWav != null) {
                    long waitMs = Durations.parseMs(waitFor);
                    long deadline = System.currentTimeMillis() + waitMs;
                    // the clip is cut after the file's trailing quiet; its prediction follows within a second or so
                    while (System.currentTimeMillis() < deadline
                            && (predictions.get() + deadLetters.get() == 0
                            || System.currentTimeMillis() - lastOutcome.get() < 1_500)) {
                        Thread.sleep(50);
                    }
                }
            } finally {
                watcher.thenAccept(w -> {
                    if (w != null) {
                        w.close();
                    }
                });
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running
                }
            }
            ChunkSender.Stats s = summary.chunks();
            err.printf(Locale.ROOT, "sent %.1f s of audio in %d chunks: %d acknowledged, %d dropped (buffer full), "
                            + "%d lost (delivery failed), %d not sent; %d prediction(s), %d dead letter(s)%n",
                    summary.seconds(), s.offered(), s.acknowledged(), s.dropped(), s.lost(), s.waiting(), predictions.get(),
                    deadLetters.get());
            if (s.lost() > 0) {
                err.println("chunks lost because " + s.lossReason());
            } else if (s.waiting() > 0 && s.lastError() != null) {
                err.println("chunks not sent because " + s.lastError());
            }
            if (fromWav != null && predictions.get() == 0) {
                err.println("no prediction for this file within " + waitFor + ": is `hark up` running with a champion "
                        + "model (`hark models`)?");
                return ExitCodes.FAILED;
            }
            return s.acknowledged() > 0 ? ExitCodes.OK : ExitCodes.FAILED;
        }
    }

    private static OutcomeWatcher startWatcher(ClusterConfig cluster, SchemaRegistryClient registry, String id,
                                               String session, PrintStream out, PrintStream err,
                                               AtomicInteger predictions, AtomicInteger deadLetters, AtomicLong last,
                                               int deviceRate) {
        try {
            return new OutcomeWatcher(cluster, registry, id::equals, false, o -> {
                if (!session.equals(o.sessionId())) {
                    return;
                }
                last.set(System.currentTimeMillis());
                if (o.kind() == OutcomeWatcher.Kind.PREDICTION) {
                    predictions.incrementAndGet();
                    out.printf(Locale.ROOT, "%s  heard %d  (%.0f%%, model v%d)  %.2f–%.2f s  end of clip → prediction %d ms%n",
                            TIME.format(Instant.ofEpochMilli(o.predictedAtMs())), o.digit(), 100.0 * o.confidence(),
                            o.modelVersion(), o.startSample() / (double) deviceRate, o.endSample() / (double) deviceRate,
                            o.predictedAtMs() - o.clipCreatedAtMs());
                    out.flush();
                } else if (o.kind() == OutcomeWatcher.Kind.DEAD_LETTER) {
                    deadLetters.incrementAndGet();
                    out.printf("%s  dead letter from %s: %s (%s)%n", TIME.format(Instant.now()), o.stage(), o.reason(),
                            o.message());
                    out.flush();
                }
            });
        } catch (RuntimeException e) {
            err.println("cannot follow predictions (" + e.getMessage() + "); streaming anyway");
            return null;
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "local";
        }
    }
}
