package dev.hark.testing;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Stops the shared embedded Kafka and registry when the test plan has finished, before the JVM starts
 * shutting down (see {@link EmbeddedInfra} for why the shutdown hook alone is not enough). Registered
 * through {@code META-INF/services}, so every module whose tests use the embedded infra gets it.
 */
public final class EmbeddedInfraShutdown implements TestExecutionListener {

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        EmbeddedInfra.stopAll();
    }
}
