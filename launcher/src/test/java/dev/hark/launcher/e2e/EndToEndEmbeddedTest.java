package dev.hark.launcher.e2e;

import dev.hark.testing.EmbeddedInfra;
import dev.hark.testing.HarkInfra;

/** The end-to-end scenario on the in-process KRaft broker and Apicurio Registry (what CI runs). */
class EndToEndEmbeddedTest extends EndToEndContract {
    @Override
    protected HarkInfra infra() {
        return EmbeddedInfra.shared();
    }
}
