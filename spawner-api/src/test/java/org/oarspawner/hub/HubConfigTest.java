package org.oarspawner.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.oarspawner.config.ConfigException;
import org.oarspawner.config.ConfigNode;

class HubConfigTest {
    @TempDir
    Path dir;

    private Optional<HubConfig> config(String yaml, Map<String, String> env) throws Exception {
        return HubConfig.from(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml.replace("DIR", dir.toString())), env));
    }

    @Test
    void disabledWithoutTheSection() throws Exception {
        assertThat(config("instance: x\n", Map.of())).isEmpty();
    }

    @Test
    void defaultsAndTheTokenFromItsFile() throws Exception {
        Files.writeString(dir.resolve("token"), "abc123\n");
        HubConfig c = config("hub: {apiUrl: 'http://127.0.0.1:8081/hub/api/', apiTokenFile: DIR/token}\n", Map.of()).orElseThrow();
        assertThat(c.apiUrl()).isEqualTo("http://127.0.0.1:8081/hub/api");
        assertThat(c.token()).isEqualTo("abc123");
        assertThat(c.orphanGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.checkInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.orphanChecks()).isEqualTo(3);
        assertThat(c.toString()).doesNotContain("abc123");
    }

    @Test
    void theEnvironmentEnablesIt() throws Exception {
        Files.writeString(dir.resolve("token"), "abc123");
        HubConfig c = config("instance: x\n", Map.of("OARSPAWNER_HUB__API_URL", "http://hub:8081/hub/api",
                "OARSPAWNER_HUB__API_TOKEN_FILE", dir.resolve("token").toString(), "OARSPAWNER_HUB__ORPHAN_GRACE", "20s",
                "OARSPAWNER_HUB__CHECK_INTERVAL", "2s")).orElseThrow();
        assertThat(c.orphanGrace()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.checkInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void badValuesNameTheirKey() throws Exception {
        Files.writeString(dir.resolve("token"), "abc123");
        Files.writeString(dir.resolve("empty"), "\n");
        assertRefused("hub: {apiUrl: 'ftp://hub', apiTokenFile: DIR/token}", "hub.apiUrl must be");
        assertRefused("hub: {apiUrl: 'http://hub/hub/api', apiTokenFile: DIR/none}", "hub.apiTokenFile");
        assertRefused("hub: {apiUrl: 'http://hub/hub/api', apiTokenFile: DIR/empty}", "read:servers");
        assertRefused("hub: {apiUrl: 'http://hub/hub/api', apiTokenFile: DIR/token, orphanGrace: 10s, checkInterval: 30s}",
                "hub.checkInterval must not be longer");
        assertRefused("hub: {apiUrl: 'http://hub/hub/api', apiTokenFile: DIR/token, orphanChecks: 1}", "hub.orphanChecks");
    }

    private void assertRefused(String yaml, String message) {
        assertThatThrownBy(() -> config(yaml, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }
}
