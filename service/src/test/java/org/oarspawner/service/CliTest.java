package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --version and --check-config, on a configuration whose files are in a temporary folder. */
class CliTest {
    @TempDir
    Path dir;
    Path config;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("jwt-secret"), "s".repeat(40));
        Files.writeString(dir.resolve("known_hosts"), "");
        Files.writeString(dir.resolve("id_ed25519"), "");
        config = dir.resolve("oarspawner.yaml");
        Files.writeString(config, """
                http: {port: 9000}
                jwt: {issuer: jupyterhub, hmacSecretFile: DIR/jwt-secret, hmacSecret: the-inline-secret}
                clusters:
                  cpu:
                    frontend: {host: f-dahu, port: 22}
                    knownHosts: DIR/known_hosts
                    serviceAccount: {user: oarspawner, key: DIR/id_ed25519}
                """.replace("DIR", dir.toString()));
    }

    private int run(Map<String, String> env, String... args) {
        return Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void versionIsTheMavenProjects() {
        assertThat(run(Map.of(), "--version")).isZero();
        assertThat(System.getProperty("project.version")).isNotBlank();
        assertThat(out().strip()).isEqualTo("oarspawner " + System.getProperty("project.version"));
    }

    @Test
    void aValidFileIsPrintedWithOverridesAndSecretsMasked() {
        int status = run(Map.of("OARSPAWNER_CLUSTERS__CPU__FRONTEND__HOST", "f-bigfoot",
                "OARSPAWNER_HUB_TOKEN", "the-env-token"), "--check-config", config.toString());
        assertThat(status).as(err()).isZero();
        assertThat(out()).contains(config + " is valid", "host: f-bigfoot", dir.resolve("jwt-secret").toString(),
                dir.resolve("id_ed25519").toString(), "hmacSecret: '********'").doesNotContain("f-dahu", "the-inline-secret",
                "the-env-token", "s".repeat(40));
    }

    @Test
    void aBadValueExitsNonZeroWithTheKeysName() throws Exception {
        Files.writeString(config, Files.readString(config).replace("port: 22", "port: 70000"));
        assertThat(run(Map.of(), "--check-config", config.toString())).isEqualTo(Cli.BAD_CONFIG);
        assertThat(err()).contains("clusters.cpu.frontend.port must be between 1 and 65535, got 70000");
        assertThat(out()).isEmpty();
    }

    @Test
    void aBadOverrideExitsNonZeroWithTheKeysName() {
        assertThat(run(Map.of("OARSPAWNER_POLL_TICK", "often"), "--check-config", config.toString())).isEqualTo(Cli.BAD_CONFIG);
        assertThat(err()).contains("pollTick must be a duration");
    }

    @Test
    void aMissingSecretFileIsNamedByItsKey() throws Exception {
        Files.delete(dir.resolve("jwt-secret"));
        assertThat(run(Map.of(), "--check-config", config.toString())).isEqualTo(Cli.BAD_CONFIG);
        assertThat(err()).contains("jwt.hmacSecretFile: no readable file at " + dir.resolve("jwt-secret"));
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThat(run(Map.of(), "--frobnicate")).isEqualTo(Cli.BAD_USAGE);
        assertThat(err()).contains("unknown option --frobnicate", "--check-config");
    }
}
