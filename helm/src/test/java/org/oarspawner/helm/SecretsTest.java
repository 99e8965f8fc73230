package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretProjection;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Secrets go to Secrets, mounted as files that the configuration names; never into a ConfigMap. */
class SecretsTest {
    static final String MOUNT = "/etc/oarspawner/secrets/";
    /** Recognisable secret values, one per file the service reads. */
    static final Map<String, String> FILES = Map.of(
            "ssh-key", "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-ssh-b3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            "known_hosts", "dahu.example.org ssh-ed25519 SECRET-knownhosts-AAAAC3NzaC1lZDI1NTE5\n",
            "jwt-public.pem", "-----BEGIN PUBLIC KEY-----\nSECRET-jwt-MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
            "job-name-key", "SECRET-jobname-0123456789abcdef0123456789abcdef");

    /** The full example with a chart-made Secret instead of the existing one. */
    static Rendered withChartMadeSecret(Path dir) throws Exception {
        StringBuilder v = new StringBuilder("secrets:\n  existingSecret: \"\"\n  files:\n");
        FILES.forEach((k, s) -> v.append("    ").append(k).append(": |\n")
                .append(s.lines().map(l -> "      " + l + "\n").reduce("", String::concat)));
        Path values = dir.resolve("secrets.yaml");
        Files.writeString(values, v.toString());
        return Rendered.of(ChartFixture.render(List.of(ChartFixture.FULL_VALUES, values), Map.of()));
    }

    @Test
    void noSecretValueReachesAConfigMapAndTheSecretHoldsThemAll(@TempDir Path dir) throws Exception {
        Rendered r = withChartMadeSecret(dir);
        Secret secret = r.one(Secret.class, ChartFixture.RELEASE);
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            assertThat(new String(Base64.getDecoder().decode(secret.getData().get(f.getKey())), StandardCharsets.UTF_8).strip())
                    .isEqualTo(f.getValue().strip());
        }
        assertThat(r.all(ConfigMap.class)).hasSize(2);
        for (ConfigMap cm : r.all(ConfigMap.class)) {
            String data = String.valueOf(cm.getData()) + cm.getBinaryData();
            assertThat(data).as(cm.getMetadata().getName()).doesNotContain("SECRET-");
            for (String s : FILES.values()) {
                assertThat(data).doesNotContain(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)));
            }
        }
        // Nor anywhere else but the Secret (an annotation, an environment variable).
        assertThat(r.yaml()).doesNotContain("SECRET-");
    }

    @Test
    void everyFileTheConfigurationNamesIsAMountedSecretFile(@TempDir Path dir) throws Exception {
        Rendered r = withChartMadeSecret(dir);
        Set<String> mounted = new HashSet<>(FILES.keySet());
        List<VolumeProjection> sources = r.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("secrets")).findFirst().orElseThrow().getProjected().getSources();
        for (VolumeProjection p : sources) {
            SecretProjection s = p.getSecret();
            if (s.getName().equals(ChartFixture.RELEASE)) {
                assertThat(s.getItems()).isNullOrEmpty();
            } else {
                assertThat(s.getName()).isEqualTo("hub");
                s.getItems().forEach(i -> mounted.add(i.getKey().equals("hub.config.ConfigurableHTTPProxy.auth_token")
                        || i.getKey().equals("hub.services.oarspawner.apiToken") ? i.getPath() : "unexpected"));
            }
        }
        assertThat(r.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("secrets")).findFirst().orElseThrow().getProjected().getDefaultMode())
                .isEqualTo(0440);
        List<String> named = new ArrayList<>();
        collectFiles(r.serviceConfig(), "", named);
        assertThat(named).contains("jobNameKeyFile", "jwt.publicKeys.hub.pem", "proxy.authTokenFile",
                "hub.apiTokenFile", "clusters.dahu.knownHosts", "clusters.dahu.serviceAccount.key");
        for (String key : named) {
            String path = r.serviceConfig().at("/" + key.replace('.', '/')).asString();
            assertThat(path).as(key).startsWith(MOUNT);
            assertThat(mounted).as(key + " = " + path).contains(path.substring(MOUNT.length()));
        }
        assertThat(mounted).doesNotContain("unexpected");
    }

    @Test
    void withoutAnySecretTheChartSaysWhatToSet() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChartFixture.render(List.of(),
                Map.of("secrets.fromSecrets", "null"))).hasMessageContaining("set secrets.existingSecret, secrets.files or secrets.fromSecrets");
    }

    /** Keys whose values are files the service reads: *File, pem, key, knownHosts, certificate. */
    private static void collectFiles(JsonNode n, String prefix, List<String> out) {
        n.properties().forEach(e -> {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (e.getValue().isObject()) {
                collectFiles(e.getValue(), key, out);
            } else if (e.getValue().isString() && (e.getKey().endsWith("File") || Set.of("pem", "key", "knownHosts",
                    "certificate").contains(e.getKey()))) {
                out.add(key);
            }
        });
    }
}
