package org.oarspawner.http;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.resources.FreeResourcesCache;
import org.oarspawner.spi.FreeResources;

/** GET /api/v1/profiles: the spawn form's presets, each cluster's limits, and what each cluster has free now. */
final class Profiles {
    private final ServiceConfig config;
    private final FreeResourcesCache free;
    private final Clock clock;

    Profiles(ServiceConfig config, FreeResourcesCache free, Clock clock) {
        this.config = config;
        this.free = free;
        this.clock = clock;
    }

    /** With {@code ?free=false}: no free counts, and no wait for oarnodes (the shim's spawn asks so). */
    void handle(RoutingContext rc) {
        List<String> names = List.copyOf(config.limits().keySet());
        boolean withFree = !"false".equals(rc.queryParams().get("free"));
        List<Future<Optional<FreeResources>>> counts = withFree ? names.stream().map(free::get).toList()
                : names.stream().map(n -> Future.succeededFuture(Optional.<FreeResources>empty())).toList();
        Future.join(counts).onComplete(all -> {
            JsonArray profiles = new JsonArray();
            config.profiles().values().forEach(p -> profiles.add(new JsonObject().put("name", p.name()).put("display", p.display())
                    .put("cluster", p.cluster()).put("nodes", p.nodes()).put("cores", p.cores()).put("gpus", p.gpus())
                    .put("gpuModel", p.gpuModel().orElse(null)).put("walltime", SpawnRequests.format(p.walltime()))));
            JsonArray clusters = new JsonArray();
            int i = 0;
            for (var l : config.limits().values()) {
                Optional<FreeResources> f = all.result().succeeded(i) ? all.result().resultAt(i) : Optional.empty();
                i++;
                clusters.add(new JsonObject().put("name", l.cluster()).put("display", l.display())
                        .put("maxNodes", l.maxNodes()).put("maxCores", l.maxCores()).put("maxGpus", l.maxGpus())
                        .put("gpuModels", new JsonArray(l.gpuModels())).put("maxWalltime", SpawnRequests.format(l.maxWalltime()))
                        .put("projects", new JsonArray(l.projects())).put("types", new JsonArray(l.types())));
                if (withFree) {
                    clusters.getJsonObject(clusters.size() - 1).put("free", f.map(this::free).orElse(null));
                }
            }
            ApiServer.json(rc.response(), 200, new JsonObject().put("profiles", profiles).put("clusters", clusters));
        });
    }

    /** Free now: cores, and GPUs by model; null when OAR has not answered yet. */
    private JsonObject free(FreeResources f) {
        JsonObject gpus = new JsonObject();
        new TreeMap<>(f.gpus()).forEach((model, g) -> gpus.put(model, new JsonObject().put("free", g.free()).put("total", g.total())));
        return new JsonObject().put("cores", f.freeCores()).put("aliveCores", f.aliveCores()).put("gpus", gpus)
                .put("readAt", f.readAt().toString())
                .put("ageSeconds", Math.max(0, Duration.between(f.readAt(), clock.instant()).toSeconds()));
    }
}
