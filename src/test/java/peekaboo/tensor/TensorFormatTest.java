package peekaboo.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** toString in PyTorch's layout (four decimals, scientific for very small or large, summarised long tensors). */
class TensorFormatTest {
    @Test
    void vectorsMatricesAndScalars() {
        assertEquals("tensor([1.0000, 2.5000])", Tensor.of(new float[] {1, 2.5f}, 2).toString());
        assertEquals("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], dtype=float64)",
                Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).toString());
        assertEquals("tensor(3.0000)", Tensor.scalar(DType.F32, 3).toString());
        assertEquals("tensor([[1.0000, 3.0000],\n        [2.0000, 4.0000]])", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).t().toString());
    }

    @Test
    void integerAndBoolTensors() {
        assertEquals("tensor([1, 2, 3])", Tensor.arange(1, 4, 1).toString());
        assertEquals("tensor([True, False])", Tensor.of(new boolean[] {true, false}, 2).toString());
        assertEquals("tensor([200, 3], dtype=uint8)", Tensor.ofBytes(DType.U8, new byte[] {(byte) 200, 3}, 2).toString());
    }

    @Test
    void specialAndExtremeValues() {
        assertEquals("tensor([nan, inf, -inf])",
                Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}, 3).toString());
        assertEquals("tensor([1.0000e-05, -1.0000e+09, 0.0000])", Tensor.of(new float[] {1e-5f, -1e9f, 0}, 3).toString());
    }

    @Test
    void autogradSuffixes() {
        Tensor x = Tensor.of(new float[] {1}, 1).requiresGrad(true);
        assertEquals("tensor([1.0000], requires_grad=True)", x.toString());
        assertEquals("tensor([2.0000], grad_fn=<mul_scalar>)", x.mul(2).toString());
    }

    @Test
    void emptyTensorsNameTheirDtypeOnce() {
        assertEquals("tensor([])", Tensor.zeros(0).toString());
        assertEquals("tensor([], dtype=int64)", Tensor.of(new long[0], 0).toString());
        assertEquals("tensor([], dtype=float64)", Tensor.zeros(DType.F64, 0).toString());
    }

    @Test
    void longTensorsAreSummarised() {
        assertEquals("tensor([0, 1, 2, ..., 1997, 1998, 1999])", Tensor.arange(2000).toString());
    }

    @Test
    void formatDoesNotDependOnTheDefaultLocale() {
        Locale saved = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("tensor([1.5000, 1.0000e-05])", Tensor.of(new float[] {1.5f, 1e-5f}, 2).toString());
        } finally {
            Locale.setDefault(saved);
        }
    }
}
