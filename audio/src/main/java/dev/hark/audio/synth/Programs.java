package dev.hark.audio.synth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an engine's program to completion, with its output captured, and bounded in time. */
final class Programs {

    private Programs() {
    }

    /** What a finished program said. */
    record Result(int exit, String out, String err) {
        /** The program's last non-blank line on stderr (else stdout): what an error message quotes. */
        String lastWords() {
            for (String text : new String[] {err, out}) {
                List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
                if (!lines.isEmpty()) {
                    return lines.get(lines.size() - 1);
                }
            }
            return "no output";
        }
    }

    /** Thrown when the program itself is not there to run (not installed, or not on the PATH). */
    static final class NotInstalled extends IOException {
        NotInstalled(String program, Throwable cause) {
            super(program + " is not installed", cause);
        }
    }

    /**
     * Runs {@code command} with stdin closed.
     *
     * @throws NotInstalled when the program cannot be started at all
     * @throws IOException  when it runs longer than {@code timeoutSeconds} (it is then killed)
     */
    static Result run(List<String> command, long timeoutSeconds) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            // ProcessBuilder's only signal for "no such program" is this exception at start
            throw new NotInstalled(command.get(0), e);
        }
        try {
            p.getOutputStream().close(); // nothing to say on stdin: a program that reads it sees its end at once
        } catch (IOException ignored) {
            // already closed by the program's exit
        }
        // both pipes drained at once: a program blocked on a full stderr pipe would never exit
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(command.get(0) + " was interrupted", e);
        }
    }

    /** A daemon thread of its own per pipe: the common pool may have a single thread on a small machine. */
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("");
            }
        }, "synth-pipe");
        t.setDaemon(true);
        t.start();
        return text;
    }
}
