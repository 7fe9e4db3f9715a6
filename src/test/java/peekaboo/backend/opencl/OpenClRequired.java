package peekaboo.backend.opencl;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips OpenCL test containers with the reason when this machine has no OpenCL platform, except
 * with {@code CI=true} in the environment: there a missing platform is a failure (the tests run and
 * fail with the backend's one-sentence error).
 */
public final class OpenClRequired implements SkipExecutionHook {
    /** Null when OpenCL is usable here, else why not. */
    public static String unavailableReason() {
        try {
            OpenClProvider.defaultDevice();
            return null;
        } catch (RuntimeException | LinkageError e) {
            return e.getMessage();
        }
    }

    public static boolean ci() { return "true".equalsIgnoreCase(System.getenv("CI")); }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        String reason = unavailableReason();
        if (reason == null || ci()) return SkipResult.doNotSkip();
        return SkipResult.skip("OpenCL is not available here (" + reason + "); with CI=true this is a failure");
    }
}
