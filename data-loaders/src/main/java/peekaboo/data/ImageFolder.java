package peekaboo.data;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;

/**
 * torchvision's {@code ImageFolder}: {@code root/<class>/**.jpg}, one sub-folder per class, classes
 * sorted by name (label = position), images sorted by path within a class, JPEG/PNG/BMP decoded with
 * ImageIO and converted to RGB (gray repeated to three channels, alpha dropped). The root is a
 * directory or a {@code .zip} of the same layout (a single top folder inside the zip is allowed).
 * Images are decoded on every {@link #image} call, so workers decode in parallel; close it to
 * release the zip.
 */
public final class ImageFolder implements Dataset, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("peekaboo.data");
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp");

    static {
        ImageIO.setUseCache(false); // decode in memory, no temporary files
    }

    /** {@code skipUnreadable}: decode every image once when opening and leave out those that fail (counted and logged). */
    public record Options(boolean skipUnreadable) {
        public static final Options DEFAULT = new Options(false);
    }

    private final Path root;
    private final ZipFile zip;
    private final String[] classes;
    private final String[] files; // paths relative to root, or zip entry names
    private final int[] labels;
    private final int skipped;

    private ImageFolder(Path root, ZipFile zip, String[] classes, String[] files, int[] labels, int skipped) {
        this.root = root;
        this.zip = zip;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.skipped = skipped;
    }

    public static ImageFolder open(Path root) { return open(root, Options.DEFAULT); }

    /** Opens a directory or a .zip, listing classes and images (no decoding unless {@code skipUnreadable}). */
    public static ImageFolder open(Path root, Options options) {
        if (Files.isRegularFile(root) && root.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) return openZip(root, options);
        if (!Files.isDirectory(root)) throw new DatasetException("image folder " + root + " does not exist (expected a directory or a .zip with one sub-folder per class)");
        TreeMap<String, List<String>> byClass = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                List<String> images = new ArrayList<>();
                try (Stream<Path> walk = Files.walk(d)) {
                    walk.filter(Files::isRegularFile).filter(p -> isImage(p.toString())).forEach(p -> images.add(root.relativize(p).toString()));
                }
                byClass.put(d.getFileName().toString(), images);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new DatasetException("cannot list image folder " + root + ": " + e.getMessage(), e);
        }
        return build(root, null, byClass, options);
    }

    private static ImageFolder openZip(Path file, Options options) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new DatasetException("cannot open zip " + file + ": " + e.getMessage(), e);
        }
        try {
            List<String> names = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) names.add(en.nextElement().getName());
            // A single top folder holding the class folders (the usual "zip -r x.zip x/") is stepped into.
            String top = null;
            boolean single = true;
            for (String n : names) {
                int slash = n.indexOf('/');
                String first = slash < 0 ? null : n.substring(0, slash);
                if (first == null || (top != null && !top.equals(first))) {
                    single = false;
                    break;
                }
                top = first;
            }
            String prefix = single && top != null && names.stream().anyMatch(n -> n.chars().filter(ch -> ch == '/').count() >= 2 && isImage(n)) ? top + "/" : "";
            TreeMap<String, List<String>> byClass = new TreeMap<>();
            for (String n : names) {
                if (!n.startsWith(prefix)) continue;
                String rest = n.substring(prefix.length());
                int slash = rest.indexOf('/');
                if (slash <= 0) continue;
                List<String> list = byClass.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>());
                if (!n.endsWith("/") && isImage(n)) list.add(n);
            }
            return build(file, zip, byClass, options);
        } catch (RuntimeException e) {
            try {
                zip.close();
            } catch (IOException ignored) {
                // the original error matters more
            }
            throw e;
        }
    }

    private static ImageFolder build(Path root, ZipFile zip, TreeMap<String, List<String>> byClass, Options options) {
        if (byClass.isEmpty()) throw new DatasetException("image folder " + root + " has no class sub-folders");
        List<String> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int label = 0;
        for (var e : byClass.entrySet()) {
            if (e.getValue().isEmpty()) {
                throw new DatasetException("class folder " + e.getKey() + " in " + root + " has no images (expected files ending in .jpg, .jpeg, .png or .bmp)");
            }
            List<String> sorted = new ArrayList<>(e.getValue());
            sorted.sort(null);
            for (String f : sorted) {
                files.add(f);
                labels.add(label);
            }
            label++;
        }
        String[] classes = byClass.keySet().toArray(String[]::new);
        ImageFolder all = new ImageFolder(root, zip, classes, files.toArray(String[]::new), labels.stream().mapToInt(Integer::intValue).toArray(), 0);
        if (!options.skipUnreadable()) return all;
        List<String> keptFiles = new ArrayList<>();
        List<Integer> keptLabels = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < all.size(); i++) {
            try {
                all.image(i);
                keptFiles.add(all.files[i]);
                keptLabels.add(all.labels[i]);
            } catch (DatasetException ex) {
                bad++;
                LOG.log(System.Logger.Level.WARNING, "skipping " + ex.getMessage());
            }
        }
        if (bad > 0) LOG.log(System.Logger.Level.WARNING, "image folder " + root + ": skipped " + bad + " unreadable image(s) of " + all.size());
        return new ImageFolder(root, zip, classes, keptFiles.toArray(String[]::new), keptLabels.stream().mapToInt(Integer::intValue).toArray(), bad);
    }

    private static boolean isImage(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) if (lower.endsWith(ext)) return true;
        return false;
    }

    @Override
    public int size() { return files.length; }

    @Override
    public int label(int index) { return labels[index]; }

    @Override
    public String[] classes() { return classes.clone(); }

    /** How many images {@link Options#skipUnreadable()} left out. */
    public int skipped() { return skipped; }

    /** Where image {@code index} comes from (a path, or zip!entry). */
    public String source(int index) {
        return zip != null ? root + "!" + files[index] : root.resolve(files[index]).toString();
    }

    @Override
    public Image image(int index) {
        byte[] encoded;
        try {
            if (zip != null) {
                ZipEntry entry = zip.getEntry(files[index]);
                try (InputStream in = zip.getInputStream(entry)) {
                    encoded = in.readAllBytes();
                }
            } else {
                encoded = Files.readAllBytes(root.resolve(files[index]));
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read image " + source(index) + ": " + e.getMessage(), e);
        }
        return decode(encoded, source(index));
    }

    /** Decodes a JPEG, PNG or BMP to uint8 RGB HWC; {@code name} is only for the error message. */
    public static Image decode(byte[] encoded, String name) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot decode image " + name + ": " + e.getMessage(), e);
        }
        if (img == null) throw new DatasetException("cannot decode image " + name + ": not a JPEG, PNG or BMP image that ImageIO can read");
        return toRgb(img);
    }

    /** A BufferedImage as uint8 RGB HWC (PIL's {@code convert("RGB")}). */
    static Image toRgb(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        if (img.getType() == BufferedImage.TYPE_3BYTE_BGR && img.getRaster().getDataBuffer() instanceof DataBufferByte db && db.getData().length == out.length) {
            byte[] bgr = db.getData();
            for (int p = 0; p < out.length; p += 3) {
                out[p] = bgr[p + 2];
                out[p + 1] = bgr[p + 1];
                out[p + 2] = bgr[p];
            }
        } else if (img.getType() == BufferedImage.TYPE_BYTE_GRAY && img.getRaster().getDataBuffer() instanceof DataBufferByte db && db.getData().length == w * h) {
            byte[] gray = db.getData();
            for (int p = 0; p < gray.length; p++) out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = gray[p];
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int p = 0; p < argb.length; p++) {
                out[3 * p] = (byte) (argb[p] >> 16);
                out[3 * p + 1] = (byte) (argb[p] >> 8);
                out[3 * p + 2] = (byte) argb[p];
            }
        }
        return Image.ofHwc(out, h, w, 3);
    }

    @Override
    public void close() {
        if (zip == null) return;
        try {
            zip.close();
        } catch (IOException e) {
            throw new DatasetException("cannot close zip " + root + ": " + e.getMessage(), e);
        }
    }
}
