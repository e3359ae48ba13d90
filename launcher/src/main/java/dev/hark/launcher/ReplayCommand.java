package dev.hark.launcher;

import dev.hark.audio.dataset.DatasetFiles;
import dev.hark.producer.replay.Replayer;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code hark replay [DIR]}: publish a dataset folder as clips, for training and/or to be classified. */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Publish every WAV in DIR (or --data DIR; " + DataDir.DEFAULTS + ") as a clip, with label and speaker from the file names "
                + "({digit}_{speaker}_{take}.wav, AudioMNIST's NN/{digit}_{NN}_{take}.wav, or a CSV manifest "
                + "path,label,speaker).",
                "",
                "--labeled (the default) sends them to audio.clips.labeled for the trainer; --classify to audio.clips "
                        + "to be classified (the label is kept, for online accuracy); --both to both. Clip ids are "
                        + "replay:PATH, so replaying a folder again is recognised downstream. A bad file is reported and "
                        + "never stops the rest."})
final class ReplayCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", arity = "0..1", description = "A dataset folder or a .csv manifest (as --data).")
    Path dir;

    @Option(names = "--data", paramLabel = "DIR|FILE.csv",
            description = "A dataset folder or a .csv manifest (" + DataDir.DEFAULTS + ").")
    Path data;

    static final class Where {
        @Option(names = "--labeled", description = "To audio.clips.labeled (training). The default.")
        boolean labeled;
        @Option(names = "--classify", description = "To audio.clips (classification).")
        boolean classify;
        @Option(names = "--both", description = "To both topics.")
        boolean both;
    }

    @ArgGroup(exclusive = true)
    Where where = new Where();

    @Option(names = "--rate", paramLabel = "CLIPS_PER_S", defaultValue = "0",
            description = "Pace the publishing (default: as fast as the broker acknowledges).")
    double rate;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Publish at most N files.")
    int limit;

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @Override
    public Integer call() throws Exception {
        Replayer.Target target = where.both ? Replayer.Target.BOTH : where.classify ? Replayer.Target.CLASSIFY
                : Replayer.Target.LABELED;
        if (dir != null && data != null && !dir.equals(data)) {
            throw new IllegalArgumentException("give the dataset once: DIR or --data, not both");
        }
        Path dataset = DataDir.require(dir != null ? dir : data);
        ClusterConfig cluster = clusterOptions.cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        registry.checkReachable();
        DatasetFiles files = DatasetFiles.list(dataset);
        int total = limit > 0 ? Math.min(limit, files.entries().size()) : files.entries().size();
        ProgressBar bar = new ProgressBar("publishing", total);
        Replayer.Summary s;
        try (Replayer replayer = new Replayer(cluster, registry)) {
            s = replayer.replay(files, target, rate, limit, n -> bar.update(n, ""));
        }
        bar.done(total, String.format(Locale.ROOT, "%.0f clips/s", s.published() / Math.max(1e-9, s.seconds())));
        String topics = switch (target) {
            case LABELED -> "audio.clips.labeled";
            case CLASSIFY -> "audio.clips";
            case BOTH -> "audio.clips.labeled and audio.clips";
        };
        System.out.printf(Locale.ROOT, "published %d of %d files to %s in %s; %d failed%n", s.published(), s.files(), topics,
                Durations.seconds(s.seconds()), s.failures().size());
        s.failures().stream().limit(20).forEach(f -> System.out.println("  failed " + f.file() + ": " + f.reason()));
        if (s.failures().size() > 20) {
            System.out.println("  ... and " + (s.failures().size() - 20) + " more");
        }
        return s.published() > 0 || s.files() == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
