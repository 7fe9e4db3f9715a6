package peekaboo.cli;

import java.util.concurrent.Callable;
import peekaboo.backend.cpu.Parallel;
import peekaboo.backend.opencl.OpenClException;
import peekaboo.backend.opencl.OpenClPlatforms;
import picocli.CommandLine.Command;

/** {@code pab devices}: the values {@code --device} accepts here, with OpenCL platforms, devices, memory and fp64 support. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the compute devices usable with --device (cpu, opencl:P:D, aparapi).")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("cpu          pure Java, %d threads, the reference and the fast path on CPUs%n", Parallel.threads());
        try {
            var devices = OpenClPlatforms.devices();
            String lastPlatform = null;
            for (OpenClPlatforms.DeviceInfo d : devices) {
                if (!d.platformName().equals(lastPlatform)) {
                    System.out.printf("OpenCL platform %d: %s%n", d.platform(), d.platformName());
                    lastPlatform = d.platformName();
                }
                System.out.println("  " + d.describe());
            }
            System.out.println("opencl       = the first GPU, else opencl:" + devices.get(0).platform() + ":" + devices.get(0).device());
            System.out.println("aparapi      Aparapi kernels (elementwise, reductions, GEMM, PSG quantiser and combine, Bop) on the default OpenCL device or Java threads; other ops on cpu");
        } catch (OpenClException e) {
            System.out.println("opencl       unavailable: " + e.getMessage());
            System.out.println("aparapi      Aparapi kernels on Java threads (no OpenCL); other ops on cpu");
        }
        return 0;
    }
}
