package peekaboo.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.logging.Logger;
import peekaboo.backend.cpu.CpuBackend;

/**
 * The registry of backends: the CPU backend is always there; others are found through
 * {@link ServiceLoader} ({@link BackendProvider}). New tensors are created on the default backend,
 * ops run on the backend of their inputs.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class.getName());
    private static final CpuBackend CPU = new CpuBackend();
    private static volatile Backend defaultBackend = CPU;

    private Backends() {}

    public static Backend cpu() { return CPU; }

    public static Backend getDefault() { return defaultBackend; }

    public static void setDefault(Backend backend) {
        defaultBackend = backend;
        LOG.fine(() -> "default backend: " + backend.name());
    }

    /** Every backend whose provider can create one on this machine, the CPU first. */
    public static List<Backend> available() {
        List<Backend> all = new ArrayList<>();
        all.add(CPU);
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            try {
                all.addAll(p.create());
            } catch (RuntimeException | LinkageError e) {
                LOG.fine(() -> "backend provider " + p.getClass().getName() + " is not usable here: " + e.getMessage());
            }
        }
        return all;
    }

    /** The backend with this name ({@code cpu}, ...), with a clear error listing the names there are. */
    public static Backend byName(String name) {
        if ("cpu".equals(name)) return CPU;
        List<String> names = new ArrayList<>();
        for (Backend b : available()) {
            if (b.name().equals(name)) return b;
            names.add(b.name());
        }
        throw new IllegalArgumentException("no backend named '" + name + "'; available here: " + String.join(", ", names));
    }
}
