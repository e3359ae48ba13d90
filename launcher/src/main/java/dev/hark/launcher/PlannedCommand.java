package dev.hark.launcher;

import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** A command the brief names that is not built yet: listed in --help, and says so when run. */
final class PlannedCommand implements Callable<Integer> {
    private final String name;
    private final String deliveredBy;

    private PlannedCommand(String name, String deliveredBy) {
        this.name = name;
        this.deliveredBy = deliveredBy;
    }

    static CommandLine spec(String name, String description, String deliveredBy) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(new PlannedCommand(name, deliveredBy));
        spec.name(name);
        spec.usageMessage().description(description + " (not built yet)");
        spec.mixinStandardHelpOptions(true);
        spec.parser().unmatchedArgumentsAllowed(true);
        return new CommandLine(spec);
    }

    @Override
    public Integer call() {
        System.err.println("hark " + name + ": not built yet: it arrives with " + deliveredBy
                + " of the project. See `hark --help` for what works today.");
        return ExitCodes.NOT_YET;
    }
}
