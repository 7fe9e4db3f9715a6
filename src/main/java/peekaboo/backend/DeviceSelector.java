package peekaboo.backend;

import java.util.logging.Logger;
import peekaboo.backend.aparapi.AparapiBackend;
import peekaboo.backend.opencl.OpenClProvider;

/**
 * Parses {@code --device cpu|opencl|opencl:P:D|aparapi} into a backend. {@code opencl} is the first
 * GPU (else the first OpenCL device), {@code opencl:P:D} device D of platform P as listed by
 * {@code pab devices}. Problems (no OpenCL library, platform or device) end in one sentence.
 */
public final class DeviceSelector {
    private static final Logger LOG = Logger.getLogger(DeviceSelector.class.getName());

    private DeviceSelector() {}

    /** The backend named by a {@code --device} value. */
    public static Backend select(String spec) {
        String s = spec == null ? "" : spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) return Backends.cpu();
        if (s.equals("aparapi")) return AparapiBackend.instance();
        if (s.equals("opencl")) return OpenClProvider.defaultDevice();
        if (s.startsWith("opencl:")) {
            String[] parts = s.split(":");
            try {
                if (parts.length == 3) return OpenClProvider.device(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("--device must be cpu, opencl, opencl:P:D (platform and device numbers, see `pab devices`) or aparapi, got '"
                + spec + "'");
    }

    /** Selects the backend of a {@code --device} value and makes it the default for new tensors, logging the choice. */
    public static Backend use(String spec) {
        Backend b = select(spec);
        Backends.setDefault(b);
        LOG.fine(() -> "device: " + b.name());
        return b;
    }

    /**
     * The seed's {@code --use-cuda n}: OpenCL GPU number n (in `pab devices` order), made the default. Like the
     * reference, which computes on the CPU when CUDA is unavailable, a machine without an OpenCL GPU computes
     * on the CPU backend (say {@code --device opencl:P:D} to run on a CPU OpenCL driver such as PoCL).
     */
    public static Backend useCuda(int n) {
        Backend gpu = OpenClProvider.nthGpu(n);
        if (gpu == null) LOG.info(() -> "no OpenCL GPU here: --use-cuda " + n + " computes on the cpu backend, as the reference does without CUDA");
        Backend b = gpu != null ? gpu : Backends.cpu();
        Backends.setDefault(b);
        LOG.fine(() -> "device: " + b.name() + " (useCuda(" + n + "))");
        return b;
    }
}
