package dev.hark.trainer.model;

import ai.djl.engine.Engine;

/**
 * The one PyTorch engine of this JVM. Thread counts must be set before the engine loads, and the
 * defaults cost 10–100× in latency on two shared cores, so everything goes through here.
 */
public final class Djl {

    private static Engine engine;
    private static int threads;

    private Djl() {
    }

    /** The engine, loaded on first call with {@code intraOpThreads} (later calls must not ask for other counts). */
    public static synchronized Engine engine(int intraOpThreads) {
        if (engine == null) {
            // Natives come from the pytorch-native-cpu jar; never reach for the network.
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            System.setProperty("OPT_OUT_TRACKING", "true");
            engine = Engine.getEngine("PyTorch");
            threads = intraOpThreads;
        }
        return engine;
    }

    /** Intra-op threads the engine was loaded with (0 before it is loaded). */
    public static synchronized int threads() {
        return threads;
    }
}
