package dev.hark.trainer.model;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PyTorch natives per platform: DJL's platform names, and what a platform without them is told. */
class DjlPlatformTest {

    @Test
    void platformNamesAreDjlClassifiers() {
        assertEquals("linux-x86_64", Djl.platform("Linux", "amd64"));
        assertEquals("linux-aarch64", Djl.platform("Linux", "aarch64"));
        assertEquals("osx-aarch64", Djl.platform("Mac OS X", "aarch64"));
        assertEquals("osx-x86_64", Djl.platform("Mac OS X", "x86_64"));
        assertEquals("win-x86_64", Djl.platform("Windows 11", "amd64"));
        for (String p : new String[] {"linux-x86_64", "linux-aarch64", "osx-aarch64"}) {
            assertTrue(Djl.SUPPORTED.contains(p), p);
        }
    }

    @Test
    void anUnsupportedPlatformIsNamedWithTheSupportedOnes() {
        String message = Djl.unsupported("Windows 11", "amd64");
        assertTrue(message.contains("os.name=Windows 11"), message);
        assertTrue(message.contains("os.arch=amd64"), message);
        assertTrue(message.contains("win-x86_64"), message);
        assertTrue(message.contains("linux-x86_64, linux-aarch64, osx-aarch64"), message);
    }

    @Test
    void thisBuildCarriesTheNativesForThisPlatform() throws IOException {
        String platform = Djl.platform(System.getProperty("os.name"), System.getProperty("os.arch"));
        Assumptions.assumeTrue(Djl.SUPPORTED.contains(platform), "no PyTorch natives for " + platform);
        // the Maven profile of this platform put its pytorch-native-cpu jar on the test class path
        List<String> found = new ArrayList<>();
        for (URL url : Collections.list(Djl.class.getClassLoader().getResources("native/lib/pytorch.properties"))) {
            try (InputStream in = url.openStream()) {
                Properties p = new Properties();
                p.load(in);
                found.add(p.getProperty("classifier"));
            }
        }
        assertTrue(found.contains(platform), Djl.notLoaded(platform) + " Found: " + found);
    }
}
