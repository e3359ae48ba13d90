package dev.hark.trainer;

/**
 * A training was not attempted: too few clips, or a holdout that leaves nothing to train or to evaluate
 * on. The online trainer waits for more clips; {@code hark train} stops with the message.
 */
public final class NotEnoughDataException extends IllegalStateException {
    public NotEnoughDataException(String message) {
        super(message);
    }
}
