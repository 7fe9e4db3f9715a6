package peekaboo.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.Tensor;

/** MultiStepLr, ImageNetStepLr and BopArDecay (spec section 3), by hand; PyTorch values are in OptimGoldenTest. */
class SchedulesTest {
    static Sgd sgd(double lr) { return new Sgd(Map.of("w", Tensor.zeros(1).requiresGrad(true)), lr, 0.9, 5e-4, false); }

    static Bop bop(double ar) { return new Bop(Map.of("w", Tensor.ones(1).requiresGrad(true)), ar, 1e-6); }

    @Test
    void multiStepLrDecaysAfterTheMilestoneEpochs() {
        Sgd opt = sgd(0.1);
        MultiStepLr sched = new MultiStepLr(opt, new int[] {80, 120}, 0.1);
        assertEquals(0, sched.lastEpoch());
        for (int epoch = 0; epoch < 200; epoch++) {
            double expected = epoch < 80 ? 0.1 : epoch < 120 ? 0.1 * 0.1 : 0.1 * 0.1 * 0.1;
            assertEquals(expected, opt.lr(), 0.0, "lr while training epoch " + epoch);
            sched.step(); // after the epoch
        }
        assertEquals(200, sched.lastEpoch());
    }

    @Test
    void repeatedMilestonesDecayRepeatedly() {
        Sgd opt = sgd(1.0);
        MultiStepLr sched = new MultiStepLr(opt, new int[] {2, 2}, 0.5);
        sched.step();
        assertEquals(1.0, opt.lr());
        sched.step();
        assertEquals(0.25, opt.lr());
    }

    @Test
    void multiStepLrResumesFromItsState() {
        Sgd a = sgd(0.1), b = sgd(0.1);
        MultiStepLr sa = new MultiStepLr(a, new int[] {3, 5}, 0.1);
        for (int e = 0; e < 4; e++) sa.step();
        MultiStepLr sb = new MultiStepLr(b, new int[] {3, 5}, 0.1);
        sb.loadStateDict(sa.stateDict());
        b.loadStateDict(a.stateDict());
        for (int e = 0; e < 3; e++) {
            sa.step();
            sb.step();
            assertEquals(a.lr(), b.lr(), 0.0);
            assertEquals(sa.lastEpoch(), sb.lastEpoch());
        }
        assertThrows(IllegalArgumentException.class, () -> sb.loadStateDict(Map.of()));
    }

    @Test
    void imageNetLrIsScaledByBatchThenDecaysEvery30Epochs() {
        assertEquals(0.2, ImageNetStepLr.scaledLr(0.1, 512));
        assertEquals(0.025, ImageNetStepLr.scaledLr(0.1, 64));
        Sgd opt = sgd(1);
        ImageNetStepLr sched = new ImageNetStepLr(opt, 0.2);
        sched.epochStarting(0);
        assertEquals(0.2, opt.lr());
        sched.epochStarting(29);
        assertEquals(0.2, opt.lr());
        sched.epochStarting(30);
        assertEquals(0.2 * 0.1, opt.lr(), 1e-18);
        sched.epochStarting(89);
        assertEquals(0.2 * 0.1 * 0.1, opt.lr(), 1e-18);
        assertThrows(IllegalArgumentException.class, () -> ImageNetStepLr.scaledLr(0.1, 0));
    }

    @Test
    void cifarDecaysGammaAfterTheEpochAndImageNetBeforeIt() {
        Bop cifar = bop(1e-3), imagenet = bop(1e-3);
        BopArDecay c = BopArDecay.cifar(cifar, 100, 0.1), i = BopArDecay.imageNet(imagenet, 100, 0.1);
        for (int epoch = 0; epoch < 250; epoch++) {
            c.epochStarting(epoch);
            i.epochStarting(epoch);
            double cifarExpected = epoch < 100 ? 1e-3 : epoch < 200 ? 1e-3 * 0.1 : 1e-3 * 0.1 * 0.1;
            double imagenetExpected = epoch < 99 ? 1e-3 : epoch < 199 ? 1e-3 * 0.1 : 1e-3 * 0.1 * 0.1;
            assertEquals(cifarExpected, cifar.ar(), 0.0, "CIFAR gamma while training epoch " + epoch);
            assertEquals(imagenetExpected, imagenet.ar(), 0.0, "ImageNet gamma while training epoch " + epoch);
            c.epochFinished(epoch);
            i.epochFinished(epoch);
        }
    }

    @Test
    void validationNamesTheFlag() {
        Bop b = bop(1e-3);
        assertEquals("--ar-decay-freq must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> BopArDecay.cifar(b, 0, 0.1)).getMessage());
        assertEquals("--ar-decay-ratio must be > 0, got -0.1", assertThrows(IllegalArgumentException.class, () -> BopArDecay.cifar(b, 1, -0.1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiStepLr(sgd(0.1), new int[] {-1}, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new MultiStepLr(sgd(0.1), new int[] {80}, 0));
        assertThrows(IllegalArgumentException.class, () -> new ImageNetStepLr(sgd(0.1), -1));
    }
}
