package peekaboo.tensor;

/** Element types a tensor can hold. BOOL and U8 are stored one byte per element. */
public enum DType {
    F32("float32", 4, true),
    F64("float64", 8, true),
    I64("int64", 8, false),
    U8("uint8", 1, false),
    BOOL("bool", 1, false);

    private final String torchName;
    private final int byteSize;
    private final boolean floating;

    DType(String torchName, int byteSize, boolean floating) {
        this.torchName = torchName;
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** The name PyTorch prints for this type, e.g. {@code float32}. */
    public String torchName() { return torchName; }

    public int byteSize() { return byteSize; }

    public boolean isFloating() { return floating; }

    /**
     * Result type of a binary arithmetic op, following PyTorch's promotion for tensor-tensor ops:
     * float64 wins over float32, any float wins over integers, int64 over uint8/bool.
     */
    public static DType promote(DType a, DType b) {
        if (a == b) return a;
        if (a == F64 || b == F64) return F64;
        if (a == F32 || b == F32) return F32;
        if (a == I64 || b == I64) return I64;
        return U8;
    }

    @Override
    public String toString() { return torchName; }
}
