package dev.hark.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints every skipped test or test class and why on the console, so a run without Docker or
 * without the shared recordings says what it did not test instead of only counting skips.
 * Registered with the JUnit Platform launcher through {@code META-INF/services}.
 */
public final class SkipReporter implements TestExecutionListener {

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
            report(test, result.getThrowable().map(t -> t.getMessage() == null ? t.toString() : t.getMessage())
                    .orElse("aborted"));
        }
    }

    private static void report(TestIdentifier test, String reason) {
        String where = test.getSource().map(Object::toString).orElse(test.getDisplayName())
                .replaceAll("^(ClassSource|MethodSource) \\[className = '([^']*)'(, methodName = '([^']*)')?.*$", "$2 $4")
                .trim();
        System.out.println("[SKIPPED] " + where + ": " + reason);
    }
}
