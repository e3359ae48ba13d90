package dev.hark.trainer;

import dev.hark.audio.Digests;
import dev.hark.trainer.data.Dataset;
import dev.hark.trainer.data.LabeledClip;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Which clips judge a model and are never trained on: the one rule of {@code hark train} and of the
 * online trainer. In order:
 * <ol>
 *   <li><b>speakers named</b> ({@code --holdout}, {@link #ofSpeakers}): every clip of those speakers;</li>
 *   <li><b>a fraction of clips</b> ({@link #ofClips}): that share of every speaker's clips, chosen by a hash
 *       of the clip's name, and every speaker is trained on: for a closed set of users (the demo), where
 *       new speakers are not the question;</li>
 *   <li><b>the dataset's standard split</b> when it has one (FSDD: takes 0–4 of every speaker);</li>
 *   <li>otherwise <b>a fifth of the speakers</b> (at least one), chosen by a hash of the name.</li>
 * </ol>
 * By speaker (or by the published take split) is the default because a digit recogniser is judged on
 * voices it has not heard. Every choice is made from the clips' own names, never from a seed or an
 * order: the online trainer's labeled set grows between trainings, and the same clips (and the same
 * speakers, while the speakers are the same) must stay held out, or a candidate and the champion would be
 * compared on clips one of them was trained on. A split that leaves nothing to train or to evaluate on
 * (one speaker only, or too few clips) is a {@link NotEnoughDataException}: the online trainer waits for
 * more clips, {@code hark train} stops with the reason.
 */
public record Holdout(List<String> speakers, double clipFraction) {

    public Holdout {
        speakers = List.copyOf(speakers);
        if (clipFraction != 0 && !(clipFraction > 0 && clipFraction < 1)) {
            throw new IllegalArgumentException("the held-out fraction of clips must be between 0 and 1, not " + clipFraction);
        }
        if (clipFraction > 0 && !speakers.isEmpty()) {
            throw new IllegalArgumentException("hold out speakers or a fraction of clips, not both");
        }
    }

    /** The default: the standard split, or a fifth of the speakers. */
    public static Holdout automatic() {
        return new Holdout(List.of(), 0);
    }

    /** These speakers' clips; none named means {@link #automatic()}. */
    public static Holdout ofSpeakers(List<String> speakers) {
        return new Holdout(speakers, 0);
    }

    /** This share of every speaker's clips. */
    public static Holdout ofClips(double fraction) {
        if (fraction == 0) {
            throw new IllegalArgumentException("the held-out fraction of clips must be between 0 and 1, not 0");
        }
        return new Holdout(List.of(), fraction);
    }

    /**
     * The split of {@code data}'s clips.
     *
     * @param train       indices of the clips to train on
     * @param evaluation  indices of the held-out clips
     * @param speakers    the held-out speakers (empty when clips, not speakers, are held out)
     * @param description what is held out, for reports and logs
     */
    public record Split(int[] train, int[] evaluation, List<String> speakers, String description) {}

    /** @throws NotEnoughDataException when the split leaves nothing to train or to evaluate on */
    public Split split(Dataset data) {
        Split s;
        if (clipFraction > 0) {
            s = split(data, c -> heldOutClip(c.name(), clipFraction), List.of(), String.format(Locale.ROOT,
                    "%.0f%% of every speaker's clips (by clip name)", 100 * clipFraction));
        } else if (!speakers.isEmpty()) {
            s = bySpeakers(data, speakers);
        } else if (data.hasStandardSplit()) {
            s = split(data, c -> c.take() >= 0 && c.take() < 5, List.of(), "standard split (takes 0-4 of every speaker)");
        } else {
            List<String> all = data.speakers();
            if (all.size() < 2) {
                throw new NotEnoughDataException("holding speakers out needs clips of at least two speakers (speakers: "
                        + all + ")");
            }
            s = bySpeakers(data, speakersOf(all));
        }
        if (s.train().length == 0 || s.evaluation().length == 0) {
            throw new NotEnoughDataException("the split leaves " + s.train().length + " clips to train on and "
                    + s.evaluation().length + " to evaluate (" + data.clips().size() + " clips, speakers "
                    + data.speakers() + "): " + s.description());
        }
        return s;
    }

    private static Split bySpeakers(Dataset data, List<String> held) {
        return split(data, c -> held.contains(c.speaker()), held, "held-out speakers " + held + " (never seen in training)");
    }

    private static Split split(Dataset data, Predicate<LabeledClip> held, List<String> speakers, String description) {
        return new Split(data.indices(held.negate()), data.indices(held), List.copyOf(speakers), description);
    }

    /** A fixed fifth of the speakers (at least one), by hash of the name: stable as long as the speakers are. */
    static List<String> speakersOf(List<String> speakers) {
        int k = Math.max(1, (int) Math.round(speakers.size() * 0.2));
        return speakers.stream().sorted(Comparator.comparing(Holdout::hash)).limit(k).sorted().toList();
    }

    /** A fixed share of clips, by hash of the clip's name: the same clips stay held out as the set grows. */
    static boolean heldOutClip(String name, double fraction) {
        long v = Long.parseLong(hash(name).substring(0, 12), 16);
        return v < fraction * (1L << 48);
    }

    private static String hash(String s) {
        return Digests.sha256(s.getBytes(StandardCharsets.UTF_8));
    }
}
