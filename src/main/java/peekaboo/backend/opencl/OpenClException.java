package peekaboo.backend.opencl;

/** An OpenCL failure explained in one sentence (no library, no platform, no device, build error, out of memory). */
public final class OpenClException extends IllegalStateException {
    public OpenClException(String message) { super(message); }

    public OpenClException(String message, Throwable cause) { super(message, cause); }
}
