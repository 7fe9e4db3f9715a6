package peekaboo.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** --device parsing: the names, and one sentence for a bad value (OpenCL itself is tested in backend.opencl). */
class DeviceSelectorTest {
    @Test
    void cpuAndAparapiByName() {
        assertSame(Backends.cpu(), DeviceSelector.select("cpu"));
        assertEquals("aparapi", DeviceSelector.select("aparapi").name());
        assertSame(DeviceSelector.select("aparapi"), Backends.byName("aparapi"));
    }

    @Test
    void aMalformedDeviceNamesTheAcceptedForms() {
        for (String bad : new String[] {"gpu", "opencl:1", "opencl:a:b", "", "cuda:0"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSelector.select(bad));
            assertTrue(e.getMessage().contains("cpu, opencl, opencl:P:D") && e.getMessage().contains("pab devices"), e.getMessage());
        }
    }
}
