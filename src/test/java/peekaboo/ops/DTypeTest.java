package peekaboo.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static peekaboo.testing.TestTensors.assertTensor;
import static peekaboo.testing.TestTensors.shape;

import org.junit.jupiter.api.Test;
import peekaboo.tensor.DType;
import peekaboo.tensor.Tensor;

/** Type promotion of binary ops and conversion with to(DType), including the gradient through a conversion. */
class DTypeTest {
    private static Tensor f32(float... v) { return Tensor.of(v, v.length); }

    private static Tensor f64(double... v) { return Tensor.of(v, v.length); }

    private static Tensor i64(long... v) { return Tensor.of(v, v.length); }

    private static Tensor bool(boolean... v) { return Tensor.of(v, v.length); }

    @Test
    void promotionTable() {
        assertEquals(DType.F64, DType.promote(DType.F32, DType.F64));
        assertEquals(DType.F64, DType.promote(DType.F64, DType.I64));
        assertEquals(DType.F32, DType.promote(DType.I64, DType.F32));
        assertEquals(DType.F32, DType.promote(DType.BOOL, DType.F32));
        assertEquals(DType.I64, DType.promote(DType.U8, DType.I64));
        assertEquals(DType.U8, DType.promote(DType.BOOL, DType.U8));
        assertEquals(DType.BOOL, DType.promote(DType.BOOL, DType.BOOL));
    }

    @Test
    void binaryOpsComputeInThePromotedType() {
        // float32 0.1 + float64 0.2 is computed in float64 from the widened float32 value
        assertTensor(f32(0.1f).add(f64(0.2)), DType.F64, shape(1), (double) 0.1f + 0.2);
        assertTensor(f64(0.2).mul(f32(3f)), DType.F64, shape(1), 0.2 * 3);
        assertTensor(i64(7).div(f32(2f)), DType.F32, shape(1), 3.5);
        assertTensor(i64(7).add(i64(5)), DType.I64, shape(1), 12);
        assertTensor(bool(true, false).add(i64(2, 2)), DType.I64, shape(2), 3, 2);
        assertTensor(f32(1.5f).sub(bool(true)), DType.F32, shape(1), 0.5);
    }

    @Test
    void conversionRoundsTruncatesAndWraps() {
        assertTensor(f64(0.1, 1e40).to(DType.F32), DType.F32, shape(2), (double) 0.1f, Double.POSITIVE_INFINITY);
        // float to int truncates toward zero
        assertTensor(f64(2.7, -2.7, 0.5).to(DType.I64), DType.I64, shape(3), 2, -2, 0);
        assertTensor(f64(0, 0.1, -3, Double.NaN).to(DType.BOOL), DType.BOOL, shape(4), 0, 1, 1, 1);
        assertTensor(i64(3, -1).to(DType.F64), DType.F64, shape(2), 3, -1);
        assertTensor(i64(300).to(DType.U8), DType.U8, shape(1), 44);
        assertTensor(bool(true, false).to(DType.F32), DType.F32, shape(2), 1, 0);
        long big = (1L << 53) + 1;
        assertEquals(big, i64(big).to(DType.I64).toLongArray()[0]);
    }

    @Test
    void conversionToTheSameTypeIsTheSameTensor() {
        Tensor x = f32(1f, 2f);
        assertSame(x, x.to(DType.F32));
    }

    @Test
    void conversionOfANonContiguousView() {
        Tensor x = Tensor.of(new double[] {1.25, 2.5, 3.75, 4, 5, 6}, 2, 3).t();
        assertTensor(x.to(DType.F32), DType.F32, shape(3, 2), 1.25, 4, 2.5, 5, 3.75, 6);
    }

    @Test
    void gradientFlowsBackThroughAConversionInTheSourceType() {
        Tensor x = f64(1, 2).requiresGrad(true);
        x.to(DType.F32).mul(3).sum().backward();
        assertTensor(x.grad(), DType.F64, shape(2), 3, 3);

        Tensor a = f32(1f, 2f).requiresGrad(true), b = f64(0.5, -1).requiresGrad(true);
        Tensor y = a.mul(b);
        assertEquals(DType.F64, y.dtype());
        y.sum().backward();
        assertTensor(a.grad(), DType.F32, shape(2), 0.5, -1);
        assertTensor(b.grad(), DType.F64, shape(2), 1, 2);
    }

    @Test
    void conversionToAnIntegerTypeIsNotDifferentiable() {
        Tensor x = f64(1.5).requiresGrad(true);
        assertEquals(false, x.to(DType.I64).requiresGrad());
    }
}
