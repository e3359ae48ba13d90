package dev.hark.trainer.online;

/**
 * When a candidate becomes champion: when there is no comparable champion, or when it is not worse
 * than the champion on the same held-out speakers. Ties promote: the newer model has seen more data.
 */
public final class PromotionGate {

    private PromotionGate() {
    }

    public static boolean promote(double candidateAccuracy, Double championAccuracy) {
        return championAccuracy == null || candidateAccuracy >= championAccuracy;
    }
}
