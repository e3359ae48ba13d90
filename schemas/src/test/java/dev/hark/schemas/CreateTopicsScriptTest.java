package dev.hark.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code docker/create-topics.sh} runs in the Kafka image, where Hark's Java is not, so it writes the
 * topics out again in shell. This keeps that copy equal to {@link Topics}, the one registry: every
 * topic, its partitions rule and every config setting.
 */
class CreateTopicsScriptTest {

    private static final Pattern VAR = Pattern.compile("^([A-Z_]+)=(\\S+)", Pattern.MULTILINE);
    private static final Pattern TOPIC = Pattern.compile("^topic\\s+(\\S+)\\s+(\\S+)\\s+\"([^\"]*)\"", Pattern.MULTILINE);

    @Test
    void theComposeScriptCreatesExactlyTheTopicsOfTheRegistry() throws IOException {
        Path script = Path.of("..", "docker", "create-topics.sh"); // tests run in the module's folder
        String text = Files.readString(script);
        Map<String, String> vars = new LinkedHashMap<>();
        Matcher v = VAR.matcher(text);
        while (v.find()) {
            vars.put(v.group(1), v.group(2));
        }
        Map<String, Topics.TopicSpec> fromScript = new TreeMap<>();
        Matcher m = TOPIC.matcher(text);
        while (m.find()) {
            String partitions = m.group(2);
            int parts = partitions.equals("\"$PARTITIONS\"") ? 7 : Integer.parseInt(partitions);
            Map<String, String> configs = new TreeMap<>();
            for (String kv : m.group(3).split(",")) {
                String[] p = kv.split("=", 2);
                String value = p[1].startsWith("$") ? vars.get(p[1].substring(1)) : p[1];
                configs.put(p[0], value);
            }
            fromScript.put(m.group(1), new Topics.TopicSpec(m.group(1), parts, configs));
        }
        Map<String, Topics.TopicSpec> expected = new TreeMap<>();
        for (Topics.TopicSpec spec : Topics.specs(7)) {
            expected.put(spec.name(), new Topics.TopicSpec(spec.name(), spec.partitions(), new TreeMap<>(spec.configs())));
        }
        assertTrue(fromScript.size() >= 1, "no `topic NAME PARTITIONS \"CONFIGS\"` lines found in " + script);
        assertEquals(expected, fromScript, script + " differs from Topics");
    }
}
