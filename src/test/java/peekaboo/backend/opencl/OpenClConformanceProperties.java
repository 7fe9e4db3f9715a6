package peekaboo.backend.opencl;

import java.util.Map;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import peekaboo.backend.Backend;
import peekaboo.backend.BackendConformanceProperties;
import peekaboo.backend.Backends;

/** The conformance suite on the default OpenCL device ({@code opencl}) against the CPU reference. */
@AddLifecycleHook(OpenClRequired.class)
class OpenClConformanceProperties extends BackendConformanceProperties {
    /** Every SPI op runs on the device; nothing is skipped. */
    static final Map<String, String> SKIP = Map.of();

    @Override
    protected Backend backend() { return Backends.byName("opencl"); }

    @Override
    protected Map<String, String> skipList() { return SKIP; }

    @AfterContainer
    static void report() {
        System.out.println("[conformance] opencl on " + OpenClProvider.defaultDevice().info().describe() + "; skip list: "
                + (SKIP.isEmpty() ? "(empty)" : SKIP));
    }
}
