package peekaboo.backend.opencl;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Enumerates OpenCL platforms and devices; every failure becomes an {@link OpenClException} with one sentence. */
public final class OpenClPlatforms {
    private OpenClPlatforms() {}

    /** One device: its position (platform p, device d) and what {@code pab devices} prints. */
    public record DeviceInfo(int platform, int device, String platformName, String name, String type,
                             long globalMemBytes, long maxAllocBytes, int computeUnits, boolean fp64, cl_platform_id platformId,
                             cl_device_id deviceId) {
        public String describe() {
            return String.format("opencl:%d:%d  %s (%s, %s): %d compute units, %d MiB global memory (%d MiB per buffer), fp64 %s",
                    platform, device, name, type, platformName, computeUnits, globalMemBytes >> 20, maxAllocBytes >> 20,
                    fp64 ? "yes" : "no");
        }
    }

    /** Every device of every platform; throws when the OpenCL library is missing or no platform is installed. */
    public static List<DeviceInfo> devices() {
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            throw new OpenClException("the OpenCL library could not be loaded (" + e.getMessage()
                    + "); install an OpenCL ICD loader and driver, e.g. Debian's ocl-icd-libopencl1 and pocl-opencl-icd", e);
        }
        cl_platform_id[] platforms;
        try {
            int[] n = new int[1];
            clGetPlatformIDs(0, null, n);
            platforms = new cl_platform_id[n[0]];
            if (n[0] > 0) clGetPlatformIDs(n[0], platforms, null);
        } catch (CLException e) {
            platforms = new cl_platform_id[0];
        }
        if (platforms.length == 0) {
            throw new OpenClException("no OpenCL platform is installed; install a driver (on a CPU-only machine: Debian's pocl-opencl-icd)");
        }
        List<DeviceInfo> all = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            cl_device_id[] ds;
            try {
                int[] n = new int[1];
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
                ds = new cl_device_id[n[0]];
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, n[0], ds, null);
            } catch (CLException e) {
                continue;  // a platform without devices (CL_DEVICE_NOT_FOUND)
            }
            String pname = platformString(platforms[p], CL_PLATFORM_NAME);
            for (int d = 0; d < ds.length; d++) {
                long type = deviceLong(ds[d], CL_DEVICE_TYPE);
                String t = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                        : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
                String ext = deviceString(ds[d], CL_DEVICE_EXTENSIONS);
                all.add(new DeviceInfo(p, d, pname, deviceString(ds[d], CL_DEVICE_NAME).trim(), t,
                        deviceLong(ds[d], CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(ds[d], CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        (int) deviceInt(ds[d], CL_DEVICE_MAX_COMPUTE_UNITS), ext.contains("cl_khr_fp64"), platforms[p], ds[d]));
            }
        }
        if (all.isEmpty()) throw new OpenClException("the OpenCL platforms installed here have no devices");
        return all;
    }

    /** The device at opencl:P:D, with a clear error naming the devices there are. */
    public static DeviceInfo device(int platform, int device) {
        List<DeviceInfo> all = devices();
        for (DeviceInfo i : all) if (i.platform() == platform && i.device() == device) return i;
        List<String> names = new ArrayList<>();
        for (DeviceInfo i : all) names.add("opencl:" + i.platform() + ":" + i.device());
        throw new OpenClException("there is no OpenCL device opencl:" + platform + ":" + device + "; devices here: " + String.join(", ", names));
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    static long deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_int, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.UTF_8);
    }
}
