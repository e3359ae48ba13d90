package dev.hark.launcher;

/** Exit codes shared by every command. */
final class ExitCodes {
    static final int OK = 0;
    /** The command ran and failed (a port in use, a broker that does not answer, ...). */
    static final int FAILED = 1;
    /** Wrong usage (picocli's own code). */
    static final int USAGE = 2;
    /** {@code hark mic}: there is no microphone to capture (use --from-wav). */
    static final int NO_MICROPHONE = 4;
    /** {@code hark synth}: none of the voices asked for has its engine installed (the message names the packages). */
    static final int NO_SYNTH_ENGINE = 5;

    private ExitCodes() {
    }
}
