package dev.hark.trainer.online;

import dev.hark.audio.dsp.FeatureSpec;
import dev.hark.avro.ModelRelease;
import dev.hark.model.ModelReleases;
import dev.hark.schemas.FeatureConfigs;
import dev.hark.trainer.Holdout;
import dev.hark.trainer.TrainingRun;
import dev.hark.trainer.model.TrainingOptions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code models} record of an online training's candidate: the ONNX file, both accuracies on the same
 * held-out clips, whether the {@link PromotionGate} made it champion, and metrics and notes that say how
 * it was made.
 */
final class CandidateRelease {

    private CandidateRelease() {
    }

    /**
     * @param championAccuracy the champion's accuracy on the candidate's held-out clips, null when there is no
     *                         comparable champion
     * @param excluded         stored clips this training had to leave out
     */
    static ModelRelease of(int version, TrainingRun.Result run, Holdout holdout, Optional<ModelRelease> champion,
                           Double championAccuracy, String why, TrainingOptions options, FeatureSpec spec,
                           List<String> speakers, int labeledClips, int excluded, double seconds) {
        double accuracy = run.evaluation().accuracy();
        boolean promote = PromotionGate.promote(accuracy, championAccuracy);
        int evaluated = run.split().evaluation().length;
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("accuracy", accuracy);
        metrics.put("macro_f1", run.evaluation().macroF1());
        metrics.put("evaluation_clips", (double) evaluated);
        metrics.put("training_clips", (double) run.split().train().length);
        metrics.put("labeled_clips", (double) labeledClips);
        metrics.put("training_seconds", seconds);
        metrics.put("djl_onnx_max_abs_logit_diff", run.parity());
        metrics.put("final_train_loss", run.finalTrainLoss());
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("reason", why);
        notes.put("options", options.toString());
        notes.put("speakers", String.join(",", speakers));
        notes.put("evaluation", holdout.clipFraction() > 0
                ? String.format(Locale.ROOT, "%d held-out clips (%.0f%% of every speaker's, by clip id)", evaluated,
                100 * holdout.clipFraction())
                : "held-out speakers " + run.split().speakers());
        if (excluded > 0) {
            notes.put("excluded", excluded + " clip(s) that could not be trained on, taken out of the set");
        }
        notes.put("decision", promote ? (championAccuracy == null ? "champion: no comparable champion"
                : String.format(Locale.ROOT, "champion: %.4f >= %.4f of v%d", accuracy, championAccuracy,
                champion.orElseThrow().getVersion()))
                : String.format(Locale.ROOT, "not promoted: %.4f < %.4f of v%d", accuracy, championAccuracy,
                champion.orElseThrow().getVersion()));
        return ModelReleases.of(version, champion.map(ModelRelease::getVersion).orElse(null), spec.id(),
                FeatureConfigs.toAvro(spec), run.onnx(), promote, accuracy, championAccuracy, run.split().speakers(),
                metrics, notes);
    }
}
