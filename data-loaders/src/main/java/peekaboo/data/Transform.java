package peekaboo.data;

import peekaboo.tensor.Generator;

/**
 * One step of the image pipeline (torchvision.transforms). Random transforms draw only from the
 * generator they are given, which the {@link DataLoader} derives from (seed, epoch, sample index),
 * so a sample's augmentation does not depend on which worker thread runs it.
 */
@FunctionalInterface
public interface Transform {
    Image apply(Image image, Generator g);

    /** This transform, then {@code next}. */
    default Transform then(Transform next) {
        return (img, g) -> next.apply(apply(img, g), g);
    }
}
