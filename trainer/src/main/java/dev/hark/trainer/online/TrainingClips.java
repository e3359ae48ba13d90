package dev.hark.trainer.online;

import dev.hark.audio.Audio;
import dev.hark.audio.Pcm16;
import dev.hark.audio.Resampler;
import dev.hark.avro.AudioClip;
import dev.hark.schemas.input.InputChecks;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.data.LabeledClip;
import dev.hark.trainer.online.LabeledClipStore.StoredClip;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored clips a training can use, decoded, resampled to the feature rate and turned into clean
 * features, and those it cannot, with the reason: a clip that fails today's input checks (stored by an
 * older version without them), or whose decoding, resampling or features throw. A clip never breaks a
 * training; the trainer takes the broken ones out of the store and dead-letters them.
 *
 * @param clips    the usable clips (take -1: clips from a topic have no take)
 * @param features their clean model inputs, index by index
 * @param broken   clip id → why it cannot be trained on, in store order
 */
record TrainingClips(List<LabeledClip> clips, float[][][] features, Map<String, String> broken) {

    static TrainingClips of(List<StoredClip> stored, int sampleRate, TrainingRun run) {
        Map<String, String> broken = new LinkedHashMap<>();
        List<LabeledClip> clips = new ArrayList<>(stored.size());
        for (StoredClip s : stored) {
            try {
                Optional<InputChecks.Problem> problem = InputChecks.labeledClip(s.clip());
                if (problem.isPresent()) {
                    broken.put(s.clipId(), "it fails the input checks (" + problem.get()
                            + "); it was stored by a version without them");
                    continue;
                }
                clips.add(decode(s.clip(), sampleRate));
            } catch (RuntimeException e) {
                broken.put(s.clipId(), "decoding or resampling it failed: " + e);
            }
        }
        float[][][] features;
        try {
            features = run.features(clips);
        } catch (RuntimeException e) {
            // some clip broke the feature extraction: find which, one at a time
            List<LabeledClip> fine = new ArrayList<>(clips.size());
            for (LabeledClip c : clips) {
                try {
                    run.extractor().logMel(c.samples());
                    fine.add(c);
                } catch (RuntimeException x) {
                    broken.put(c.name(), "computing its features failed: " + x);
                }
            }
            if (fine.size() == clips.size()) {
                throw e; // no clip alone breaks it: not a clip's fault
            }
            clips = fine;
            features = run.features(clips);
        }
        return new TrainingClips(List.copyOf(clips), features, broken);
    }

    /** A stored clip as a training clip: mono samples at {@code rate}, named by its clip id. */
    static LabeledClip decode(AudioClip c, int rate) {
        ByteBuffer pcm = c.getPcm().duplicate();
        Audio a = Resampler.toRate(Audio.mono(Pcm16.toFloats(pcm), c.getSampleRate()), rate);
        return new LabeledClip(c.getClipId(), c.getLabel(), c.getSpeaker(), -1, a.samples());
    }
}
