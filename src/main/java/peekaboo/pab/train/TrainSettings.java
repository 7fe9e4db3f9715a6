package peekaboo.pab.train;

import java.nio.file.Path;
import peekaboo.pab.prune.PruneOptions;

/**
 * Everything a training run is set up from (spec sections 3, 5 and 6), validated by the command line.
 * {@code pruner} is null for no pruning; {@code resume}, {@code overfitBatch} and {@code data} may be null;
 * {@code maxSteps} < 0 means no limit.
 */
public record TrainSettings(
        String arch, String initMethod, String dataset, Path data, Integer numClasses,
        String optimizer, double lr, double momentum, double weightDecay, boolean nesterov, int[] milestones,
        int batchSize, int testBatchSize, int epochs, int startEpoch,
        double ar, double tau, int arDecayFreq, double arDecayRatio,
        PruneOptions prune, int pruneEpoch, int pruneShots, int pruneBatchSize,
        Psg psg, long seed, int workers, Path savedir, String expName,
        Path resume, boolean evaluate, Path overfitBatch, long maxSteps, int printFreq, boolean progress) {

    /** The PSG flags (section 4); they take effect on Psg architectures. */
    public record Psg(boolean noBackward, int msbBits, int msbBitsWeight, int msbBitsGrad, double threshold, boolean sparsify, boolean noTakeSign) {
        /** The engine's PSG configuration (validated there: bit widths 1..32, a finite threshold). */
        public peekaboo.pab.psg.PsgConfig toConfig() {
            return new peekaboo.pab.psg.PsgConfig(msbBits, msbBitsWeight, msbBitsGrad, threshold, sparsify, !noTakeSign, !noBackward);
        }
    }

    public Path runDir() { return savedir.resolve(expName); }

    public boolean bop() { return optimizer.equals("BOP"); }
}
