package peekaboo.backend.opencl;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import org.jocl.CLException;
import org.jocl.NativePointerObject;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;

/**
 * One OpenCL device: its context, its single in-order command queue, and the programs compiled
 * for it (cached by source file and element type). Kernel launches are serialised on this object
 * because cl_kernel argument state is not thread-safe.
 */
final class OpenClDevice {
    private static final Logger LOG = Logger.getLogger(OpenClDevice.class.getName());

    final OpenClPlatforms.DeviceInfo info;
    final cl_context context;
    final cl_command_queue queue;
    final boolean fp64;
    /** Whether float32 division and sqrt can be built correctly rounded (CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT). */
    final boolean exactFloatDivide;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    /** A local-memory argument of this many bytes. */
    record Local(long bytes) {}

    OpenClDevice(OpenClPlatforms.DeviceInfo info) {
        this.info = info;
        this.fp64 = info.fp64();
        this.exactFloatDivide = (OpenClPlatforms.deviceLong(info.deviceId(), CL_DEVICE_SINGLE_FP_CONFIG) & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, info.platformId());
            context = clCreateContext(props, 1, new cl_device_id[] {info.deviceId()}, null, null, null);
            queue = clCreateCommandQueue(context, info.deviceId(), 0, null);
        } catch (CLException e) {
            throw new OpenClException("could not open OpenCL device " + info.name() + ": " + e.getMessage(), e);
        }
        LOG.info(() -> "OpenCL device opened: " + info.describe());
    }

    /** The kernel {@code name} of program {@code file} (kernels/FILE.cl), compiled for element type T (null: untyped). */
    synchronized cl_kernel kernel(String file, String type, String name) {
        String key = file + "/" + type + "/" + name;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            k = clCreateKernel(program(file, type), name, null);
            kernels.put(key, k);
        }
        return k;
    }

    private cl_program program(String file, String type) {
        String key = file + "/" + type;
        cl_program p = programs.get(key);
        if (p != null) return p;
        if ("double".equals(type) && !fp64) throw noFp64();
        String source = resource("common.cl") + "\n" + resource(file + ".cl");
        String options = "-DHAS_FP64=" + (fp64 ? 1 : 0) + (type == null ? "" : " -DT=" + type)
                + ("pab".equals(file) && !fp64 && exactFloatDivide ? " -cl-fp32-correctly-rounded-divide-sqrt" : "");
        p = build(file + ".cl", source, options);
        programs.put(key, p);
        return p;
    }

    /** Compiles a program; a build failure throws with the compiler's log. */
    cl_program build(String what, String source, String options) {
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(p, 0, null, options, null, null);
        } catch (CLException e) {
            throw new OpenClException("the OpenCL kernel " + what + " (" + options + ") failed to build on " + info.name()
                    + "; build log:\n" + buildLog(p), e);
        }
        return p;
    }

    OpenClException noFp64() {
        return new OpenClException("the OpenCL device " + info.name() + " does not support float64 (cl_khr_fp64); use float32 tensors or --device cpu");
    }

    private String buildLog(cl_program p) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, info.deviceId(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, info.deviceId(), CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            return new String(b, StandardCharsets.UTF_8).trim();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private static String resource(String name) {
        try (InputStream in = OpenClDevice.class.getResourceAsStream("/kernels/" + name)) {
            if (in == null) throw new OpenClException("the OpenCL kernel source kernels/" + name + " is missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpenClException("could not read kernels/" + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets the arguments and enqueues the kernel over {@code global} work-items (rounded up to the
     * work-group size when {@code local} is given). Arguments: Integer, Long, Double (passed as the
     * device's accumulation type), Float, int[] (a struct of ints), cl_mem, OpenClStorage, Local.
     */
    void run(String file, String type, String name, long[] global, long[] local, Object... args) {
        for (long g : global) if (g == 0) return;
        synchronized (this) {
            cl_kernel k = kernel(file, type, name);
            for (int i = 0; i < args.length; i++) setArg(k, i, args[i]);
            long[] g = global.clone();
            if (local != null) for (int i = 0; i < g.length; i++) g[i] = (g[i] + local[i] - 1) / local[i] * local[i];
            try {
                clEnqueueNDRangeKernel(queue, k, g.length, null, g, local, 0, null, null);
            } catch (CLException e) {
                throw translate("running kernel " + name, e);
            }
        }
    }

    private void setArg(cl_kernel k, int i, Object a) {
        if (a instanceof Integer v) clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
        else if (a instanceof Long v) clSetKernelArg(k, i, Sizeof.cl_long, Pointer.to(new long[] {v}));
        else if (a instanceof Double v) {
            if (fp64) clSetKernelArg(k, i, Sizeof.cl_double, Pointer.to(new double[] {v}));
            else clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {(float) (double) v}));
        } else if (a instanceof Float v) clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
        else if (a instanceof int[] v) clSetKernelArg(k, i, (long) Sizeof.cl_int * v.length, Pointer.to(v));
        else if (a instanceof OpenClStorage s) clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(s.mem));
        else if (a instanceof cl_mem m) clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
        else if (a instanceof Local l) clSetKernelArg(k, i, l.bytes(), null);
        else throw new IllegalArgumentException("unsupported kernel argument " + a);
    }

    /** An exception in one sentence; out-of-memory errors say so. */
    OpenClException translate(String what, CLException e) {
        int status = e.getStatus();
        if (status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES || status == CL_OUT_OF_HOST_MEMORY) {
            return new OpenClException("the OpenCL device " + info.name() + " ran out of memory while " + what
                    + " (" + stringFor_errorCode(status) + "); use a smaller batch or --device cpu", e);
        }
        return new OpenClException("OpenCL error while " + what + " on " + info.name() + ": " + stringFor_errorCode(status), e);
    }

    /** Releases a native handle; used by the storage cleaner. */
    static void release(NativePointerObject o) {
        try {
            if (o instanceof cl_mem m) clReleaseMemObject(m);
        } catch (CLException | LinkageError ignored) {
            // the context may already be gone at shutdown
        }
    }
}
