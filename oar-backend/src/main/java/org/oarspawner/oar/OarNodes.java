package org.oarspawner.oar;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.spi.FreeResources;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;

/**
 * Reads OAR 2.5's {@code oarnodes -J}: one entry per resource (a core here), keyed by resource id. A core is free when
 * it is Alive and carries no {@code jobs}; a GPU (the resources sharing a host and a {@code gpu} value) is free when
 * all of its cores are. Streamed entry by entry: a 2000-resource answer is 1.6 MB.
 */
public final class OarNodes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NO_MODEL = "unknown";

    private OarNodes() {
    }

    /** The free resources in one {@code oarnodes -J} answer; {@code gpuModelProperty} names the GPU model column. */
    public static FreeResources free(String cluster, CommandResult result, String gpuModelProperty, Instant readAt) {
        if (result.exitCode() != 0 || result.truncated()) {
            throw new SchedulerException(cluster, Reason.FAILED, result.exitCode(),
                    "oarnodes failed" + (result.truncated() ? " (answer over the size limit)" : "") + ": "
                            + result.stderr().strip());
        }
        int free = 0;
        int alive = 0;
        Map<String, Gpu> gpus = new HashMap<>();
        try (JsonParser p = JSON.getFactory().createParser(result.stdout())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw unreadable(cluster, "not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                p.nextToken();
                JsonNode r = p.readValueAsTree();
                if (r == null || !r.isObject()) {
                    throw unreadable(cluster, "resource " + p.currentName() + " is not an object");
                }
                boolean up = "Alive".equals(r.path("state").asText());
                boolean idle = up && text(r.get("jobs")).isEmpty();
                if (up) {
                    alive++;
                }
                if (idle) {
                    free++;
                }
                String gpu = text(r.get("gpu"));
                if (!gpu.isEmpty() && !gpu.equals("NO")) {
                    String model = text(r.get(gpuModelProperty));
                    Gpu g = gpus.computeIfAbsent(text(r.get("network_address")) + "/" + gpu,
                            k -> new Gpu(model.isEmpty() ? NO_MODEL : model));
                    g.allIdle &= idle;
                }
            }
        } catch (IOException e) {
            throw unreadable(cluster, e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage());
        }
        Map<String, FreeResources.Gpus> byModel = new HashMap<>();
        for (Gpu g : gpus.values()) {
            byModel.merge(g.model, new FreeResources.Gpus(g.allIdle ? 1 : 0, 1),
                    (a, b) -> new FreeResources.Gpus(a.free() + b.free(), a.total() + b.total()));
        }
        return new FreeResources(free, alive, byModel, readAt);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? "" : n.asText().strip();
    }

    private static SchedulerException unreadable(String cluster, String why) {
        return new SchedulerException(cluster, Reason.FAILED, 0, "oarnodes -J could not be read: " + why);
    }

    private static final class Gpu {
        final String model;
        boolean allIdle = true;

        Gpu(String model) {
            this.model = model;
        }
    }
}
