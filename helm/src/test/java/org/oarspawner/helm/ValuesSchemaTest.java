package org.oarspawner.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** values.schema.json refuses wrong types: checked by a JSON Schema validator, and by Helm itself at template time. */
class ValuesSchemaTest {
    static final Schema SCHEMA = load();

    private static Schema load() {
        try {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                    .getSchema(Files.readString(ChartFixture.CHART.resolve("values.schema.json")), InputFormat.JSON);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<Error> errors(String yaml) {
        return SCHEMA.validate(yaml, InputFormat.YAML);
    }

    @Test
    void theDefaultsAndTheExamplesAreValid() throws Exception {
        assertThat(errors(Files.readString(ChartFixture.CHART.resolve("values.yaml")))).isEmpty();
        assertThat(errors(Files.readString(ChartFixture.FULL_VALUES))).isEmpty();
        assertThat(errors(Files.readString(ChartFixture.ROOT.resolve("helm/src/test/resources/local-platform-values.yaml")))).isEmpty();
    }

    @Test
    void aStringWhereANumberBelongsIsRefused() {
        List<Error> e = errors("service: {port: \"9081\"}\n");
        assertThat(e).hasSize(1);
        assertThat(e.get(0).toString()).contains("port").contains("integer");
        assertThat(errors("config: {clusters: {dahu: {frontend: {host: f, port: twenty-two}, knownHosts: k, serviceAccount: {user: u, key: k}}}}\n"))
                .singleElement().asString().contains("port");
        assertThat(errors("probes: {readiness: {periodSeconds: ten}}\n")).singleElement().asString().contains("periodSeconds");
        // The right types pass.
        assertThat(errors("service: {port: 9081}\nprobes: {readiness: {periodSeconds: 10}}\n")).isEmpty();
    }

    @Test
    void otherWrongValuesAreRefusedToo() {
        assertThat(errors("replicas: 2\n")).as("an unknown key (no replicas: one instance only)").isNotEmpty();
        assertThat(errors("metrics: {serviceMonitor: {enabled: \"yes\"}}\n")).isNotEmpty();
        assertThat(errors("config: {pollTick: 5}\n")).as("a duration is a string like 5s").isNotEmpty();
        assertThat(errors("networkPolicy: {frontendCidrs: [dahu.example.org]}\n")).isNotEmpty();
        assertThat(errors("config: {clusters: {dahu: {reachability: tunnel}}}\n")).isNotEmpty();
    }

    @Test
    void helmItselfRefusesAStringWhereANumberBelongs(@TempDir Path dir) throws Exception {
        Path values = dir.resolve("bad.yaml");
        Files.writeString(values, "service:\n  port: \"9081\"\n");
        assertThatThrownBy(() -> ChartFixture.render(List.of(values), Map.of()))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("port");
        Files.writeString(values, "service:\n  port: 9081\n");
        assertThat(ChartFixture.render(List.of(values), Map.of())).contains("containerPort: 9081");
    }
}
