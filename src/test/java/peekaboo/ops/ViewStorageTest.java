package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import java.util.Random;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;
import peekaboo.testing.GradCheck;
import peekaboo.testing.TensorGen;

/** Views share storage with their base (writes show through, versions move together); contiguous() and clone() copy. */
class ViewStorageTest {
    @Provide Arbitrary<int[]> shapes() { return TensorGen.shapes(1, 4, 4); }

    private static Tensor base() { return Tensor.arange(0, 12, 1).to(DType.F64).reshape(3, 4); }

    @Test
    void writeThroughAViewIsVisibleInTheBaseAndBumpsTheVersion() {
        Tensor x = base();
        int v0 = x.version();
        Tensor col = x.t().select(0, 1);
        col.copyFrom(Tensor.of(new double[] {-1, -2, -3}, 3));
        assertTensor(x, DType.F64, shape(3, 4), 0, -1, 2, 3, 4, -2, 6, 7, 8, -3, 10, 11);
        assertTrue(x.version() > v0, "the base's version must move");
        assertEquals(x.version(), col.version());

        x.slice(1, 0, 4, 2).fillInPlace(7);
        assertTensor(x.select(0, 0), DType.F64, shape(4), 7, -1, 7, 3);
        x.reshape(12).narrow(0, 11, 1).copyFrom(Tensor.scalar(DType.F64, 99));
        assertEquals(99, x.toDoubleArray()[11]);
    }

    @Test
    void copyFromBroadcastsAndConverts() {
        Tensor x = base();
        x.narrow(0, 1, 2).copyFrom(Tensor.of(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, 4));
        assertTensor(x, DType.F64, shape(3, 4), 0, 1, 2, 3, 0.5, 1.5, 2.5, 3.5, 0.5, 1.5, 2.5, 3.5);
    }

    @Test
    void cloneAndContiguousCopiesDoNotShare() {
        Tensor x = base();
        Tensor c = x.clone();
        assertNotSame(x.storage(), c.storage());
        c.fillInPlace(0);
        assertEquals(11, x.toDoubleArray()[11]);
        assertSame(x, x.contiguous(), "contiguous() of a contiguous tensor is the tensor itself");
        Tensor t = x.t().contiguous();
        assertTrue(t.isContiguous());
        assertNotSame(x.storage(), t.storage());
        assertTensor(t, DType.F64, shape(4, 3), 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        x.fillInPlace(1);
        assertEquals(4, t.toDoubleArray()[1], "a contiguous copy does not follow later writes to the base");
    }

    @Test
    void detachSharesStorage() {
        Tensor x = base().requiresGrad(true);
        Tensor d = x.detach();
        assertSame(x.storage(), d.storage());
        d.fillInPlace(3);
        assertEquals(3, x.toDoubleArray()[0]);
    }

    /** A random chain of view ops valid for the current shape. */
    static Tensor randomViews(Tensor x, long seed) {
        Random r = new Random(seed);
        Tensor v = x;
        for (int step = 0; step < 4; step++) {
            int n = v.dim();
            switch (r.nextInt(5)) {
                case 0 -> v = v.permute(PermuteTransposeTest.randomPermutation(n, r.nextLong()));
                case 1 -> {
                    int[] sl = SliceSelectTest.randomSlice(v.shape(), r.nextLong());
                    v = v.slice(sl[0], sl[1], sl[2], sl[3]);
                }
                case 2 -> v = v.unsqueeze(r.nextInt(n + 1));
                case 3 -> v = n > 1 ? v.transpose(0, n - 1) : v;
                default -> {
                    int[] big = new int[n + 1];
                    big[0] = 2;
                    System.arraycopy(v.shape(), 0, big, 1, n);
                    v = v.expand(big).select(0, 1);
                }
            }
        }
        return v;
    }

    @Property(tries = 50, seed = "199")
    void viewsAgreeWithTheSameOpsOnACopyAndShareStorage(@ForAll("shapes") int[] s, @ForAll long seed) {
        Tensor x = TensorGen.randn(seed, s);
        Tensor copy = x.clone();
        Tensor v = randomViews(x, seed), vc = randomViews(copy, seed);
        TensorGen.assertClose(v.contiguous().toDoubleArray(), v.toDoubleArray(), 0, 0, "view vs its contiguous copy");
        TensorGen.assertClose(vc.toDoubleArray(), v.toDoubleArray(), 0, 0, "same views of a copy");
        assertSame(x.storage(), v.storage());
        // a write through the view shows in the base and not in the copy
        int before = x.version();
        v.fillInPlace(1e6);
        assertTrue(x.version() > before);
        double[] xv = x.toDoubleArray(), cv = copy.toDoubleArray();
        int changed = 0;
        for (int i = 0; i < xv.length; i++) {
            if (xv[i] == 1e6) changed++;
            else if (xv[i] != cv[i]) throw new AssertionError("element " + i + " changed to " + xv[i]);
        }
        if (v.numel() > 0 && changed == 0) throw new AssertionError("the write through the view did not reach the base");
        TensorGen.assertClose(vc.toDoubleArray().length == 0 ? new double[0] : vc.toDoubleArray(), randomViews(copy, seed).toDoubleArray(), 0, 0, "copy untouched");
    }

    @Property(tries = 30, seed = "200")
    void cloneAndContiguousAreDifferentiable(@ForAll("shapes") int[] s, @ForAll long seed) {
        int[] r = peekaboo.testing.TestTensors.reversed(s);
        GradCheck.check(in -> peekaboo.testing.TestTensors.reverseDims(in[0]).contiguous().mul(in[1].clone()),
                TensorGen.randn(seed, r), TensorGen.randn(seed + 1, s));
        GradCheck.checkSecondOrder(in -> peekaboo.testing.TestTensors.reverseDims(in[0]).contiguous().mul(in[1].clone()),
                TensorGen.randn(seed + 2, r), TensorGen.randn(seed + 3, s));
    }

    @Property(tries = 40, seed = "201")
    void chainsOfViewsAreDifferentiable(@ForAll("shapes") int[] s, @ForAll long seed) {
        GradCheck.check(in -> randomViews(in[0], seed), TensorGen.randn(seed, s));
        GradCheck.checkSecondOrder(in -> randomViews(in[0], seed).pow(2).mul(randomViews(in[0], seed)), TensorGen.randn(seed + 1, s.length > 3 ? new int[] {2, 3} : s));
    }
}
