package dev.hark.launcher;

import dev.hark.avro.ModelRelease;
import dev.hark.kafka.ClusterConfig;
import dev.hark.schemas.registry.SchemaRegistryClient;
import dev.hark.kafka.ModelsTopic;
import dev.hark.model.ModelCatalog;
import dev.hark.kafka.ModelPublisher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code hark models}: the versions in the models topic, which one serves, and promotion/rollback. */
@Command(name = "models", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List model versions in the models topic with their metrics; * marks the champion "
                + "(the version the classifier serves).",
                "",
                "The champion is the version of the most recent record with champion=true. `hark models promote V` "
                        + "appends V's release again with champion=true: the classifier swaps to it (rollback or forward). "
                        + "`hark models publish DIR|FILE.onnx` puts a model trained elsewhere on models."},
        subcommands = {ModelsCommand.Promote.class, ModelsCommand.Publish.class})
final class ModelsCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    ClusterConfig cluster() {
        return clusterOptions.cluster();
    }

    @Override
    public Integer call() {
        ClusterConfig cluster = cluster();
        SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
        ModelCatalog catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
        if (catalog.records().isEmpty()) {
            System.out.println("no models yet in " + cluster.bootstrapServers() + " (train one: hark train --online, "
                    + "or let the online trainer retrain)");
            return ExitCodes.OK;
        }
        Map<Integer, Double> online = OnlineAccuracyReader.read(cluster, registry);
        int champion = catalog.champion().map(ModelRelease::getVersion).orElse(-1);
        System.out.printf(Locale.ROOT, "  %-7s %-16s %-9s %-10s %-10s %-12s %-16s %s%n", "version", "created", "parent",
                "held-out", "champion", "online acc", "features", "evaluated on");
        for (ModelRelease r : catalog.versions().values()) {
            Double onlineAcc = online.get(r.getVersion());
            System.out.printf(Locale.ROOT, "%s %-7d %-16s %-9s %-10s %-10s %-12s %-16s %s%n",
                    r.getVersion() == champion ? "*" : " ", r.getVersion(), TIME.format(r.getCreatedAtMs()),
                    r.getParentVersion() == null ? "-" : "v" + r.getParentVersion(), pct(r.getCandidateAccuracy()),
                    pct(r.getChampionAccuracy()), onlineAcc == null ? "-" : pct(onlineAcc), r.getFeatureConfigId(),
                    String.join(",", r.getEvaluationSpeakers()));
        }
        System.out.println(champion < 0 ? "no champion: the classifier holds records until one exists"
                : "* champion: v" + champion + "  (held-out = accuracy on the held-out speakers when trained; champion = "
                + "the champion of that time on the same clips; online acc = labeled predictions, last "
                + OnlineAccuracyReader.WINDOW + " per version)");
        return ExitCodes.OK;
    }

    static String pct(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * d);
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Make version V the champion (rollback or forward): appends its release with champion=true.")
    static final class Promote implements Callable<Integer> {

        @picocli.CommandLine.ParentCommand
        ModelsCommand parent;

        @Parameters(paramLabel = "V", description = "The version to serve.")
        int version;

        @Override
        public Integer call() {
            ClusterConfig cluster = parent.cluster();
            SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
            ModelCatalog catalog = new ModelCatalog(ModelsTopic.read(cluster, registry, Duration.ofSeconds(30)));
            ModelRelease r = catalog.version(version).orElseThrow(() -> new IllegalArgumentException("no version " + version
                    + " in models (versions: " + catalog.versions().keySet() + ")"));
            int before = catalog.champion().map(ModelRelease::getVersion).orElse(-1);
            if (before == version) {
                System.out.println("v" + version + " is already the champion");
                return ExitCodes.OK;
            }
            ModelPublisher.publishOnce(cluster, registry, dev.hark.model.Champion.promotion(r, "hark models promote", java.time.Instant.now()));
            System.out.println("v" + version + " is the champion now" + (before < 0 ? "" : " (was v" + before + ")"));
            return ExitCodes.OK;
        }
    }

    @Command(name = "publish", sortOptions = false,
            description = {"Put an offline-trained model on models: a `hark train --out` folder (model.onnx and "
                    + "model.json, whose metrics go into the release) or a bare .onnx written by Hark (version and "
                    + "feature configuration are in its metadata).",
                    "",
                    "The model must take the features the feature stream computes. It becomes the next free version "
                            + "(or --version N; a version already in models is refused; the file's metadata is "
                            + "rewritten to that version). Without --champion it is recorded and serves nothing until "
                            + "`hark models promote V`."})
    static final class Publish implements Callable<Integer> {

        @picocli.CommandLine.ParentCommand
        ModelsCommand parent;

        @Parameters(paramLabel = "DIR|FILE.onnx", description = "A hark train output folder or a Hark ONNX file.")
        java.nio.file.Path path;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Option(names = "--champion", description = "Make it the champion: the classifier swaps to it.")
        boolean champion;

        @Option(names = "--version", paramLabel = "N", description = "Publish as version N (default: the next free one).")
        Integer version;

        @picocli.CommandLine.Mixin
        ClusterOptions clusterOptions = new ClusterOptions();

        @Override
        public Integer call() throws Exception {
            ClusterOptions given = clusterOptions.bootstrap != null || clusterOptions.registryUrl != null
                    ? clusterOptions : parent.clusterOptions;
            ClusterConfig cluster = given.cluster();
            SchemaRegistryClient registry = new SchemaRegistryClient(cluster.registryUrl());
            registry.checkReachable();
            ModelRelease r = ModelImport.publish(cluster, registry, path, version, champion, "hark models publish");
            System.out.printf(Locale.ROOT, "published %s as v%d (%s, %d KiB%s)%s%n", path, r.getVersion(),
                    r.getFeatureConfigId(), r.getOnnx().remaining() / 1024,
                    r.getCandidateAccuracy() == null ? "" : String.format(Locale.ROOT, ", held-out %.2f%%",
                            100 * r.getCandidateAccuracy()),
                    champion ? "; champion: the classifier swaps to it" : "; not champion (hark models promote "
                            + r.getVersion() + " to serve it)");
            return ExitCodes.OK;
        }
    }
}
