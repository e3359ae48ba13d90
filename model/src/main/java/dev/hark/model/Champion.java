package dev.hark.model;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.hark.avro.ModelRelease;
import dev.hark.schemas.serde.TrustedAvroClasses;

/**
 * Which model serves: the rule every Hark component uses (the classifier stream, the trainer,
 * {@code hark models}, {@code hark status}).
 *
 * <p><b>The champion is the release in the most recent record (by offset) of {@code models} whose
 * {@code champion} flag is true.</b> A release with {@code champion = false} is recorded but changes
 * nothing; promoting or rolling back appends a copy of that version's release with
 * {@code champion = true}, so the topic is also the history of which model served when.
 */
public final class Champion {

    private Champion() {
    }

    /** True when {@code record}, read after every earlier one, makes its version the champion. */
    public static boolean makesChampion(ModelRelease record) {
        return Boolean.TRUE.equals(record.getChampion());
    }

    /** The champion after {@code current} and then {@code next}: the rule applied to one more record. */
    public static Optional<ModelRelease> after(Optional<ModelRelease> current, ModelRelease next) {
        return makesChampion(next) ? Optional.of(next) : current;
    }

    /** The champion of the records of {@code models} in offset order, if any version was ever made champion. */
    public static Optional<ModelRelease> of(List<ModelRelease> recordsInOffsetOrder) {
        Optional<ModelRelease> champion = Optional.empty();
        for (ModelRelease r : recordsInOffsetOrder) {
            champion = after(champion, r);
        }
        return champion;
    }

    /**
     * The record that makes {@code release}'s version the champion (rollback or forward): a copy with
     * {@code champion = true} and a note of who promoted it and when, to be appended to {@code models}.
     */
    public static ModelRelease promotion(ModelRelease release, String by, Instant at) {
        TrustedAvroClasses.install(); // the builder's deep copy loads the nested record classes
        Map<String, String> notes = new LinkedHashMap<>(release.getNotes());
        notes.put("promoted", at + " by " + by);
        return ModelRelease.newBuilder(release).setChampion(true).setNotes(notes).build();
    }
}
