package org.oarspawner.service;

import static org.oarspawner.oar.LocalCluster.await;

import java.time.Duration;
import java.util.function.Predicate;
import org.oarspawner.oar.LocalCluster;
import org.oarspawner.spawn.Spawn;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spi.SpawnKey;

/** Waiting on a spawn in the ITs. */
final class Spawns {
    private Spawns() {
    }

    static Spawn.View waitFor(SpawnManager m, SpawnKey key, Predicate<Spawn.View> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Spawn.View v = null;
        while (System.nanoTime() < deadline) {
            v = await(m.get(key)).orElse(null);
            if (v != null && until.test(v)) {
                return v;
            }
            LocalCluster.sleep(100);
        }
        throw new AssertionError("spawn " + key + " never matched; last: " + v);
    }
}
