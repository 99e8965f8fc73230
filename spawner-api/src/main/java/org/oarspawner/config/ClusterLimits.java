package org.oarspawner.config;

import java.time.Duration;
import java.util.List;

/** What a user may choose on one cluster. */
public record ClusterLimits(String cluster, String display, int maxNodes, int maxCores, int maxGpus,
                            List<String> gpuModels, Duration maxWalltime, List<String> projects, List<String> types) {
    public ClusterLimits {
        gpuModels = List.copyOf(gpuModels);
        projects = List.copyOf(projects);
        types = List.copyOf(types);
    }
}
