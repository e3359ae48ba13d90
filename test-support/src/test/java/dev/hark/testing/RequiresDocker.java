package dev.hark.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Skips a container test class, saying why, when no Docker engine can be reached. Put it before
 * {@code @Testcontainers(disabledWithoutDocker = true)}: JUnit stops at the first condition that
 * disables a class, so Testcontainers' own Docker probing (a few seconds of failing socket strategies
 * and an ERROR log) never starts on a machine without Docker.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(DockerCondition.class)
public @interface RequiresDocker {
}
