package org.oarspawner.oar;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.oarspawner.config.ConfigException;
import org.oarspawner.config.ConfigNode;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.oar.ssh.SshTarget;
import org.oarspawner.spi.InvalidFieldException;

/** Reads the {@code clusters:} section of the service's configuration. See deploy/config/oarspawner.yaml. */
public final class OarClusterConfigs {
    private OarClusterConfigs() {
    }

    public static List<OarClusterConfig> from(ConfigNode clusters) {
        List<OarClusterConfig> out = new ArrayList<>();
        Map<String, ConfigNode> entries = clusters.children();
        if (entries.isEmpty()) {
            throw new ConfigException(clusters.path() + " must name at least one cluster");
        }
        entries.forEach((name, c) -> out.add(cluster(name, c)));
        return out;
    }

    static OarClusterConfig cluster(String name, ConfigNode c) {
        ConfigNode frontend = c.child("frontend");
        String host = frontend.string("host");
        int port = frontend.integer("port", 22, 1, 65535);
        Optional<SshTarget> jump = c.optionalChild("jumpHost").map(j -> new SshTarget(j.string("host"),
                j.integer("port", 22, 1, 65535), j.string("user"), j.readableFile("key")));
        SshSettings ssh = new SshSettings(c.readableFile("knownHosts"), jump,
                c.duration("connectTimeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5)),
                c.duration("commandTimeout", Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofHours(1)),
                c.integer("maxChannels", 8, 1, 64),
                c.duration("maxBackoff", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofHours(1)),
                c.duration("idleTimeout", SshSettings.DEFAULT_IDLE_TIMEOUT, Duration.ofSeconds(1), Duration.ofDays(1)),
                c.integer("connections", SshSettings.DEFAULT_CONNECTIONS, 1, 8));
        Identity identity = c.enumValue("identity", Identity.class, Identity.SERVICE_ACCOUNT);
        ConfigNode account = c.child("serviceAccount");
        SshTarget service = new SshTarget(host, port, account.string("user"), account.readableFile("key"));
        Optional<ConfigNode> commandPaths = c.optionalChild("commands");
        OarClusterConfig.OarCommands defaults = OarClusterConfig.OarCommands.DEFAULT;
        OarClusterConfig.OarCommands commands = commandPaths.map(p -> new OarClusterConfig.OarCommands(
                p.string("oarsub", defaults.oarsub()), p.string("oarstat", defaults.oarstat()),
                p.string("oardel", defaults.oardel()), p.string("oarnodes", defaults.oarnodes()),
                p.string("stage", defaults.stage()), p.string("oarwalltime", defaults.oarwalltime()))).orElse(defaults);
        // 0 warns nobody; OAR signals the job this long before its walltime, then again at each of its passes.
        Duration checkpoint = c.duration("checkpoint", OarClusterConfig.DEFAULT_CHECKPOINT, Duration.ZERO, Duration.ofHours(12));
        try {
            return new OarClusterConfig(name, host, port, ssh, identity, service, c.optionalString("userKeys"), commands,
                    c.optionalString("properties"), c.string("gpuModelProperty", "gpumodel"),
                    c.optionalString("defaultProject"), c.string("python", "python3"),
                    c.enumValue("reachability", OarClusterConfig.Reachability.class, OarClusterConfig.Reachability.DIRECT),
                    c.optionalString("endpointSpool"), checkpoint);
        } catch (InvalidFieldException e) {
            throw c.error(e.field(), e.getMessage().substring(e.field().length() + 2));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.path() + ": " + e.getMessage());
        }
    }
}
