package peekaboo.backend;

import java.util.List;

/** Service-provider interface through which optional backends (OpenCL, Aparapi) make themselves known. */
public interface BackendProvider {
    /** The backends this provider can create on this machine (may be empty); may throw if its native library is missing. */
    List<Backend> create();
}
