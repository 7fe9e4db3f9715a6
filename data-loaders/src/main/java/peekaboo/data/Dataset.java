package peekaboo.data;

/**
 * A map-style dataset ({@code torch.utils.data.Dataset}): samples by index, each a decoded uint8 HWC
 * {@link Image} and an int class label. Implementations must allow {@code image} to be called from
 * several threads at once (the {@link DataLoader}'s workers).
 */
public interface Dataset {
    int size();

    /** Sample {@code index} decoded (uint8 HWC, values 0..255); decoding errors are {@link DatasetException}s naming the file. */
    Image image(int index);

    int label(int index);

    /** Class names, index = label. */
    String[] classes();
}
