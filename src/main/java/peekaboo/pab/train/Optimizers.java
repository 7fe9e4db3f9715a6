package peekaboo.pab.train;

import java.util.LinkedHashMap;
import java.util.Map;
import peekaboo.models.Network;
import peekaboo.optim.Bop;
import peekaboo.optim.BopArDecay;
import peekaboo.optim.ImageNetStepLr;
import peekaboo.optim.MultiStepLr;
import peekaboo.optim.Sgd;
import peekaboo.tensor.Tensor;

/**
 * The optimisers of a run and their schedules (spec section 3): under BOP, Bop for every conv parameter
 * and SGD for BN and the classifier; under SGD, SGD for everything. CIFAR: MultiStepLR and Bop's
 * adaptivity-rate decay after epochs; ImageNet: lr scaled by batch/256, x0.1 every 30 epochs, and the
 * decay before epochs.
 */
final class Optimizers {
    private final Bop bop;
    private final Sgd sgd;
    private final MultiStepLr multiStep;
    private final ImageNetStepLr imageNetLr;
    private final BopArDecay arDecay;

    Optimizers(TrainSettings s, Network net, boolean imagenet) {
        Map<String, Tensor> sgdParams = s.bop() ? net.nonBopParameters() : net.namedParameters();
        double lr = imagenet ? ImageNetStepLr.scaledLr(s.lr(), s.batchSize()) : s.lr();
        this.sgd = sgdParams.isEmpty() ? null : new Sgd(sgdParams, lr, s.momentum(), s.weightDecay(), s.nesterov());
        this.bop = s.bop() ? new Bop(net.bopParameters(), s.ar(), s.tau()) : null;
        this.multiStep = sgd != null && !imagenet ? new MultiStepLr(sgd, s.milestones(), 0.1) : null;
        this.imageNetLr = sgd != null && imagenet ? new ImageNetStepLr(sgd, lr) : null;
        this.arDecay = bop == null ? null : imagenet ? BopArDecay.imageNet(bop, s.arDecayFreq(), s.arDecayRatio())
                : BopArDecay.cifar(bop, s.arDecayFreq(), s.arDecayRatio());
    }

    void zeroGrad() {
        if (bop != null) bop.zeroGrad();
        if (sgd != null) sgd.zeroGrad();
    }

    /** One step of every optimiser; returns Bop's flips (0 without Bop). */
    long step() {
        long flips = 0;
        if (bop != null) {
            bop.step();
            flips = bop.flipsLastStep();
        }
        if (sgd != null) sgd.step();
        return flips;
    }

    void epochStarting(int epoch) {
        if (imageNetLr != null) imageNetLr.epochStarting(epoch);
        if (arDecay != null) arDecay.epochStarting(epoch);
    }

    void epochFinished(int epoch) {
        if (multiStep != null) multiStep.step();
        if (arDecay != null) arDecay.epochFinished(epoch);
    }

    double lr() { return sgd == null ? Double.NaN : sgd.lr(); }

    double ar() { return bop == null ? Double.NaN : bop.ar(); }

    Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        if (bop != null) out.putAll(bop.stateDict());
        if (sgd != null) out.putAll(sgd.stateDict());
        if (multiStep != null) out.putAll(multiStep.stateDict());
        return out;
    }

    void loadStateDict(Map<String, Tensor> state) {
        if (bop != null) bop.loadStateDict(state);
        if (sgd != null) sgd.loadStateDict(state);
        if (multiStep != null) multiStep.loadStateDict(state);
    }
}
