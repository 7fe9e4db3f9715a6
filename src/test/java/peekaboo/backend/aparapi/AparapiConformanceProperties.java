package peekaboo.backend.aparapi;

import java.util.Map;
import net.jqwik.api.lifecycle.AfterContainer;
import peekaboo.backend.Backend;
import peekaboo.backend.BackendConformanceProperties;
import peekaboo.backend.Backends;

/**
 * The conformance suite on {@code aparapi} against the CPU reference. Nothing is skipped: ops
 * without an Aparapi kernel run through the backend's explicit CPU fallback, which the report lists.
 */
class AparapiConformanceProperties extends BackendConformanceProperties {
    static final Map<String, String> SKIP = Map.of();

    @Override
    protected Backend backend() { return Backends.byName("aparapi"); }

    @Override
    protected Map<String, String> skipList() { return SKIP; }

    @AfterContainer
    static void report() {
        AparapiBackend b = AparapiBackend.instance();
        System.out.println("[conformance] aparapi: kernels ran as " + b.executionModes() + "; skip list: " + (SKIP.isEmpty() ? "(empty)" : SKIP)
                + "; CPU fallbacks used: " + b.fallbacks());
    }
}
