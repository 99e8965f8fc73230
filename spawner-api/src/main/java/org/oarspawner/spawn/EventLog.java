package org.oarspawner.spawn;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.oarspawner.spi.SpawnKey;

/**
 * The progress events of each spawn, bounded, and who listens to them (the SSE streams). The events are kept per
 * server: a new spawn of the same server starts an empty log. Listeners are per server too, so a stream opened
 * before the start sees it. Appends and reads happen on the manager's context; listeners may leave from any thread.
 */
final class EventLog {
    static final int DEFAULT_CAPACITY = 200;

    private final Clock clock;
    private final int capacity;
    private final Map<SpawnKey, Deque<SpawnEvent>> events = new HashMap<>();
    private final Map<SpawnKey, Long> nextIds = new HashMap<>();
    private final Map<SpawnKey, List<Consumer<SpawnEvent>>> listeners = new ConcurrentHashMap<>();

    EventLog(Clock clock, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.clock = clock;
        this.capacity = capacity;
    }

    /** A new spawn of this server: its log starts empty, with ids from 1. */
    void restart(SpawnKey key) {
        events.remove(key);
        nextIds.remove(key);
    }

    /** Records an event, drops the oldest beyond the capacity, and hands it to every listener of the server. */
    SpawnEvent append(SpawnKey key, SpawnState state, int progress, String message) {
        return append(key, state, progress, message, null, null);
    }

    /** The same, with the job id once known (null before) and the notebook's url on the ready event. */
    SpawnEvent append(SpawnKey key, SpawnState state, int progress, String message, Long jobId, String url) {
        long id = nextIds.merge(key, 1L, Long::sum);
        SpawnEvent e = new SpawnEvent(id, clock.instant(), state, progress, message,
                state == SpawnState.READY, state == SpawnState.FAILED, jobId, url);
        Deque<SpawnEvent> log = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        log.addLast(e);
        while (log.size() > capacity) {
            log.removeFirst();
        }
        List<Consumer<SpawnEvent>> l = listeners.get(key);
        if (l != null) {
            l.forEach(c -> c.accept(e));
        }
        return e;
    }

    /** Adds a listener for the server's events from now on, and returns the kept ones after {@code lastEventId}. */
    List<SpawnEvent> subscribe(SpawnKey key, long lastEventId, Consumer<SpawnEvent> listener) {
        listeners.compute(key, (k, l) -> {
            List<Consumer<SpawnEvent>> list = l == null ? new CopyOnWriteArrayList<>() : l;
            list.add(listener);
            return list;
        });
        return after(key, lastEventId);
    }

    void unsubscribe(SpawnKey key, Consumer<SpawnEvent> listener) {
        listeners.computeIfPresent(key, (k, l) -> {
            l.remove(listener);
            return l.isEmpty() ? null : l;
        });
    }

    /** The kept events after {@code lastEventId}, oldest first. */
    List<SpawnEvent> after(SpawnKey key, long lastEventId) {
        Deque<SpawnEvent> log = events.get(key);
        return log == null ? List.of() : log.stream().filter(e -> e.id() > lastEventId).toList();
    }

    /** Drops an evicted spawn's events; its listeners stay until they leave. */
    void forget(SpawnKey key) {
        restart(key);
    }
}
