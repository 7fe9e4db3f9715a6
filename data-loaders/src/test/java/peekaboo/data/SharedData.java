package peekaboo.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the shared datasets are: the system property {@code peekaboo.sharedData} when set, else the
 * first {@code shared/data} found walking up from the working directory (the repository root's
 * {@code ../shared/data} in the usual layout, whichever checkout the tests run in).
 */
final class SharedData {
    private SharedData() {}

    static Optional<Path> dir() {
        String prop = System.getProperty("peekaboo.sharedData");
        if (prop != null && !prop.isBlank()) return Optional.of(Path.of(prop)).filter(Files::isDirectory);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared").resolve("data");
            if (Files.isDirectory(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** {@code shared/data/<name>} if it is there. */
    static Optional<Path> dataset(String name) {
        return dir().map(d -> d.resolve(name)).filter(Files::exists);
    }
}
