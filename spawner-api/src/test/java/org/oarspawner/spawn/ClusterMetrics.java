package org.oarspawner.spawn;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.oarspawner.metrics.SpawnMetrics;

/** Records the per-cluster meters a test looks at: each poll, each refresh from OAR, the last routes expected/present. */
final class ClusterMetrics implements SpawnMetrics {
    final List<String> polls = new CopyOnWriteArrayList<>();
    final List<String> refreshed = new CopyOnWriteArrayList<>();
    final List<Instant> refreshedAt = new CopyOnWriteArrayList<>();
    /** cluster: "expected/present" at the last check. */
    final Map<String, String> routes = new ConcurrentHashMap<>();

    @Override
    public void refreshed(String cluster, Instant at) {
        refreshed.add(cluster);
        refreshedAt.add(at);
    }

    @Override
    public void routes(String cluster, int expected, int present) {
        routes.put(cluster, expected + "/" + present);
    }

    @Override
    public void polled(String cluster) {
        polls.add(cluster);
    }
}
