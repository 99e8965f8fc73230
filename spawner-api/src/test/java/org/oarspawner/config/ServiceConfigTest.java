package org.oarspawner.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void secret() throws Exception {
        Files.writeString(dir.resolve("secret"), "x".repeat(40));
        Files.writeString(dir.resolve("short"), "x".repeat(10));
    }

    private static final String BASE = """
            http: {port: 9000}
            jwt: {issuer: jupyterhub, hmacSecretFile: DIR/secret}
            clusters:
              gpu: {limits: {maxGpus: 2, gpuModels: [A100]}}
            """;

    private ServiceConfig config(String yaml, Map<String, String> env) throws Exception {
        return ServiceConfig.from(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml.replace("DIR", dir.toString())), env));
    }

    private void assertRefused(String yaml, String message) {
        assertThatThrownBy(() -> config(yaml, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining(message);
    }

    @Test
    void defaults() throws Exception {
        ServiceConfig c = config(BASE, Map.of());
        assertThat(c.instance()).isEqualTo("hub");
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.pollTick()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.startTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.jwt().audience()).containsExactly("oarspawner");
        assertThat(c.jwt().leeway()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.openOps()).isTrue();
        assertThat(c.limits().get("gpu").maxGpus()).isEqualTo(2);
        assertThat(c.logins().loginOf("alice")).contains("alice");
        assertThat(c.logins().loginOf("alice@example.org")).isEmpty();
        assertThat(c.timeZone()).isEqualTo(java.time.ZoneId.of("UTC"));
        assertThat(c.jwt().maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(c.logins().denied("root")).isTrue();
        assertThat(c.logins().denied("alice")).isFalse();
    }

    @Test
    void tokenLifetimeAndDeniedLogins() throws Exception {
        assertThat(config(BASE, Map.of("OARSPAWNER_JWT__MAX_LIFETIME", "10m")).jwt().maxLifetime()).isEqualTo(Duration.ofMinutes(10));
        assertRefused(BASE.replace("hmacSecretFile", "maxLifetime: 2d, hmacSecretFile"), "jwt.maxLifetime must be between");
        assertRefused(BASE.replace("hmacSecretFile", "maxLifetime: 1s, hmacSecretFile"), "jwt.maxLifetime must be between");
        ServiceConfig c = config(BASE + "logins: {mode: same, deny: [daemon, oarspawner]}\n", Map.of());
        assertThat(c.logins().denied("daemon")).isTrue();
        assertThat(c.logins().denied("oarspawner")).isTrue();
        // root is refused whatever the list says.
        assertThat(c.logins().denied("root")).isTrue();
        assertRefused(BASE + "logins: {deny: [\"Root Account\"]}\n", "logins.deny holds 'Root Account', which is not a POSIX login");
    }

    @Test
    void aWalltimeIsTheWholeValue() {
        assertThat(ServiceConfig.parseWalltime("0:10")).contains(Duration.ofMinutes(10));
        assertThat(ServiceConfig.parseWalltime("1:30:05")).contains(Duration.ofSeconds(5405));
        for (String bad : new String[] {"0:10\n", " 0:10", "0:10 ", "0:60", "0:10:60", "10", "0:10\n0:20"}) {
            assertThat(ServiceConfig.parseWalltime(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void theSitesTimeZoneIsCheckedAtStart() throws Exception {
        assertThat(config(BASE, Map.of("OARSPAWNER_TIME_ZONE", "Europe/Paris")).timeZone()).isEqualTo(java.time.ZoneId.of("Europe/Paris"));
        assertRefused(BASE + "timeZone: Europe/Grenoble\n", "timeZone must be a time zone like Europe/Paris or UTC, got 'Europe/Grenoble'");
    }

    @Test
    void freeResourcesAreCachedHalfAMinuteAndAwaitedTwoSecondsUnlessConfigured() throws Exception {
        assertThat(config(BASE, Map.of()).freeResources())
                .isEqualTo(new ServiceConfig.FreeResources(Duration.ofSeconds(30), Duration.ofSeconds(2)));
        assertThat(config(BASE + "freeResources: {maxAge: 2m, formWait: 0s}\n", Map.of()).freeResources())
                .isEqualTo(new ServiceConfig.FreeResources(Duration.ofMinutes(2), Duration.ZERO));
        assertRefused(BASE + "freeResources: {maxAge: 0s}\n", "maxAge");
    }

    @Test
    void endedSpawnsAreKeptAnHourAndAThousandAtMostUnlessConfigured() throws Exception {
        ServiceConfig defaults = config(BASE, Map.of());
        assertThat(defaults.spawns()).isEqualTo(new ServiceConfig.Spawns(Duration.ofHours(1), 1000));
        ServiceConfig set = config(BASE + "spawns: {retention: 10m, maxEnded: 50}\n", Map.of());
        assertThat(set.spawns()).isEqualTo(new ServiceConfig.Spawns(Duration.ofMinutes(10), 50));
        assertRefused(BASE + "spawns: {maxEnded: -1}\n", "maxEnded");
        assertRefused(BASE + "spawns: {retention: forever}\n", "retention must be a duration");
    }

    @Test
    void environmentOverrides() throws Exception {
        ServiceConfig c = config(BASE, Map.of("OARSPAWNER_POLL_TICK", "1s", "OARSPAWNER_HTTP__PORT", "9100",
                "OARSPAWNER_INSTANCE", "hub2", "OTHER_VAR", "ignored"));
        assertThat(c.pollTick()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.instance()).isEqualTo("hub2");
    }

    @Test
    void loginMappings() throws Exception {
        ServiceConfig template = config(BASE + "logins: {mode: template, template: \"{user}-ext\"}\n", Map.of());
        assertThat(template.logins().loginOf("alice")).contains("alice-ext");
        ServiceConfig table = config(BASE + "logins: {mode: table, table: {alice@example.org: alice, bob: robert}}\n", Map.of());
        assertThat(table.logins().loginOf("alice@example.org")).contains("alice");
        assertThat(table.logins().loginOf("bob")).contains("robert");
        assertThat(table.logins().loginOf("carol")).isEmpty();
        assertRefused(BASE + "logins: {mode: table}\n", "logins.table must list hub users");
        assertRefused(BASE + "logins: {mode: template, template: ext}\n", "logins.template must contain {user}");
        assertRefused(BASE + "logins: {mode: table, table: {alice: Alice}}\n", "logins.table.alice must be a POSIX login");
        assertRefused(BASE + "logins: {mode: ldap}\n", "logins.mode must be one of [same, template, table]");
    }

    @Test
    void proxySection() throws Exception {
        ServiceConfig c = config(BASE + "proxy: {apiUrl: \"http://127.0.0.1:8001\", authTokenFile: DIR/secret, baseUrl: /hub-prefix/}\n", Map.of());
        assertThat(c.proxy()).get().extracting(ServiceConfig.Proxy::apiUrl, ServiceConfig.Proxy::token, ServiceConfig.Proxy::baseUrl)
                .containsExactly("http://127.0.0.1:8001", "x".repeat(40), "/hub-prefix/");
        assertThat(config(BASE, Map.of()).proxy()).isEmpty();
        assertRefused(BASE + "proxy: {apiUrl: localhost:8001, authTokenFile: DIR/secret}\n", "proxy.apiUrl must be an http(s) URL");
        assertRefused(BASE + "proxy: {apiUrl: \"http://h:1\", authTokenFile: DIR/secret, baseUrl: hub}\n", "proxy.baseUrl must start with '/'");
    }

    @Test
    void badValuesNameTheirKey() {
        assertRefused(BASE.replace("port: 9000", "port: 99999"), "http.port must be between 0 and 65535, got 99999");
        assertRefused(BASE.replace("hmacSecretFile: DIR/secret", "hmacSecretFile: DIR/short"), "jwt.hmacSecretFile must hold at least 32 characters");
        assertRefused(BASE.replace(", hmacSecretFile: DIR/secret", ""), "jwt.publicKeys or hmacSecretFile is required");
        assertRefused(BASE.replace("hmacSecretFile: DIR/secret", "hmacSecretFile: DIR/none"), "jwt.hmacSecretFile: no readable file");
        assertRefused(BASE + "pollTick: fast\n", "pollTick must be a duration like 500ms");
        assertRefused(BASE + "pollTick: 10ms\n", "pollTick must be between");
        assertRefused(BASE + "instance: Hub_1\n", "instance must be 1-32 characters");
        assertRefused(BASE + "profiles:\n  p: {cluster: cpu}\n", "profiles.p.cluster names no configured cluster: 'cpu'; configured are [gpu]");
        assertRefused(BASE + "profiles:\n  p: {cluster: gpu, gpus: 1, gpuModel: H100}\n", "profiles.p.gpuModel 'H100' is not in clusters.gpu.limits.gpuModels");
        assertRefused(BASE + "profiles:\n  p: {cluster: gpu, walltime: soon}\n", "profiles.p.walltime must be a walltime like 2:00");
        assertRefused(BASE.replace("gpuModels: [A100]", "gpuModels: [\"A 100\"]"), "clusters.gpu.limits.gpuModels holds 'A 100'");
        assertRefused(BASE.replace("jwt: {", "jwt: {publicKeys: {k: {algorithm: HS512, pem: DIR/secret}}, "), "jwt.publicKeys.k.algorithm must be ES256 or RS256");
        assertRefused("http: {}\n", "clusters is required");
        assertRefused(BASE.replace("jwt: {issuer: jupyterhub, hmacSecretFile: DIR/secret}\n", ""), "jwt is required");
    }
}
