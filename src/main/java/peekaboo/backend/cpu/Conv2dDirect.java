package peekaboo.backend.cpu;

/** Direct stride-1 convolution paths (placeholder: not yet enabled). */
final class Conv2dDirect {

    private Conv2dDirect() {
    }

    static boolean supports(ConvShape g) {
        return false;
    }

    static boolean supportsInputGrad(ConvShape g) {
        return false;
    }

    static boolean supportsWeightGrad(ConvShape g) {
        return false;
    }

    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        throw new UnsupportedOperationException();
    }

    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        throw new UnsupportedOperationException();
    }

    static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        throw new UnsupportedOperationException();
    }
}
