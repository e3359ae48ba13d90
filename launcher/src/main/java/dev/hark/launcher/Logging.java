package dev.hark.launcher;

import java.nio.file.Path;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.FileAppender;

/** Long-running commands log everything to a file; the terminal keeps only what a person needs. */
final class Logging {
    private Logging() {
    }

    static void toFile(Path file) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n");
        encoder.start();
        FileAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        // the terminal shows errors only; the file gets INFO from everyone
        ch.qos.logback.core.Appender<ch.qos.logback.classic.spi.ILoggingEvent> console = root.getAppender("CONSOLE");
        if (console != null) {
            ch.qos.logback.classic.filter.ThresholdFilter onlyErrors = new ch.qos.logback.classic.filter.ThresholdFilter();
            onlyErrors.setLevel("ERROR");
            onlyErrors.start();
            console.addFilter(onlyErrors);
        }
        root.setLevel(Level.INFO);
        root.addAppender(appender);
        for (String noisy : new String[] {"org.apache.kafka", "kafka", "state.change.logger", "dev.hark"}) {
            context.getLogger(noisy).setLevel(Level.INFO);
        }
    }
}
