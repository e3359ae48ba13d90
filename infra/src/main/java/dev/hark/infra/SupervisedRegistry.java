package dev.hark.infra;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ApicurioRegistry} process that is started again when it dies, however it dies (a crash,
 * {@code kill -9}, the OOM killer): on the same port and with the same data directory, so schema ids
 * registered before stay valid. Attempts are spaced by {@link #backoff(int)} (1 s, 2 s, 4 s ... at most
 * 30 s); the spacing starts over once a registry has stayed up for a minute. Each death and restart is
 * logged and told to {@code notices} (the terminal of {@code hark up}). Nothing is restarted once
 * {@link #stopSupervising()} or {@link #close()} has been called.
 */
public final class SupervisedRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SupervisedRegistry.class);
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A registry that ran this long before dying is restarted after the first backoff again. */
    static final Duration STABLE = Duration.ofMinutes(1);

    private final ApicurioRegistry.Options options;
    private final Consumer<String> notices;
    private final Thread supervisor;
    private final Object lock = new Object();
    private volatile boolean stopping;
    private volatile ApicurioRegistry current; // null while down
    private volatile int restarts;

    private SupervisedRegistry(ApicurioRegistry.Options options, ApicurioRegistry first, Consumer<String> notices) {
        this.options = options;
        this.notices = notices;
        this.current = first;
        this.supervisor = new Thread(this::supervise, "hark-registry-supervisor");
        supervisor.setDaemon(true);
    }

    /** Starts the registry (failing as {@link ApicurioRegistry#start} does) and then watches over it. */
    public static SupervisedRegistry start(ApicurioRegistry.Options options, Consumer<String> notices) {
        SupervisedRegistry s = new SupervisedRegistry(options, ApicurioRegistry.start(options), notices);
        s.supervisor.start();
        return s;
    }

    /** The delay before restart attempt {@code attempt} (0-based): 1 s, 2 s, 4 s, ... at most 30 s. */
    static Duration backoff(int attempt) {
        long ms = FIRST_BACKOFF.toMillis() << Math.min(attempt, 16);
        return Duration.ofMillis(Math.min(ms, MAX_BACKOFF.toMillis()));
    }

    public String confluentUrl() {
        return "http://" + options.host() + ":" + options.port() + ApicurioRegistry.CONFLUENT_PATH;
    }

    /** Whether a registry process is running now (false between a death and its restart). */
    public boolean isRunning() {
        ApicurioRegistry r = current;
        return r != null && r.isRunning();
    }

    /** The running registry's process id, or -1 while it is down. */
    public long pid() {
        ApicurioRegistry r = current;
        return r != null && r.isRunning() ? r.pid() : -1;
    }

    private void supervise() {
        int failures = 0; // attempts since a registry last stayed up for STABLE: how long the next backoff is
        while (!stopping) {
            ApicurioRegistry watched = current;
            long startedAt = System.nanoTime();
            int exitCode;
            try {
                exitCode = watched.onExit().get();
            } catch (InterruptedException e) {
                return; // stopping
            } catch (ExecutionException e) {
                exitCode = -1;
            }
            if (stopping) {
                return;
            }
            synchronized (lock) {
                if (current == watched) {
                    current = null;
                }
            }
            Duration ran = Duration.ofNanos(System.nanoTime() - startedAt);
            if (ran.compareTo(STABLE) >= 0) {
                failures = 0;
            }
            tell(true, "The schema registry (pid " + watched.pid() + ") died" + describeExit(exitCode) + "; restarting it in "
                    + backoff(failures).toSeconds() + " s on port " + options.port() + (options.dataDir() != null
                    ? " with its data in " + options.dataDir().toAbsolutePath().resolve("registry") : "") + ".");
            int attempt = 0;
            while (!stopping) {
                Duration delay = backoff(failures++);
                attempt++;
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                if (stopping) {
                    return;
                }
                long t0 = System.nanoTime();
                ApicurioRegistry restarted;
                try {
                    restarted = ApicurioRegistry.start(options);
                } catch (RuntimeException e) {
                    if (stopping) {
                        return;
                    }
                    tell(true, "Restarting the schema registry failed (attempt " + attempt + "): "
                            + String.valueOf(e.getMessage()).replaceAll("\\.$", "") + "; trying again in "
                            + backoff(failures).toSeconds() + " s.");
                    continue;
                }
                synchronized (lock) {
                    if (stopping) {
                        restarted.close();
                        return;
                    }
                    current = restarted;
                    restarts++;
                }
                tell(false, String.format("The schema registry is back (pid %d, restart %d, attempt %d, started in %.1f s) at %s.",
                        restarted.pid(), restarts, attempt, (System.nanoTime() - t0) / 1e9, confluentUrl()));
                break;
            }
        }
    }

    private static String describeExit(int code) {
        if (code > 128) {
            return " (exit code " + code + ": signal " + (code - 128) + (code == 137 ? ", SIGKILL" : code == 143 ? ", SIGTERM" : "") + ")";
        }
        return code < 0 ? "" : " (exit code " + code + ")";
    }

    private void tell(boolean bad, String message) {
        if (bad) {
            log.warn(message);
        } else {
            log.info(message);
        }
        try {
            notices.accept(message);
        } catch (RuntimeException e) {
            log.debug("notice listener failed", e);
        }
    }

    /** No restarts from now on (the caller is shutting down); the registry itself keeps running until {@link #close()}. */
    public void stopSupervising() {
        synchronized (lock) {
            stopping = true;
        }
        supervisor.interrupt();
    }

    /** Stops supervising, waits for a restart in progress to give up, and stops the registry. */
    @Override
    public void close() {
        stopSupervising();
        try {
            supervisor.join(Duration.ofSeconds(20).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ApicurioRegistry r;
        synchronized (lock) {
            r = current;
            current = null;
        }
        if (r != null) {
            r.close();
        }
    }
}
