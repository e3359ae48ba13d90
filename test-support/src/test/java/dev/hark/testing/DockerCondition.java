package dev.hark.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enabled when DOCKER_HOST is set or a Docker socket exists; see {@link RequiresDocker}. */
public final class DockerCondition implements ExecutionCondition {
    private static final Path[] SOCKETS = {Path.of("/var/run/docker.sock"),
            Path.of(System.getProperty("user.home"), ".docker/run/docker.sock"),
            Path.of(System.getProperty("user.home"), ".testcontainers.properties")};

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String host = System.getenv("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            return ConditionEvaluationResult.enabled("DOCKER_HOST=" + host);
        }
        for (Path socket : SOCKETS) {
            if (Files.exists(socket)) {
                return ConditionEvaluationResult.enabled(socket + " exists");
            }
        }
        return ConditionEvaluationResult.disabled("Docker is not available (no DOCKER_HOST, no /var/run/docker.sock): "
                + "the same scenario runs on the embedded cluster instead");
    }
}
