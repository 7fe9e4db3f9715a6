package peekaboo.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST: a big-endian magic number 0x00000800 | rank (unsigned
 * bytes), the dimension sizes as big-endian ints, then the data. Files may be gzipped.
 */
public record IdxFile(int[] shape, byte[] data) {

    /** Reads an IDX file of unsigned bytes, gzipped (by content, not by name) or raw. */
    public static IdxFile read(Path file) {
        if (!Files.isRegularFile(file)) throw new DatasetException("IDX file " + file + " does not exist");
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            try (DataInputStream in = new DataInputStream(gz ? new GZIPInputStream(raw, 1 << 16) : raw)) {
                int magic = in.readInt();
                if ((magic >>> 8) != 0x08) {
                    throw new DatasetException("IDX file " + file + " has magic number 0x" + Integer.toHexString(magic)
                            + "; expected 0x00000801 (labels) or 0x00000803 (images) of unsigned bytes");
                }
                int rank = magic & 0xff;
                if (rank < 1 || rank > 4) throw new DatasetException("IDX file " + file + " declares " + rank + " dimensions; expected 1 to 4");
                int[] shape = new int[rank];
                long n = 1;
                for (int i = 0; i < rank; i++) {
                    shape[i] = in.readInt();
                    if (shape[i] < 0) throw new DatasetException("IDX file " + file + " declares a negative dimension " + shape[i]);
                    n *= shape[i];
                }
                if (n > Integer.MAX_VALUE) throw new DatasetException("IDX file " + file + " declares " + n + " bytes, too many to load");
                byte[] data = new byte[(int) n];
                try {
                    in.readFully(data);
                } catch (EOFException e) {
                    throw new DatasetException("IDX file " + file + " is truncated: its header declares " + n + " bytes of data");
                }
                return new IdxFile(shape, data);
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }
}
