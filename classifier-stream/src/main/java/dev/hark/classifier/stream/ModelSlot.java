package dev.hark.classifier.stream;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import dev.hark.model.inference.DigitModel;

/**
 * The champion model of one classifier instance, shared by the thread that loads models and the
 * threads that score. A new model is complete before it is {@link #swap swapped} in (one atomic
 * reference write), so a batch is scored entirely by the old model or entirely by the new one, never
 * by a half-loaded one. The old model is {@link DigitModel#close() closed}, which frees its ONNX
 * Runtime session only after the batches still using it have finished.
 */
public final class ModelSlot implements AutoCloseable {
    private final AtomicReference<DigitModel> current = new AtomicReference<>();
    private volatile boolean closed;

    /** The champion, retained for the caller (who must {@link DigitModel#release()} it); empty while there is none. */
    public Optional<DigitModel> acquire() {
        while (true) {
            DigitModel model = current.get();
            if (model == null) {
                return Optional.empty();
            }
            if (model.tryRetain()) {
                return Optional.of(model);
            }
            // closed between the read and the retain: a newer one is already in place, read again
            if (current.get() == model) {
                return Optional.empty();
            }
        }
    }

    /** The serving version, if any (for logs and metrics). */
    public Optional<Integer> version() {
        DigitModel model = current.get();
        return model == null ? Optional.empty() : Optional.of(model.version());
    }

    /** Puts {@code model} in place and retires the previous champion (returned, already closed). */
    public Optional<DigitModel> swap(DigitModel model) {
        if (closed) {
            model.close();
            throw new IllegalStateException("the model slot is closed");
        }
        DigitModel old = current.getAndSet(model);
        if (old != null) {
            old.close();
        }
        return Optional.ofNullable(old);
    }

    @Override
    public void close() {
        closed = true;
        DigitModel old = current.getAndSet(null);
        if (old != null) {
            old.close();
        }
    }
}
