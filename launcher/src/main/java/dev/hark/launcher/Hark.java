package dev.hark.launcher;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/** The {@code hark} command: one entry point for every Hark tool and service. */
@Command(name = "hark",
        mixinStandardHelpOptions = true,
        versionProvider = Hark.Version.class,
        description = {"Hark hears spoken digits in audio streamed to Apache Kafka.", ""},
                footer = {"", "Run `hark COMMAND --help` for a command's options. With no broker given, commands use the "
                + "local stack of `hark up` (localhost:9092, registry on localhost:8081)."})
public final class Hark implements Runnable {

    /** Every command, in the order --help lists them. */
    static final java.util.List<String> ORDER = java.util.List.of("demo", "up", "replay", "mic", "simulate", "train",
            "eval", "classify", "features", "tail", "models", "status");

    /** Commands that exist today. */
    static java.util.Map<String, Object> implemented() {
        return java.util.Map.ofEntries(java.util.Map.entry("up", new UpCommand()),
                java.util.Map.entry("features", new FeaturesCommand()), java.util.Map.entry("train", new TrainCommand()),
                java.util.Map.entry("eval", new EvalCommand()), java.util.Map.entry("models", new ModelsCommand()),
                java.util.Map.entry("replay", new ReplayCommand()), java.util.Map.entry("classify", new ClassifyCommand()),
                java.util.Map.entry("tail", new TailCommand()), java.util.Map.entry("status", new StatusCommand()));
    }

    /** Commands of the brief that later work delivers: name, one-line description, what delivers it. */
    static final String[][] PLANNED = {
            {"demo", "Run Hark end to end: train on labeled clips, then classify simulated devices live", "issue 6"},
            {"replay", "Publish a folder of WAV files as clips, labeled for training and/or to classify", "issue 6"},
            {"mic", "Stream the microphone (or a WAV file, in real time) as an edge device", "issue 6"},
            {"simulate", "Simulate N edge devices speaking recordings; report accuracy and latency", "issue 6"},
            {"train", "Train the digit CNN from a folder of WAVs (or retrain online) and export ONNX", "issue 4"},
            {"eval", "Evaluate an ONNX model on a folder of WAVs: accuracy, confusion matrix, per speaker", "issue 4"},
            {"features", "Show the log-mel features of a WAV file; write them as JSON or a PNG", "issue 3"},
            {"models", "List model versions, the champion, and online accuracy per version", "issue 5"},
    };

    @CommandLine.Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Hark());
        java.util.Map<String, Object> implemented = implemented();
        for (String name : ORDER) {
            if (implemented.containsKey(name)) {
                cli.addSubcommand(name, implemented.get(name));
            } else {
                String[] planned = java.util.Arrays.stream(PLANNED).filter(p -> p[0].equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalStateException("no description for command " + name));
                cli.addSubcommand(name, PlannedCommand.spec(planned[0], planned[1], planned[2]));
            }
        }
        cli.addSubcommand("help", new CommandLine.HelpCommand());
        cli.setExecutionExceptionHandler(Hark::reportError);
        return cli;
    }

    /** Known failures are one clear line, not a stack trace. */
    static int reportError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        err.println("hark " + cli.getCommandName() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        if (System.getenv("HARK_DEBUG") != null) {
            e.printStackTrace(err);
        } else {
            err.println("(set HARK_DEBUG=1 for the stack trace)");
        }
        err.flush();
        return ExitCodes.FAILED;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Hark.class.getPackage().getImplementationVersion();
            return new String[] {"hark " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
