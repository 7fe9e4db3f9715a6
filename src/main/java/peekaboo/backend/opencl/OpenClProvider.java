package peekaboo.backend.opencl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import peekaboo.backend.Backend;
import peekaboo.backend.BackendProvider;

/**
 * Makes the OpenCL devices known to {@link peekaboo.backend.Backends}: the first device is
 * {@code opencl} (a GPU where there is one), every device is also {@code opencl:P:D}. One backend
 * object per device for the life of the JVM, so tensors made through either name can be mixed.
 */
public final class OpenClProvider implements BackendProvider {
    private static final Map<String, OpenClBackend> BY_DEVICE = new LinkedHashMap<>();
    private static OpenClBackend defaultBackend;

    @Override
    public List<Backend> create() {
        List<Backend> all = new ArrayList<>();
        OpenClBackend d = defaultDevice();
        all.add(d);
        for (OpenClPlatforms.DeviceInfo i : OpenClPlatforms.devices()) {
            OpenClBackend b = device(i.platform(), i.device());
            if (b != d) all.add(b);
        }
        return all;
    }

    /** The default OpenCL backend, named {@code opencl}: the first GPU, else the first device. */
    public static synchronized OpenClBackend defaultDevice() {
        if (defaultBackend == null) {
            List<OpenClPlatforms.DeviceInfo> all = OpenClPlatforms.devices();
            OpenClPlatforms.DeviceInfo pick = all.get(0);
            for (OpenClPlatforms.DeviceInfo i : all) {
                if (i.type().equals("GPU")) {
                    pick = i;
                    break;
                }
            }
            defaultBackend = new OpenClBackend("opencl", pick);
            BY_DEVICE.put(pick.platform() + ":" + pick.device(), defaultBackend);
        }
        return defaultBackend;
    }

    /** The backend of device opencl:P:D (the default backend when that is the default device). */
    public static synchronized OpenClBackend device(int platform, int device) {
        defaultDevice();
        String key = platform + ":" + device;
        OpenClBackend b = BY_DEVICE.get(key);
        if (b == null) {
            b = new OpenClBackend("opencl:" + key, OpenClPlatforms.device(platform, device));
            BY_DEVICE.put(key, b);
        }
        return b;
    }

    /** The n-th OpenCL GPU over all platforms, or null when this machine has no OpenCL GPU (or no OpenCL at all). */
    public static OpenClBackend nthGpu(int n) {
        List<OpenClPlatforms.DeviceInfo> gpus;
        try {
            gpus = OpenClPlatforms.devices().stream().filter(i -> i.type().equals("GPU")).toList();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
        if (gpus.isEmpty()) return null;
        if (n < 0 || n >= gpus.size()) {
            throw new OpenClException("there is no OpenCL GPU number " + n + "; this machine has " + gpus.size() + " (see `pab devices`)");
        }
        return device(gpus.get(n).platform(), gpus.get(n).device());
    }

    /** The n-th device over all platforms. */
    public static OpenClBackend nth(int n) {
        List<OpenClPlatforms.DeviceInfo> all = OpenClPlatforms.devices();
        if (n < 0 || n >= all.size()) {
            throw new OpenClException("there is no OpenCL device number " + n + "; this machine has " + all.size() + " (see `pab devices`)");
        }
        return device(all.get(n).platform(), all.get(n).device());
    }
}
