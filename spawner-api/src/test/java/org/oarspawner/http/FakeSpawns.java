package org.oarspawner.http;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.oarspawner.spawn.FailureReason;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;

/** Fixed spawns for the sessions page's unit tests, recording every action the page asked for. */
final class FakeSpawns implements SessionActions {
    final List<Spawn.View> views = new CopyOnWriteArrayList<>();
    /** "stop alice/" or "extend alice/gpu1 PT1H", in order. */
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public Future<List<Spawn.View>> list() {
        return Future.succeededFuture(List.copyOf(views));
    }

    @Override
    public Future<?> stop(SpawnKey key) {
        calls.add("stop " + key);
        return Future.succeededFuture();
    }

    @Override
    public Future<?> extend(SpawnKey key, Duration add) {
        calls.add("extend " + key + " " + add);
        return Future.succeededFuture();
    }

    /** One spawn as the manager would show it (the one place that builds a View in these tests). */
    static Spawn.View view(String user, String server, String cluster, long job, SpawnState state, Instant now,
                           Optional<FailureReason> failure, String message, String stderr, Optional<Integer> position) {
        boolean running = state == SpawnState.READY || state == SpawnState.STARTING;
        return new Spawn.View(new SpawnKey(user, server), cluster, user, Optional.of(job), state, failure, message,
                running ? List.of("node-" + cluster) : List.of(), Optional.empty(), position,
                position.map(p -> now.plusSeconds(600)), Optional.of(now.minusSeconds(300)),
                running ? Optional.of(now.minusSeconds(60)) : Optional.empty(), Optional.empty(),
                running ? Optional.of(now.plusSeconds(3600)) : Optional.empty(),
                failure.isPresent() ? OptionalInt.of(1) : OptionalInt.empty(), stderr);
    }
}
