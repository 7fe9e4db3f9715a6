package peekaboo.bench;

import peekaboo.autograd.GradMode;
import peekaboo.models.InitMethod;
import peekaboo.models.Models;
import peekaboo.models.Network;
import peekaboo.ops.F;
import peekaboo.nn.Module;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/**
 * Times forward + backward of a model on random data (no optimiser) and, with -Dprofile=true, prints
 * where the time goes per module type. Usage: java ... peekaboo.bench.StepTimer [arch] [batch] [steps]
 */
public final class StepTimer {
    /** Bytes allocated so far by all live threads (HotSpot's per-thread counters). */
    static long allocatedBytes() {
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long total = 0;
        for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) if (b > 0) total += b;
        return total;
    }

    public static void main(String[] args) {
        String arch = args.length > 0 ? args[0] : "ResNet20";
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Network net = Models.build(arch, 10, null, InitMethod.KAIMING_NORMAL, new Generator(0));
        int[] in = net.inputShape();
        Tensor x = Tensor.randn(new Generator(1), DType.F32, batch, in[0], in[1], in[2]);
        Tensor y = Tensor.of(new long[batch], batch);
        double[] times = new double[steps], cpu = new double[steps];
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (int s = 0; s < steps; s++) {
            long bytes0 = allocatedBytes();
            long t0 = System.nanoTime(), c0 = os.getProcessCpuTime();
            net.zeroGrad();
            Tensor loss = F.crossEntropy(net.forward(x), y);
            long t1 = System.nanoTime();
            loss.backward();
            long t2 = System.nanoTime();
            times[s] = (t2 - t0) / 1e9;
            cpu[s] = (os.getProcessCpuTime() - c0) / 1e9;
            System.out.printf("step %d: forward %.3f s, backward %.3f s, %.0f images/s, %.3f CPU s, %.0f MB allocated%n", s,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, batch / times[s], cpu[s], (allocatedBytes() - bytes0) / 1e6);
        }
        java.util.Arrays.sort(times);
        java.util.Arrays.sort(cpu);
        System.out.printf("%s batch %d: median %.3f s per step, %.0f images/s; median %.3f CPU s per step (all threads)%n",
                arch, batch, times[steps / 2], batch / times[steps / 2], cpu[steps / 2]);
    }
}
