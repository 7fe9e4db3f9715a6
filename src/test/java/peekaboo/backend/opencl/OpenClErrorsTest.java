package peekaboo.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import peekaboo.backend.Backends;
import peekaboo.backend.DeviceSelector;
import peekaboo.ops.Indexing;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** OpenCL failures end in one clear sentence (and never crash the JVM). */
class OpenClErrorsTest {
    @BeforeEach
    void needOpenCl() {
        String reason = OpenClRequired.unavailableReason();
        if (!OpenClRequired.ci()) Assumptions.assumeTrue(reason == null, () -> "OpenCL is not available here: " + reason);
    }

    @Test
    void aKernelThatFailsToBuildReportsTheBuildLog() {
        OpenClDevice dev = OpenClProvider.defaultDevice().dev();
        OpenClException e = assertThrows(OpenClException.class,
                () -> dev.build("broken.cl", "__kernel void k(__global float* x) { x[0] = undefined_name; }", ""));
        assertTrue(e.getMessage().contains("failed to build") && e.getMessage().contains("build log") && e.getMessage().contains("undefined_name"),
                e.getMessage());
    }

    @Test
    void aBufferLargerThanTheDeviceAllowsIsAClearOutOfMemoryError() {
        OpenClBackend b = OpenClProvider.defaultDevice();
        long max = b.info().maxAllocBytes();
        Assumptions.assumeTrue(max / 8 < Integer.MAX_VALUE, "the device allows buffers beyond the largest tensor");
        OpenClException e = assertThrows(OpenClException.class, () -> b.allocate(DType.F64, (int) (max / 8) + 1));
        assertTrue(e.getMessage().contains("out of memory"), e.getMessage());
    }

    @Test
    void anOutOfRangeIndexIsReportedNotWrittenAnywhere() {
        OpenClBackend b = OpenClProvider.defaultDevice();
        Tensor x = Tensor.zeros(b, DType.F32, 2, 3);
        Tensor idx = Tensor.of(new long[] {0, 5}, 2, 1).to(b);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Indexing.gather(x, 1, idx));
        assertTrue(e.getMessage().contains("index 5 is out of range for dimension 1 of size 3"), e.getMessage());
    }

    @Test
    void unknownDevicesNameTheDevicesThereAre() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> DeviceSelector.select("opencl:7:9"));
        assertTrue(e.getMessage().contains("opencl:0:0"), e.getMessage());
        assertTrue(DeviceSelector.select("opencl:0:0") == Backends.byName("opencl") || DeviceSelector.select("opencl:0:0").name().equals("opencl:0:0"));
    }
}
