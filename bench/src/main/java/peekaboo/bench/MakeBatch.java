package peekaboo.bench;

import java.nio.file.Path;
import java.util.Map;
import peekaboo.io.SafeTensors;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** Writes a random batch file (the `--prune-batch` / `--overfit-batch` format). Usage: MakeBatch OUT N C H W CLASSES SEED */
public final class MakeBatch {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[1]), c = Integer.parseInt(a[2]), h = Integer.parseInt(a[3]), w = Integer.parseInt(a[4]);
        int classes = Integer.parseInt(a[5]);
        Generator g = new Generator(Long.parseLong(a[6]));
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = g.nextInt(classes);
        SafeTensors.write(Path.of(a[0]), Map.of("input", Tensor.randn(g, DType.F32, n, c, h, w), "target", Tensor.of(y, n)), null);
    }
}
