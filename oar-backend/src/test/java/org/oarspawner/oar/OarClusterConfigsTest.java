package org.oarspawner.oar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oarspawner.config.ConfigException;
import org.oarspawner.config.ConfigNode;

class OarClusterConfigsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws IOException {
        Files.writeString(dir.resolve("known_hosts"), "");
        Files.writeString(dir.resolve("svc"), "");
    }

    private ConfigNode yaml(String text, Map<String, String> env) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, text.replace("DIR", dir.toString()));
        return ConfigNode.load(f, env);
    }

    private static final String GOOD = """
            clusters:
              dahu:
                frontend: {host: f-dahu.example.org}
                knownHosts: DIR/known_hosts
                identity: per-user
                userKeys: /etc/oarspawner/keys/{login}
                serviceAccount: {user: oarspawner, key: DIR/svc}
                properties: "cluster='dahu'"
                commandTimeout: 30s
              bigfoot:
                frontend: {host: f-bigfoot.example.org, port: 2222}
                knownHosts: DIR/known_hosts
                serviceAccount: {user: oarspawner, key: DIR/svc}
                defaultProject: pr-training
            """;

    @Test
    void readsClustersWithDefaults() throws IOException {
        List<OarClusterConfig> c = OarClusterConfigs.from(yaml(GOOD, Map.of()).child("clusters"));
        assertThat(c).extracting(OarClusterConfig::name).containsExactly("dahu", "bigfoot");
        OarClusterConfig dahu = c.get(0);
        assertThat(dahu.identity()).isEqualTo(Identity.PER_USER);
        assertThat(dahu.frontendPort()).isEqualTo(22);
        assertThat(dahu.ssh().commandTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(dahu.ssh().maxChannels()).isEqualTo(8);
        assertThat(dahu.ssh().connections()).isEqualTo(3);
        assertThat(dahu.loginTarget("alice").key()).isEqualTo(Path.of("/etc/oarspawner/keys/alice"));
        OarClusterConfig bigfoot = c.get(1);
        assertThat(bigfoot.identity()).isEqualTo(Identity.SERVICE_ACCOUNT);
        assertThat(bigfoot.serviceAccount().port()).isEqualTo(2222);
        assertThat(bigfoot.defaultProject()).contains("pr-training");
        assertThat(bigfoot.commands()).isEqualTo(OarClusterConfig.OarCommands.DEFAULT);
    }

    @Test
    void environmentOverridesAKey() throws IOException {
        List<OarClusterConfig> c = OarClusterConfigs.from(yaml(GOOD, Map.of(
                "OARSPAWNER_CLUSTERS__BIGFOOT__FRONTEND__HOST", "other.example.org",
                "OARSPAWNER_CLUSTERS__DAHU__MAX_CHANNELS", "4",
                "OARSPAWNER_CLUSTERS__BIGFOOT__CONNECTIONS", "2")).child("clusters"));
        assertThat(c.get(1).frontendHost()).isEqualTo("other.example.org");
        assertThat(c.get(0).ssh().maxChannels()).isEqualTo(4);
        assertThat(c.get(1).ssh().connections()).isEqualTo(2);
    }

    @Test
    void badValuesAreRefusedNamingTheKey() throws IOException {
        assertError(GOOD.replace("port: 2222", "port: 70000"), "clusters.bigfoot.frontend.port must be between 1 and 65535, got 70000");
        assertError(GOOD.replace("commandTimeout: 30s", "commandTimeout: 30s\n    connections: 0"),
                "clusters.dahu.connections must be between 1 and 8, got 0");
        assertError(GOOD.replace("commandTimeout: 30s", "commandTimeout: soon"), "clusters.dahu.commandTimeout must be a duration");
        assertError(GOOD.replace("identity: per-user", "identity: root"), "clusters.dahu.identity must be one of [per-user, service-account]");
        assertError(GOOD.replace("DIR/svc}\n    properties", "DIR/nokey}\n    properties"), "clusters.dahu.serviceAccount.key: no readable file");
        assertError(GOOD.replace("    userKeys: /etc/oarspawner/keys/{login}\n", ""), "identity per-user needs userKeys");
        assertError(GOOD.replace("pr-training", "pr training"), "clusters.bigfoot.defaultProject must be 1-64 characters");
        assertError(GOOD.replace("frontend: {host: f-dahu.example.org}", "frontend: {}"), "clusters.dahu.frontend.host is required");
        assertError("clusters: {}", "clusters must name at least one cluster");
    }

    private void assertError(String text, String message) throws IOException {
        ConfigNode root = yaml(text, Map.of());
        assertThatThrownBy(() -> OarClusterConfigs.from(root.child("clusters")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
