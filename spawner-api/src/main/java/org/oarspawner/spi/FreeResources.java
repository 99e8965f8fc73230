package org.oarspawner.spi;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a cluster has free now, as the scheduler's resource list shows it: for the spawn form's "free now".
 *
 * @param freeCores  Alive cores no job holds
 * @param aliveCores Alive cores, free or not
 * @param gpus       by GPU model: how many GPUs are free (every core of the GPU Alive and held by no job), of how many
 * @param readAt     when the scheduler was asked
 */
public record FreeResources(int freeCores, int aliveCores, Map<String, Gpus> gpus, Instant readAt) {

    public record Gpus(int free, int total) {
    }

    public FreeResources {
        gpus = Map.copyOf(new TreeMap<>(gpus));
    }
}
