package org.oarspawner.service;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.oarspawner.config.ConfigNode;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.hub.HubConfig;
import org.oarspawner.oar.OarClusterConfig;
import org.oarspawner.oar.OarClusterConfigs;

/**
 * The whole configuration, read and validated as the service runs it: the file plus OARSPAWNER_* overrides, then each
 * section by its own module. The service at start and {@code --check-config} both go through here, so they accept
 * and refuse exactly the same files. Throws {@link org.oarspawner.config.ConfigException} naming the bad key.
 */
record Settings(ConfigNode root, ServiceConfig config, Optional<HubConfig> hub, List<OarClusterConfig> clusters) {

    static Settings load(Path file, Map<String, String> env) {
        ConfigNode root = ConfigNode.load(file, env);
        ServiceConfig config = ServiceConfig.from(root);
        Optional<HubConfig> hub = HubConfig.from(root);
        return new Settings(root, config, hub, OarClusterConfigs.from(config.clusters()));
    }

    /** Where the configuration is when no argument names it: $OARSPAWNER_CONFIG, then /etc/oarspawner/oarspawner.yaml. */
    static Path defaultFile(Map<String, String> env) {
        return Path.of(env.getOrDefault("OARSPAWNER_CONFIG", "/etc/oarspawner/oarspawner.yaml"));
    }
}
