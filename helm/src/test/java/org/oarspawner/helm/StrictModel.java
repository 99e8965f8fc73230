package org.oarspawner.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rendered objects in fabric8's typed Kubernetes model, with every unknown property refused: fabric8's classes
 * keep unknown fields in an "additionalProperties" map (a Jackson any-setter); here no any-setter counts, so a
 * misspelled field ("readinesProbe") fails instead of being kept. fabric8 8.0.0 has no model of
 * prometheus-operator's CRDs served from Maven Central, so ServiceMonitor and PrometheusRule are the strict records
 * below, with the fields the chart writes.
 */
final class StrictModel {
    static final JsonMapper MAPPER = JsonMapper.builder()
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(MapperConfig<?> config, Annotated a) {
                    return Boolean.FALSE;
                }
            })
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private static final Map<String, Class<?>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "v1/Service", Service.class,
            "v1/ServiceAccount", ServiceAccount.class,
            "apps/v1/Deployment", Deployment.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class,
            "monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class);

    private StrictModel() {
    }

    /** The typed object for a rendered document; fails on an unknown kind or an unknown field. */
    static Object parse(JsonNode doc) {
        String key = doc.path("apiVersion").asString() + "/" + doc.path("kind").asString();
        Class<?> type = KINDS.get(key);
        if (type == null) {
            throw new AssertionError("the chart renders an object this test does not know: " + key);
        }
        return MAPPER.treeToValue(doc, type);
    }

    static ObjectMeta metadata(Object o) {
        return o instanceof HasMetadata h ? h.getMetadata() : o instanceof ServiceMonitor s ? s.metadata()
                : ((PrometheusRule) o).metadata();
    }

    record ServiceMonitor(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(String jobLabel, LabelSelector selector, NamespaceSelector namespaceSelector, List<Endpoint> endpoints) {
        }

        record NamespaceSelector(List<String> matchNames) {
        }

        record Endpoint(String port, String path, String interval) {
        }
    }

    record PrometheusRule(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {
        record Spec(List<Group> groups) {
        }

        record Group(String name, String interval, List<Rule> rules) {
        }

        record Rule(String alert, String record, String expr, @JsonProperty("for") String forDuration,
                    @JsonProperty("keep_firing_for") String keepFiringFor, Map<String, String> labels,
                    Map<String, String> annotations) {
        }
    }
}
