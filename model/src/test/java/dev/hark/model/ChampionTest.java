package dev.hark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.hark.avro.ModelRelease;

class ChampionTest {

    static ModelRelease release(int version, boolean champion) {
        return ModelRelease.newBuilder().setVersion(version).setCreatedAtMs(Instant.ofEpochMilli(1_000L * version))
                .setParentVersion(null).setFeatureConfigId(TestModels.CONFIG_ID).setFeatureConfig(TestModels.featureConfig())
                .setOnnx(ByteBuffer.wrap(new byte[] {1})).setOnnxSha256("00").setOutput("probabilities")
                .setChampion(champion).setCandidateAccuracy(null).setChampionAccuracy(null)
                .setEvaluationSpeakers(List.of()).setNotes(Map.of("by", "test")).build();
    }

    @Test
    void theChampionIsTheMostRecentRecordWithTheFlag() {
        assertEquals(Optional.empty(), Champion.of(List.of()));
        assertEquals(Optional.empty(), Champion.of(List.of(release(1, false), release(2, false))));
        assertEquals(2, Champion.of(List.of(release(1, true), release(2, true), release(3, false))).orElseThrow().getVersion());
        // a rollback appends v1 again with the flag
        assertEquals(1, Champion.of(List.of(release(1, true), release(2, true), release(1, true))).orElseThrow().getVersion());
        assertTrue(Champion.makesChampion(release(5, true)));
        assertFalse(Champion.makesChampion(release(5, false)));
        Optional<ModelRelease> v1 = Optional.of(release(1, true));
        assertEquals(v1, Champion.after(v1, release(2, false)));
        assertEquals(2, Champion.after(v1, release(2, true)).orElseThrow().getVersion());
    }

    @Test
    void aPromotionIsTheReleaseAgainWithTheFlagAndANote() {
        ModelRelease p = Champion.promotion(release(4, false), "hark models promote", Instant.parse("2025-01-02T03:04:05Z"));
        assertTrue(p.getChampion());
        assertEquals(4, p.getVersion());
        assertEquals("test", p.getNotes().get("by"));
        assertEquals("2025-01-02T03:04:05Z by hark models promote", p.getNotes().get("promoted"));
    }

    @Test
    void theCatalogListsEachVersionOnceWithItsFirstRecord() {
        ModelCatalog catalog = new ModelCatalog(List.of(release(2, true), release(1, false), release(2, false), release(1, true)));
        assertEquals(List.of(1, 2), List.copyOf(catalog.versions().keySet()));
        assertFalse(catalog.version(1).orElseThrow().getChampion(), "the first record of v1");
        assertEquals(1, catalog.champion().orElseThrow().getVersion());
        assertEquals(2, catalog.latestVersion());
        assertEquals(0, new ModelCatalog(List.of()).latestVersion());
        assertTrue(catalog.version(9).isEmpty());
    }
}
