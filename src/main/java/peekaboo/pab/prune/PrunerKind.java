package peekaboo.pab.prune;

import java.util.Arrays;

/** The pruners of spec section 2 by their {@code --pruner} names. */
public enum PrunerKind {
    MAG("Mag", false), SNIP("SNIP", true), GRASP("GraSP", true), SYNFLOW("SynFlow", false), RAND("Rand", false);

    private final String flag;
    private final boolean needsData;

    PrunerKind(String flag, boolean needsData) {
        this.flag = flag;
        this.needsData = needsData;
    }

    public String flag() { return flag; }

    /** Whether scoring reads training batches (SNIP, GraSP); SynFlow only needs the input shape. */
    public boolean needsData() { return needsData; }

    public static PrunerKind parse(String name) {
        for (PrunerKind k : values()) if (k.flag.equalsIgnoreCase(name)) return k;
        throw new IllegalArgumentException("unknown --pruner '" + name + "'; choose one of "
                + Arrays.stream(values()).map(PrunerKind::flag).toList());
    }
}
