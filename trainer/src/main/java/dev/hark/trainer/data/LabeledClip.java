package dev.hark.trainer.data;

/**
 * One labeled recording, decoded and resampled to the feature rate.
 *
 * @param name    where it came from (a file name relative to the dataset root, or a clip id)
 * @param label   the digit 0–9
 * @param speaker who spoke it; clips of one speaker never straddle a train/evaluation boundary
 * @param take    the take number from the file name, or -1 when there is none
 * @param samples mono samples at the feature rate
 */
public record LabeledClip(String name, int label, String speaker, int take, float[] samples) {

    public LabeledClip {
        if (label < 0 || label > 9) {
            throw new IllegalArgumentException(name + ": label " + label + " is not a digit 0-9");
        }
    }
}
