package peekaboo.cli;

import peekaboo.pab.train.TrainSettings;
import picocli.CommandLine.Option;

/** The PSG flags of spec section 4, shared by the commands that build networks (a picocli mixin). */
final class PsgOptions {
    @Option(names = "--psg-no-backward", description = "PSG: exact weight gradient (sign still taken unless --psg-no-take-sign)") boolean noBackward;
    @Option(names = "--msb-bits", defaultValue = "4", description = "PSG input bits (default: ${DEFAULT-VALUE})") int msbBits;
    @Option(names = "--msb-bits-weight", defaultValue = "4", description = "PSG weight bits: accepted, changes no number (spec section 4)") int msbBitsWeight;
    @Option(names = "--msb-bits-grad", defaultValue = "8", description = "PSG output-gradient bits (default: ${DEFAULT-VALUE})") int msbBitsGrad;
    @Option(names = "--psg-threshold", defaultValue = "0.0", description = "PSG relative threshold |v| x max|G| (default: ${DEFAULT-VALUE})") double threshold;
    @Option(names = "--psg-sparsify", description = "PSG: drop small gradients instead of using exact ones") boolean sparsify;
    @Option(names = "--psg-no-take-sign", description = "PSG: keep gradient values instead of their signs") boolean noTakeSign;

    TrainSettings.Psg settings() {
        return new TrainSettings.Psg(noBackward, msbBits, msbBitsWeight, msbBitsGrad, threshold, sparsify, noTakeSign);
    }
}
