package org.oarspawner.config;

import java.time.Duration;
import java.util.Optional;

/** A spawn-form preset, e.g. "1 GPU A100, 4 h". */
public record Profile(String name, String display, String cluster, int nodes, int cores, int gpus,
                      Optional<String> gpuModel, Duration walltime) {
}
