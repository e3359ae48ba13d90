package dev.hark.launcher.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.hark.testing.SharedData;
import dev.hark.schemas.Topics;

/**
 * Faults on a real cluster ("No poison pills", part 6): three in-process KRaft brokers (replication 3,
 * min.insync.replicas 2), a real Apicurio Registry process, and the feature stream and the classifier
 * stream each as its own JVM started from its {@code main} with environment variables only. Each
 * scenario replays labeled FSDD clips (plus a garbage record every {@value #GARBAGE_EVERY}) to
 * {@code audio.clips} at a steady pace, does something bad in the middle of it, and then counts, read
 * committed, by clip id over {@code audio.predictions} and {@code audio.dlq}: every input must end as
 * exactly one prediction or exactly one dead letter, none missing, none twice.
 *
 * <p>Not part of {@code ./mvnw verify} (tag {@code faults}, several minutes): run it with
 * {@code ./mvnw -B -Pfaults verify -pl launcher -am}; see docs/faults.md. Each row also goes to
 * {@code launcher/target/faults/<time>/faults.md} and {@code .csv}, next to every process's log.
 *
 * <p>System properties: {@code hark.faults.membership} ({@code product}; {@code legacy} for the
 * dynamic membership with a 45 s session timeout the services had before; {@code dynamic} for dynamic
 * membership with the 10 s session timeout), {@code hark.faults.kills} (SIGKILLs per service
 * scenario: 3, 1 unless {@code product}), {@code hark.faults.rate} (inputs per second, default 12),
 * {@code hark.faults.logback}, {@code hark.faults.dir}.
 */
@Tag("faults")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteTest {
    static final int GARBAGE_EVERY = 40;
    static final double RATE = Double.parseDouble(System.getProperty("hark.faults.rate", "12"));
    static final List<String> SERVICE_JVM = List.of("-Xmx512m", "-XX:+ExitOnOutOfMemoryError");
    static final Duration SETTLE = Duration.ofSeconds(3);

    static FaultStack stack;
    static FaultReport report;
    static List<ClipFeeder.Clip> clips;
    static String run;

    @BeforeAll
    static void startStack() throws Exception {
        Path fsdd = SharedData.requireFsdd();
        run = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Path.of(System.getProperty("hark.faults.dir", "target/faults")).toAbsolutePath().resolve(run);
        clips = ClipFeeder.load(fsdd, 200);
        FaultStack.Membership membership = FaultStack.Membership.fromProperty();
        stack = FaultStack.start(dir, 3, membership, SERVICE_JVM);
        report = new FaultReport(dir, String.format(Locale.ROOT, "3 brokers (replication 3, min.insync.replicas 2), "
                + "Apicurio Registry, feature-stream and classifier-stream as child JVMs (%s), membership %s, %.0f inputs/s, "
                + "a garbage record every %d inputs; %d cores", SERVICE_JVM, membership, RATE, GARBAGE_EVERY,
                Runtime.getRuntime().availableProcessors()));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
            System.out.println("fault table: " + report.markdown() + "; logs in " + stack.dir.resolve("logs"));
        }
    }

    /** A scenario that left a service dead must not take the next one with it. */
    @BeforeEach
    void servicesRunning() throws Exception {
        if (!stack.registryRunning()) {
            stack.startRegistry();
        }
        for (ServiceProcess s : List.of(stack.features, stack.classifier)) {
            if (!s.alive()) {
                s.note("found dead before the next scenario (exit " + s.exitValue() + "); started again");
                s.start();
            }
            s.awaitRunning(Duration.ofSeconds(120));
        }
    }

    /** One scenario's inputs, being sent, and the reader counting their outcomes. */
    record Scenario(String name, Ledger ledger, ClipFeeder feeder) implements AutoCloseable {
        /** Feeds at most {@code inputs} inputs; {@link #stopAndFinish()} stops feeding before that. */
        static Scenario start(String name, int inputs) {
            String prefix = run + "/" + name + "/";
            Ledger ledger = new Ledger(stack.cluster, stack.registryClient, prefix);
            ClipFeeder feeder = new ClipFeeder(stack.cluster, stack.registryClient, clips).start(prefix, inputs, RATE,
                    GARBAGE_EVERY);
            return new Scenario(name, ledger, feeder);
        }

        /** Waits until {@code n} inputs have an outcome: the stream is flowing. */
        void awaitOutcomes(int n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (ledger.accounted(feeder.keysSent()) < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + ": only " + ledger.accounted(feeder.keysSent()) + " outcomes within "
                            + timeout);
                }
                Thread.sleep(50);
            }
        }

        /** Waits for the feeder to send everything it was asked to, then counts. */
        Ledger.Count finish() throws InterruptedException {
            feeder.await(Duration.ofMinutes(5));
            return ledger.await(feeder.keysSent(), Duration.ofMinutes(4), SETTLE);
        }

        /** Stops feeding now, then counts what was sent. */
        Ledger.Count stopAndFinish() throws InterruptedException {
            feeder.stop();
            return finish();
        }

        double longestPauseS() {
            return ledger.longestGapS(Topics.AUDIO_PREDICTIONS.name());
        }

        @Override
        public void close() throws InterruptedException {
            feeder.close();
            ledger.close();
        }
    }

    /** Restart → RUNNING, restart → first output the new process committed, and the start's phases from its log. */
    record Recovery(double runningS, double firstOutputS, String phases) {
    }

    /** SIGKILL, then start again at once on the same state directory; measures the recovery. */
    static Recovery killAndRestart(ServiceProcess service, Ledger ledger, String outputTopic) throws Exception {
        long killed = System.nanoTime();
        service.sigkill();
        long restarted = System.nanoTime();
        service.start();
        service.note("restarted after SIGKILL");
        // anything the killed JVM committed was visible long before its successor could have started
        long newOutputAfter = killed + TimeUnit.MILLISECONDS.toNanos(1000);
        long running = -1;
        long output = -1;
        long deadline = restarted + TimeUnit.MINUTES.toNanos(3);
        while (running < 0 || output < 0) {
            long now = System.nanoTime();
            if (running < 0 && service.running()) {
                running = now;
            }
            if (output < 0) {
                output = ledger.firstArrival(outputTopic, newOutputAfter);
            }
            if (!service.alive()) {
                throw new AssertionError(service.name + " exited after its restart (status " + service.exitValue()
                        + "); log:\n" + service.tail(40));
            }
            if (now > deadline) {
                throw new AssertionError(service.name + " did not recover within 3 minutes; /health " + service.health());
            }
            Thread.sleep(20);
        }
        Thread.sleep(300); // the log lines of the transition to RUNNING
        Recovery r = new Recovery((running - restarted) / 1e9, (output - restarted) / 1e9, service.startPhases());
        System.out.printf(Locale.ROOT, "%s: SIGKILL + restart: RUNNING after %.2f s, first new output on %s after %.2f s "
                + "(from its log: %s)%n", service.name, r.runningS(), outputTopic, r.firstOutputS(), r.phases());
        return r;
    }

    static void assertExactlyOnce(Ledger.Count c) {
        assertEquals(List.of(), c.missingIds(), "every input has an outcome: " + c);
        assertEquals(java.util.Map.of(), c.duplicatedIds(), "no input has two outcomes: " + c);
        assertEquals(c.inputs(), c.predicted() + c.deadLettered(), c.toString());
    }

    @Test
    @Order(1)
    void noFault() throws Exception {
        try (Scenario s = Scenario.start("no-fault", 240)) {
            Ledger.Count c = s.finish();
            report.row("no fault (control)", c, Double.NaN, Double.NaN, s.longestPauseS(), c.exactlyOnce() ? "pass" : "FAIL",
                    "");
            assertExactlyOnce(c);
        }
    }

    @Test
    @Order(2)
    void partitionLeaderBrokerStoppedMidStreamAndRestarted() throws Exception {
        try (Scenario s = Scenario.start("leader-broker-stop", 360)) {
            s.awaitOutcomes(60, Duration.ofSeconds(60));
            int leader = stack.leaderOf(Topics.AUDIO_FEATURES.name(), 0);
            String roles = roles(leader);
            long t0 = System.nanoTime();
            stack.kafka.stopBroker(leader);
            double stopS = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(15_000);
            long t1 = System.nanoTime();
            stack.kafka.startBroker(leader);
            double startS = (System.nanoTime() - t1) / 1e9;
            double isrS = awaitFullIsr(Duration.ofSeconds(90)) / 1e9;
            Ledger.Count c = s.finish();
            String notes = String.format(Locale.ROOT, "broker %d (%s) stopped (controlled shutdown, %.1f s) after %d outcomes, "
                    + "down 15 s, started again (%.1f s); every audio partition back to 3 in-sync replicas %.1f s after that",
                    leader, roles, stopS, 60, startS, isrS);
            report.row("partition-leader broker stopped mid-stream, restarted 15 s later", c, Double.NaN, Double.NaN,
                    s.longestPauseS(), c.exactlyOnce() ? "pass" : "FAIL", notes);
            assertExactlyOnce(c);
        }
    }

    /** What {@code broker} leads among the audio topics' partitions. */
    static String roles(int broker) throws Exception {
        StringBuilder sb = new StringBuilder("leader of");
        for (String topic : List.of(Topics.AUDIO_CLIPS.name(), Topics.AUDIO_FEATURES.name(), Topics.AUDIO_PREDICTIONS.name())) {
            for (int p = 0; p < 3; p++) {
                if (stack.leaderOf(topic, p) == broker) {
                    sb.append(' ').append(topic).append('-').append(p);
                }
            }
        }
        return sb.toString();
    }

    /** Nanoseconds until every partition of the audio topics has 3 in-sync replicas again. */
    static long awaitFullIsr(Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        for (String topic : List.of(Topics.AUDIO_CLIPS.name(), Topics.AUDIO_FEATURES.name(), Topics.AUDIO_PREDICTIONS.name(),
                Topics.AUDIO_DLQ.name())) {
            for (int p = 0; p < 3; p++) {
                while (stack.isrSize(topic, p) < 3) {
                    if (System.nanoTime() - t0 > timeout.toNanos()) {
                        throw new AssertionError(topic + "-" + p + " has " + stack.isrSize(topic, p) + " in-sync replicas after " + timeout);
                    }
                    Thread.sleep(200);
                }
            }
        }
        return System.nanoTime() - t0;
    }

    @Test
    @Order(3)
    void featureStreamSigkilledMidStreamAndRestarted() throws Exception {
        sigkillScenario("feature-stream-sigkill", stack.features, Topics.AUDIO_FEATURES.name());
    }

    @Test
    @Order(4)
    void classifierSigkilledMidStreamAndRestarted() throws Exception {
        sigkillScenario("classifier-sigkill", stack.classifier, Topics.AUDIO_PREDICTIONS.name());
    }

    /**
     * SIGKILL and immediate restart, {@code hark.faults.kills} times (3; 1 with the legacy and dynamic memberships,
     * whose every recovery takes a session timeout) while inputs keep coming; each recovery measured,
     * then everything counted.
     */
    private static void sigkillScenario(String name, ServiceProcess service, String outputTopic) throws Exception {
        int kills = Integer.getInteger("hark.faults.kills", FaultStack.Membership.fromProperty() == FaultStack.Membership.PRODUCT
                ? 3 : 1);
        try (Scenario s = Scenario.start(name, 100_000)) {
            List<Recovery> recoveries = new java.util.ArrayList<>();
            for (int k = 0; k < kills; k++) {
                int outcomes = s.ledger().accounted(s.feeder().keysSent());
                s.awaitOutcomes(outcomes + 60, Duration.ofSeconds(120));
                recoveries.add(killAndRestart(service, s.ledger(), outputTopic));
            }
            s.awaitOutcomes(s.ledger().accounted(s.feeder().keysSent()) + 30, Duration.ofSeconds(120));
            Ledger.Count c = s.stopAndFinish();
            double[] first = recoveries.stream().mapToDouble(Recovery::firstOutputS).sorted().toArray();
            double[] running = recoveries.stream().mapToDouble(Recovery::runningS).sorted().toArray();
            String each = String.join(", ", recoveries.stream().map(r -> String.format(Locale.ROOT, "%.1f", r.firstOutputS()))
                    .toList());
            Recovery median = recoveries.stream().sorted(java.util.Comparator.comparingDouble(Recovery::firstOutputS))
                    .toList().get(recoveries.size() / 2);
            String notes = String.format(Locale.ROOT, "%d × (SIGKILL after 60 more outcomes, restarted at once on the same "
                    + "state directory); recovery = restart → first new record on %s, each: %s s (median shown; its "
                    + "log: %s)", kills, outputTopic, each, median.phases());
            report.row(service.name + " SIGKILLed mid-stream, restarted", c, first[first.length / 2],
                    running[running.length / 2], s.longestPauseS(), c.exactlyOnce() ? "pass" : "FAIL", notes);
            assertExactlyOnce(c);
        }
    }

    @Test
    @Order(5)
    void schemaRegistryStoppedFor30sMidStream() throws Exception {
        try (Scenario s = Scenario.start("registry-down-30s", 600)) {
            s.awaitOutcomes(60, Duration.ofSeconds(60));
            long down = System.nanoTime();
            stack.stopRegistry();
            Thread.sleep(Math.max(0, 30_000 - (System.nanoTime() - down) / 1_000_000));
            long starting = System.nanoTime();
            stack.startRegistry();
            long up = System.nanoTime();
            long during = s.ledger().arrivals(Topics.AUDIO_PREDICTIONS.name(), down, starting);
            Ledger.Count c = s.finish();
            boolean alive = stack.features.alive() && stack.classifier.alive();
            String notes = String.format(Locale.ROOT, "registry stopped (SIGTERM) after 60 outcomes, down %.1f s, started "
                    + "again on the same port and data directory (%.1f s to answer); %d predictions while it was down; "
                    + "services %s", (starting - down) / 1e9, (up - starting) / 1e9, during,
                    alive ? "kept running (no restart)" : "DIED: " + deaths());
            report.row("schema registry stopped for 30 s mid-stream", c, Double.NaN, Double.NaN, s.longestPauseS(),
                    c.exactlyOnce() && alive ? "pass" : "FAIL", notes);
            assertTrue(alive, "both services survive the registry outage: " + deaths());
            assertExactlyOnce(c);
        }
    }

    /**
     * The registry away while a service restarts (cold caches: it has to fetch schemas to start). A
     * supervisor (the test, like a container restart policy) starts a service that exited again once
     * the registry is back, so the count can still be made; the scenario fails if the service did not
     * survive on its own, with the exit status and error it gave.
     */
    @Test
    @Order(6)
    void featureStreamRestartedWhileTheRegistryIsDown() throws Exception {
        restartWhileRegistryDown("registry-down-feature-restart", stack.features, Topics.AUDIO_FEATURES.name());
    }

    @Test
    @Order(7)
    void classifierRestartedWhileTheRegistryIsDown() throws Exception {
        restartWhileRegistryDown("registry-down-classifier-restart", stack.classifier, Topics.AUDIO_PREDICTIONS.name());
    }

    private static void restartWhileRegistryDown(String name, ServiceProcess service, String outputTopic) throws Exception {
        try (Scenario s = Scenario.start(name, 480)) {
            s.awaitOutcomes(60, Duration.ofSeconds(60));
            long down = System.nanoTime();
            stack.stopRegistry();
            service.sigkill();
            service.start();
            service.note("restarted after SIGKILL with the registry down");
            Thread.sleep(Math.max(0, 30_000 - (System.nanoTime() - down) / 1_000_000));
            String failure = service.alive() ? null
                    : "exited with status " + service.exitValue() + ": " + errorLines(service);
            long back = System.nanoTime();
            stack.startRegistry();
            if (!service.alive()) {
                service.note("started again by the test (supervisor) after the registry came back");
                service.start();
            }
            service.awaitRunning(Duration.ofSeconds(120));
            double runningS = (System.nanoTime() - back) / 1e9;
            long firstOutput = s.ledger().firstArrival(outputTopic, back);
            while (firstOutput < 0 && System.nanoTime() - back < TimeUnit.MINUTES.toNanos(2)) {
                Thread.sleep(50);
                firstOutput = s.ledger().firstArrival(outputTopic, back);
            }
            Ledger.Count c = s.finish();
            String notes = String.format(Locale.ROOT, "registry stopped and %s SIGKILLed + restarted at once after 60 "
                    + "outcomes; registry back after %.1f s; recovery = the registry's restart → first new record on %s. %s",
                    service.name, (back - down) / 1e9, outputTopic, failure == null
                            ? "The service waited for the registry by itself."
                            : "The restarted service did not survive: " + failure + " (the test started it again)");
            report.row(service.name + " restarted while the registry is down 30 s", c,
                    firstOutput < 0 ? Double.NaN : (firstOutput - back) / 1e9, runningS, s.longestPauseS(),
                    c.exactlyOnce() && failure == null ? "pass" : "FAIL", notes);
            assertExactlyOnce(c);
            if (failure != null) {
                fail(service.name + " did not survive a restart while the registry was down: " + failure);
            }
        }
    }

    static String deaths() {
        StringBuilder sb = new StringBuilder();
        for (ServiceProcess p : List.of(stack.features, stack.classifier)) {
            if (!p.alive()) {
                sb.append(p.name).append(" exited ").append(p.exitValue()).append(": ").append(errorLines(p)).append("; ");
            }
        }
        return sb.toString();
    }

    /** The ERROR lines and exception lines at the end of a service's log: what it said before dying. */
    static String errorLines(ServiceProcess p) {
        return String.join(" / ", p.tail(60).lines().filter(l -> !l.startsWith("\t") && (l.contains("ERROR")
                || l.contains("Exception") || l.startsWith("Caused by"))).limit(6).toList());
    }
}
