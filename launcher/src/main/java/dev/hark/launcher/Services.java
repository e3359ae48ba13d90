package dev.hark.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import dev.hark.features.stream.FeatureStreamService;
import dev.hark.features.stream.FeatureStreamTopology;
import dev.hark.schemas.ClusterConfig;

/** Hark's stream services running inside the `hark` process, for the local stack. */
final class Services implements AutoCloseable {
    private final List<String> names = new ArrayList<>();
    private final List<AutoCloseable> running = new ArrayList<>();

    static Services none() {
        return new Services();
    }

    static Services start(ClusterConfig cluster, Path stateDir) {
        Services services = new Services();
        try {
            FeatureStreamService features = new FeatureStreamService(cluster, FeatureStreamTopology.Settings.defaults(),
                    stateDir.resolve("feature-stream"), new Properties());
            features.start();
            services.add("feature-stream", features);
        } catch (RuntimeException e) {
            services.close();
            throw e;
        }
        return services;
    }

    private void add(String name, AutoCloseable service) {
        names.add(name);
        running.add(service);
    }

    String describe() {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    /** Stops the services in reverse order of starting. */
    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop " + names.get(i) + " cleanly: " + e.getMessage());
            }
        }
        running.clear();
    }
}
