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
    static final java.util.List<String> ORDER = java.util.List.of("demo", "up", "replay", "mic", "simulate", "bench", "dataset",
            "synth", "train", "enroll", "eval", "classify", "features", "tail", "models", "status");

    /** Every command, by name. */
    static java.util.Map<String, Object> commands() {
        return java.util.Map.ofEntries(java.util.Map.entry("demo", new DemoCommand()),
                java.util.Map.entry("up", new UpCommand()), java.util.Map.entry("replay", new ReplayCommand()),
                java.util.Map.entry("mic", new MicCommand()), java.util.Map.entry("simulate", new SimulateCommand()),
                java.util.Map.entry("bench", new BenchCommand()),
                java.util.Map.entry("dataset", new DatasetCommand()), java.util.Map.entry("synth", new SynthCommand()),
                java.util.Map.entry("train", new TrainCommand()),
                java.util.Map.entry("enroll", new EnrollCommand()), java.util.Map.entry("eval", new EvalCommand()),
                java.util.Map.entry("classify", new ClassifyCommand()), java.util.Map.entry("features", new FeaturesCommand()),
                java.util.Map.entry("tail", new TailCommand()), java.util.Map.entry("models", new ModelsCommand()),
                java.util.Map.entry("status", new StatusCommand()));
    }

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
        java.util.Map<String, Object> commands = commands();
        for (String name : ORDER) {
            cli.addSubcommand(name, java.util.Objects.requireNonNull(commands.get(name), name));
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
