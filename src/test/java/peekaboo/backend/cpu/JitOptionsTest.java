package peekaboo.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

class JitOptionsTest {

    @Test
    void theDefaultLimitGetsOneSentenceNamingTheOption() {
        String advice = JitOptions.trapLimitAdvice(100);
        assertNotNull(advice);
        assertTrue(advice.contains("-XX:PerMethodTrapLimit=100,"), advice);
        assertTrue(advice.contains("-XX:PerMethodTrapLimit=10000"), advice);
        assertEquals(1, advice.chars().filter(ch -> ch == '.').count() - 1, advice); // "./pab" and the full stop
    }

    @Test
    void safeOrUnknownLimitsAreNotReported() {
        assertNull(JitOptions.trapLimitAdvice(1000));
        assertNull(JitOptions.trapLimitAdvice(10_000));
        assertNull(JitOptions.trapLimitAdvice(-1));
    }

    @Test
    void theTestJvmRunsWithTheLaunchersOption() {
        assumeTrue(JitOptions.currentTrapLimit() >= 0, "not a HotSpot JVM");
        assertEquals(JitOptions.RECOMMENDED_TRAP_LIMIT, JitOptions.currentTrapLimit(),
                "surefire's argLine should pass -XX:PerMethodTrapLimit (pom.xml jit.flags)");
    }
}
