package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretProjection;
import io.fabric8.kubernetes.api.model.Service;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * helm/examples/z2jh-values.yaml against the other side: the shim's traitlets, and helm/oarspawner rendered with
 * helm/examples/oarspawner-values.yaml (its Service, the Secret keys it mounts from z2jh's Secret "hub").
 */
class Z2jhValuesTest {
    static final Path Z2JH = ChartFixture.ROOT.resolve("helm/examples/z2jh-values.yaml");
    static final JsonNode VALUES = ChartFixture.YAML.readTree(read(Z2JH));

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The OARSpawner traitlets the hub may set (config=True in spawner-api/shim/oarspawner/spawner.py). */
    static Set<String> shimTraitlets() {
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^    (\\w+) = \\w+\\(.*config=True").matcher(read(
                ChartFixture.ROOT.resolve("spawner-api/shim/oarspawner/spawner.py")));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void theHubRunsTheShimWithCleanupOff() {
        JsonNode config = VALUES.at("/hub/config");
        // The entry point the wheel registers (pyproject.toml: jupyterhub.spawners).
        assertThat(read(ChartFixture.ROOT.resolve("spawner-api/shim/pyproject.toml"))).contains("oarspawner = \"oarspawner:OARSpawner\"");
        assertThat(config.at("/JupyterHub/spawner_class").asString()).isEqualTo("oarspawner");
        assertThat(config.at("/JupyterHub/cleanup_servers").asBoolean(true)).isFalse();
        Set<String> traitlets = shimTraitlets();
        assertThat(traitlets).contains("service_url", "jwt_private_key_file", "jwt_algorithm");
        config.path("OARSpawner").propertyNames().forEach(k -> assertThat(traitlets).as("OARSpawner." + k).contains(k));
        assertThat(config.at("/Spawner/hub_connect_url").asString()).startsWith("https://");
        assertThat(config.at("/JupyterHub/hub_connect_url").isMissingNode()).as("the proxy's route to the hub").isTrue();
    }

    @Test
    void theServiceUrlIsTheChartsService() {
        Rendered r = Rendered.of(ChartFixture.renderFull());
        Service s = r.one(Service.class, ChartFixture.RELEASE);
        URI url = URI.create(VALUES.at("/hub/config/OARSpawner/service_url").asString());
        assertThat(url.getHost()).isEqualTo(s.getMetadata().getName());
        assertThat(url.getPort()).isEqualTo(s.getSpec().getPorts().get(0).getPort());
    }

    @Test
    void theJwtKeyComesFromAMountedSecretAndTheServiceGetsThePublicHalf() {
        String keyFile = VALUES.at("/hub/config/OARSpawner/jwt_private_key_file").asString();
        JsonNode mount = VALUES.at("/hub/extraVolumeMounts").get(0);
        assertThat(keyFile).startsWith(mount.path("mountPath").asString() + "/");
        JsonNode volume = VALUES.at("/hub/extraVolumes").get(0);
        assertThat(volume.path("name").asString()).isEqualTo(mount.path("name").asString());
        assertThat(volume.at("/secret/secretName").asString()).isNotEmpty();
        assertThat(VALUES.at("/hub/config/OARSpawner/jwt_algorithm").asString()).isEqualTo("ES256");
        JsonNode serviceConfig = Rendered.of(ChartFixture.renderFull()).serviceConfig();
        assertThat(serviceConfig.at("/jwt/publicKeys/hub/algorithm").asString()).isEqualTo("ES256");
        assertThat(serviceConfig.at("/jwt/issuer").asString()).isEqualTo(VALUES.at("/hub/config/OARSpawner/jwt_issuer").asString());
        assertThat(serviceConfig.at("/jwt/audience/0").asString()).isEqualTo(VALUES.at("/hub/config/OARSpawner/jwt_audience").asString());
    }

    @Test
    void theTokensTheChartMountsAreOnesZ2jhMakes() {
        // z2jh writes hub.services.<name>.apiToken and hub.config.ConfigurableHTTPProxy.auth_token into its Secret "hub".
        Rendered r = Rendered.of(ChartFixture.renderFull());
        List<SecretProjection> fromHub = r.deployment().getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("secrets")).findFirst().orElseThrow().getProjected().getSources().stream()
                .map(p -> p.getSecret()).filter(p -> p.getName().equals("hub")).toList();
        assertThat(fromHub).hasSize(1);
        Set<String> services = new HashSet<>();
        VALUES.at("/hub/services").propertyNames().forEach(services::add);
        for (var item : fromHub.get(0).getItems()) {
            assertThat(item.getKey()).satisfiesAnyOf(k -> assertThat(k).isEqualTo("hub.config.ConfigurableHTTPProxy.auth_token"),
                    k -> assertThat(k).matches("hub\\.services\\.(.+)\\.apiToken").satisfies(x ->
                            assertThat(services).contains(x.replaceAll("hub\\.services\\.(.+)\\.apiToken", "$1"))));
        }
        JsonNode role = VALUES.at("/hub/loadRoles/oarspawner-reconcile");
        assertThat(role.path("scopes").toString()).isEqualTo("[\"list:users\",\"read:servers\"]");
        assertThat(role.path("services").get(0).asString()).isIn(services);
    }
}
