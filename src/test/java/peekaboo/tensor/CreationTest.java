package peekaboo.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import org.junit.jupiter.api.Test;

/** zeros/ones/full/arange/of/scalar, and reading values back with item() and the to*Array methods. */
class CreationTest {
    @Test
    void zerosOnesFull() {
        assertTensor(Tensor.zeros(2, 2), DType.F32, shape(2, 2), 0, 0, 0, 0);
        assertTensor(Tensor.ones(DType.F64, 3), DType.F64, shape(3), 1, 1, 1);
        assertTensor(Tensor.full(DType.I64, 7, 2), DType.I64, shape(2), 7, 7);
        assertTensor(Tensor.full(DType.F32, -0.5, 1, 2), DType.F32, shape(1, 2), -0.5, -0.5);
        assertTensor(Tensor.zeros(DType.F64, 0, 3), DType.F64, shape(0, 3));
        assertTensor(Tensor.onesLike(Tensor.zeros(DType.F64, 2)), DType.F64, shape(2), 1, 1);
        assertTensor(Tensor.fullLike(Tensor.zeros(DType.I64, 2), 3), DType.I64, shape(2), 3, 3);
        assertTrue(Tensor.zeros(2, 3).isContiguous());
        assertFalse(Tensor.zeros(2).requiresGrad());
    }

    @Test
    void scalarIsZeroDimensional() {
        Tensor s = Tensor.scalar(DType.F64, 2.5);
        assertEquals(0, s.dim());
        assertEquals(1, s.numel());
        assertEquals(2.5, s.item());
    }

    @Test
    void arangeIntegralIsInt64ElseFloat32() {
        assertTensor(Tensor.arange(5), DType.I64, shape(5), 0, 1, 2, 3, 4);
        assertTensor(Tensor.arange(2, 9, 3), DType.I64, shape(3), 2, 5, 8);
        assertTensor(Tensor.arange(5, 0, -2), DType.I64, shape(3), 5, 3, 1);
        assertTensor(Tensor.arange(1, 2, 0.25), DType.F32, shape(4), 1, 1.25, 1.5, 1.75);
        assertTensor(Tensor.arange(0, 0, 1), DType.I64, shape(0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1));
    }

    @Test
    void ofCopiesTheDataAndChecksTheCount() {
        double[] data = {1, 2, 3, 4, 5, 6};
        Tensor x = Tensor.of(data, 3, 2);
        data[0] = 100;
        assertTensor(x, DType.F64, shape(3, 2), 1, 2, 3, 4, 5, 6);
        assertTensor(Tensor.of(new long[] {-1, 1L << 40}, 2), DType.I64, shape(2), -1, (double) (1L << 40));
        assertTensor(Tensor.of(new boolean[] {true, false}, 2), DType.BOOL, shape(2), 1, 0);
        assertTensor(Tensor.ofBytes(DType.U8, new byte[] {(byte) 200, 3}, 2), DType.U8, shape(2), 200, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("3"), e.getMessage());
    }

    @Test
    void itemNeedsExactlyOneElement() {
        assertEquals(4.0, Tensor.of(new float[] {4}, 1, 1).item());
        assertEquals(9.0, Tensor.of(new long[] {9}, 1).item());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Tensor.zeros(2, 3).item());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void readingBackConvertsAndFollowsLogicalOrder() {
        Tensor x = Tensor.of(new double[] {1.5, -2.5, 3.25, 1e40, 0.1, -0.9}, 2, 3);
        assertArrayEquals(new float[] {1.5f, -2.5f, 3.25f, Float.POSITIVE_INFINITY, 0.1f, -0.9f}, x.toFloatArray());
        assertArrayEquals(new long[] {1, -2, 3, Long.MAX_VALUE, 0, 0}, x.toLongArray());
        assertArrayEquals(new double[] {1.5, 1e40, -2.5, 0.1, 3.25, -0.9}, x.t().toDoubleArray());
        assertArrayEquals(new float[] {-2.5f, 0.1f}, x.t().select(0, 1).toFloatArray());
        assertArrayEquals(new long[] {1, 0, 1}, Tensor.of(new boolean[] {true, false, true}, 3).toLongArray());
        assertArrayEquals(new double[] {7, 7, 7}, Tensor.scalar(DType.F64, 7).expand(3).toDoubleArray());
        long big = (1L << 62) + 1;
        assertArrayEquals(new long[] {big}, Tensor.of(new long[] {big}, 1).toLongArray(), "int64 values must not pass through double");
        float[] f = {0.1f, 0.2f};
        assertArrayEquals(f, Tensor.of(f, 2).toFloatArray());
        assertArrayEquals(new double[] {0.1f, 0.2f}, Tensor.of(f, 2).toDoubleArray());
    }
}
