package peekaboo.pab.prune;

/**
 * Settings of one pruning run (spec section 2): the pruner, the target density (fraction of weights
 * remaining, {@code --prune-ratio}), the number of score-and-mask iterations and their schedule, the
 * masking scope and an optional separate classifier density for local scope (negative: none).
 */
public record PruneOptions(PrunerKind pruner, double density, int iterations, Schedule schedule, Scope scope,
                           double classifierDensity, boolean verbose) {

    public enum Schedule {
        EXPONENTIAL, LINEAR;

        public static Schedule parse(String s) {
            return switch (s) {
                case "exponential" -> EXPONENTIAL;
                case "linear" -> LINEAR;
                default -> throw new IllegalArgumentException("--prune-schedule must be exponential or linear, got '" + s + "'");
            };
        }

        /** Density targeted by iteration i of n (1-based), in double as the reference computes it. */
        public double density(double target, int i, int n) {
            return this == EXPONENTIAL ? Math.pow(target, (double) i / n) : 1.0 - (1.0 - target) * ((double) i / n);
        }
    }

    public enum Scope {
        GLOBAL, LOCAL;

        public static Scope parse(String s) {
            return switch (s) {
                case "global" -> GLOBAL;
                case "local" -> LOCAL;
                default -> throw new IllegalArgumentException("--prune-scope must be global or local, got '" + s + "'");
            };
        }
    }

    public PruneOptions {
        if (!(density > 0 && density <= 1)) {
            throw new IllegalArgumentException("--prune-ratio is the fraction of weights remaining and must be in (0, 1], got " + density);
        }
        if (iterations < 1) throw new IllegalArgumentException("--prune-iters must be at least 1, got " + iterations);
        if (classifierDensity > 1) throw new IllegalArgumentException("the classifier density must be at most 1, got " + classifierDensity);
    }

    public PruneOptions withDensity(double d) {
        return new PruneOptions(pruner, d, iterations, schedule, scope, classifierDensity, verbose);
    }
}
