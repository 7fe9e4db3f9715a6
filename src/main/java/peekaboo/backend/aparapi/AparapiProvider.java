package peekaboo.backend.aparapi;

import java.util.List;
import peekaboo.backend.Backend;
import peekaboo.backend.BackendProvider;

/** Makes the {@code aparapi} backend known to {@link peekaboo.backend.Backends}. */
public final class AparapiProvider implements BackendProvider {
    @Override
    public List<Backend> create() { return List.of(AparapiBackend.instance()); }
}
