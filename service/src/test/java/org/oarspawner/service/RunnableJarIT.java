package org.oarspawner.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.oarspawner.oar.LocalCluster;

/**
 * The runnable jar as a site runs it (java -jar), on the platform's example configuration: --version, and
 * --check-config with a good file, a bad override and an inline secret. Nothing here touches the cluster.
 */
class RunnableJarIT {
    record Result(int status, String out, String err) {
    }

    private static Result run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile("jar-out", ".txt");
        Path err = Files.createTempFile("jar-err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(ServiceProcess.command(args)).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("OARSPAWNER_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("java -jar " + List.of(args) + " did not end in 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void versionIsTheProjects() throws Exception {
        Result r = run(Map.of(), "--version");
        assertThat(r.status()).isZero();
        assertThat(r.out().strip()).isEqualTo("oarspawner " + System.getProperty("oarspawner.jar")
                .replaceAll("^.*/oarspawner-(.+)\\.jar$", "$1"));
    }

    @Test
    void theExampleConfigurationIsValidAndItsSecretsStayHidden() throws Exception {
        String secret = Files.readString(LocalCluster.STATE.resolve("jwt-secret")).strip();
        Result r = run(Map.of("OARSPAWNER_HTTP__PORT", "9555", "OARSPAWNER_PROXY_TOKEN", "inline-proxy-token"),
                "--check-config", ServiceProcess.CONFIG.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("is valid", "port: 9555", "hmacSecretFile: " + LocalCluster.STATE.resolve("jwt-secret"),
                "proxyToken: '********'").doesNotContain("inline-proxy-token", secret);
    }

    @Test
    void aBadValueStopsWithTheKeysName() throws Exception {
        Result r = run(Map.of("OARSPAWNER_CLUSTERS__GPU__FRONTEND__PORT", "70000"), "--check-config", ServiceProcess.CONFIG.toString());
        assertThat(r.status()).isEqualTo(Cli.BAD_CONFIG);
        assertThat(r.err()).contains("clusters.gpu.frontend.port must be between 1 and 65535, got 70000");
        assertThat(r.out()).isEmpty();
        // The service itself refuses the same file the same way, before it opens anything.
        Result service = run(Map.of("OARSPAWNER_CLUSTERS__GPU__FRONTEND__PORT", "70000"), ServiceProcess.CONFIG.toString());
        assertThat(service.status()).isEqualTo(Cli.BAD_CONFIG);
        assertThat(service.err()).contains("clusters.gpu.frontend.port must be between 1 and 65535, got 70000");
    }
}
