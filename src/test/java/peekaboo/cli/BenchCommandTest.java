package peekaboo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
    /** The lines bench/compare.sh reads: each timed step, the JIT's share of them, the median last. */
    @Test
    void printsEachTimedStepTheJitShareAndTheMedian() {
        String[] r = PruneCommandTest.run("bench", "--arch", "ResNet20", "--bs", "2", "--steps", "3", "--warmup", "1");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\\R");
        Pattern step = Pattern.compile("^step [0-9]+: [0-9.]+ s, [0-9.]+ images/s$");
        assertEquals(3, Arrays.stream(lines).filter(l -> step.matcher(l).matches()).count(), r[1]);
        assertTrue(lines[lines.length - 2].matches(
                "JIT compiling during the 3 timed steps: [0-9]+ ms of compiler-thread time \\([0-9.]+% of their [0-9.]+ s\\)"), r[1]);
        assertTrue(lines[lines.length - 1].matches("ResNet20 batch 2, SGD on cpu \\([0-9]+ threads\\): median [0-9.]+ images/s over 3 steps"),
                r[1]);
    }

    /** --alternate-dense: both steps in turn, the twin's median and the ratio, the Psg step's line last. */
    @Test
    void alternatesAPsgStepWithItsDenseTwin() {
        String[] r = PruneCommandTest.run("bench", "--arch", "PsgResNet20", "--bs", "2", "--steps", "3", "--warmup", "1",
                "--alternate-dense");
        assertEquals("0", r[0], r[2]);
        String[] lines = r[1].strip().split("\\R");
        assertEquals(3, Arrays.stream(lines).filter(l -> l.matches("^step [0-9]+: [0-9.]+ s, [0-9.]+ images/s$")).count(), r[1]);
        assertEquals(3, Arrays.stream(lines).filter(l -> l.matches("^other step [0-9]+: [0-9.]+ s, [0-9.]+ images/s$")).count(), r[1]);
        assertTrue(lines[lines.length - 2].matches("dense twin ResNet20 batch 2, SGD on cpu \\([0-9]+ threads\\), steps taken in turn"
                + " with PsgResNet20's: median [0-9.]+ images/s over 3 steps \\(PsgResNet20 / ResNet20 = [0-9.]+\\)"), r[1]);
        assertTrue(lines[lines.length - 1].matches("PsgResNet20 batch 2, SGD on cpu \\([0-9]+ threads\\): median [0-9.]+ images/s over 3 steps"),
                r[1]);
    }

    @Test
    void rejectsAlternatingADenseArchitectureInOneSentence() {
        String[] r = PruneCommandTest.run("bench", "--arch", "ResNet20", "--alternate-dense");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--alternate-dense times a Psg architecture against its dense twin"), r[2]);
    }

    @Test
    void rejectsANegativeWarmupInOneSentence() {
        String[] r = PruneCommandTest.run("bench", "--arch", "ResNet20", "--warmup", "-1");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--warmup at least 0"), r[2]);
    }
}
