package org.oarspawner.http;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spi.SpawnKey;

/**
 * What the sessions page does with spawns, in process: the same manager the REST API drives. The page decides
 * nothing about who may act: {@link SessionsPage} asks {@link ApiAuth#mayActFor} first.
 */
public interface SessionActions {
    Future<List<Spawn.View>> list();

    Future<?> stop(SpawnKey key);

    /** Asks OAR to extend the job's walltime by {@code add}; fails with an {@link ApiError} that says why not. */
    Future<?> extend(SpawnKey key, Duration add);
}
