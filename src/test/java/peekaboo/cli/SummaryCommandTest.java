package peekaboo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import peekaboo.backend.Backends;

class SummaryCommandTest {
    @Test
    void theTableIsTheSameOnEveryDevice() {
        try {
            String[] cpu = PruneCommandTest.run("summary", "--arch", "ResNet20");
            assertEquals("0", cpu[0], cpu[2]);
            assertTrue(cpu[1].contains("layer3.2.conv2") && cpu[1].contains("total"), cpu[1]);
            String[] aparapi = PruneCommandTest.run("summary", "--arch", "ResNet20", "--device", "aparapi");
            assertEquals("0", aparapi[0], aparapi[2]);
            assertEquals("aparapi", Backends.getDefault().name());
            assertEquals(cpu[1], aparapi[1]);
            String[] bad = PruneCommandTest.run("summary", "--arch", "ResNet20", "--device", "quantum");
            assertEquals("2", bad[0]);
            assertTrue(bad[2].startsWith("pab summary: --device must be cpu, opencl"), bad[2]);
        } finally {
            Backends.setDefault(Backends.cpu());
        }
    }
}
