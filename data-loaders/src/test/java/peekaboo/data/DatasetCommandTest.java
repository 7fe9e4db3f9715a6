package peekaboo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import peekaboo.cli.Main;

/** {@code pab dataset} on the bundled sample and on bad input (one sentence, exit code 2). */
class DatasetCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new Run(Main.run(args), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void reportsTheBundledFashionMnistSample() {
        Run r = run("dataset", "--dataset", "fashion-mnist", "--data", "data-loaders/sample/fashion-mnist", "--test", "--workers", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("1,000 samples, 10 classes"), r.out());
        assertTrue(r.out().contains("Ankle boot"), r.out());
        assertTrue(r.out().contains("per-channel mean:") && r.out().contains("images/s with 2 workers"), r.out());
    }

    @Test
    void imageFolderSplitsFromAFolderHoldingTrainAndTestZips() {
        Run r = run("dataset", "--dataset", "imagefolder", "--data", "data-loaders/sample/cifar10", "--test", "--workers", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("500 samples, 10 classes") && r.out().contains("test.zip"), r.out());
        assertTrue(r.out().contains("airplane, automobile, bird"), r.out());
    }

    @Test
    void badInputIsOneSentenceAndExitCode2() {
        Run r = run("dataset", "--dataset", "cifar10", "--data", dir.resolve("nowhere").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("pab dataset: CIFAR directory") && r.err().strip().lines().count() == 1, r.err());
        r = run("dataset", "--dataset", "svhn", "--data", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown dataset svhn"), r.err());
    }
}
