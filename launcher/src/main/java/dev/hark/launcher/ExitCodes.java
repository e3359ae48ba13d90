package dev.hark.launcher;

/** Exit codes shared by every command. */
final class ExitCodes {
    static final int OK = 0;
    /** The command ran and failed (a port in use, a broker that does not answer, ...). */
    static final int FAILED = 1;
    /** Wrong usage (picocli's own code). */
    static final int USAGE = 2;
    /** The command is part of Hark's plan but not built yet. */
    static final int NOT_YET = 3;

    private ExitCodes() {
    }
}
