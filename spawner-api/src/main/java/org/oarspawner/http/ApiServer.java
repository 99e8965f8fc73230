package org.oarspawner.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.validation.ValidatorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.oarspawner.config.ServiceConfig;
import org.oarspawner.metrics.HttpMetrics;
import org.oarspawner.resources.FreeResourcesCache;
import org.oarspawner.spawn.SpawnManager;
import org.oarspawner.spawn.WalltimeRefusal;
import org.oarspawner.spi.Grammar;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.Scheduler;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The REST API (api/v1, contract in openapi.yaml), health and metrics. */
public final class ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    public static final String CONTRACT = "org/oarspawner/http/openapi.yaml";
    /** The URL name of JupyterHub's default server, whose server name is empty. */
    public static final String DEFAULT_SERVER = "_default";
    /** The largest request body read, in bytes. */
    static final int BODY_LIMIT = 1 << 20;

    private final Vertx vertx;
    private final ServiceConfig config;
    private final SpawnManager spawns;
    private final Scheduler scheduler;
    private final PrometheusMeterRegistry registry;
    private final SpawnRequests requests;
    private final ApiAuth auth;
    private final EventStream events;
    private final Profiles profiles;
    /** What the sessions page acts through: the manager, in process (a test may give another). */
    private SessionActions sessionActions;

    public ApiServer(Vertx vertx, ServiceConfig config, SpawnManager spawns, Scheduler scheduler, PrometheusMeterRegistry registry) {
        this.vertx = vertx;
        this.config = config;
        this.spawns = spawns;
        this.scheduler = scheduler;
        this.registry = registry;
        this.requests = new SpawnRequests(config);
        this.auth = new ApiAuth(config.jwt(), Clock.systemUTC());
        this.events = new EventStream(vertx, spawns);
        this.profiles = new Profiles(config, new FreeResourcesCache(vertx, scheduler, config.freeResources().maxAge(),
                config.freeResources().formWait(), Clock.systemUTC()), Clock.systemUTC());
        this.sessionActions = new SessionActions() {
            @Override
            public Future<List<org.oarspawner.spawn.Spawn.View>> list() {
                return spawns.list();
            }

            @Override
            public Future<?> stop(SpawnKey key) {
                return spawns.stop(key);
            }

            @Override
            public Future<?> extend(SpawnKey key, java.time.Duration add) {
                return spawns.extendWalltime(key, add);
            }
        };
    }

    /** For tests: the sessions page acts through these instead of the manager. */
    ApiServer withSessionActions(SessionActions actions) {
        this.sessionActions = actions;
        return this;
    }

    public Future<HttpServer> start() {
        String contractText = resource(CONTRACT);
        JsonObject contractJson = new JsonObject(io.vertx.core.json.Json.encode(readYaml(contractText)));
        return OpenAPIContract.from(vertx, contractJson).compose(contract -> {
            Router root = Router.router(vertx);
            // First of all, before auth: a raw path that normalizes to another resource is refused.
            // Named, so that the HTTP metrics' route label of a refused path says so (see HttpMetrics).
            root.route().setName(HttpMetrics.PATH_GUARD).handler(new PathGuard());
            // The HPC sessions page (a hub service, cookies and OAuth): its own routes under its prefix, never /api/v1.
            config.sessions().ifPresent(s -> new SessionsPage(vertx, s, sessionActions, scheduler.clusters(),
                    Clock.system(config.timeZone())).mount(root));
            JWTAuthHandler authentication = JWTAuthHandler.create(jwt());
            if (!config.openOps()) {
                // Health and metrics only for operators' tokens (role admin or hub).
                for (String path : List.of("/health/*", "/metrics")) {
                    root.route(path).handler(authentication);
                    root.route(path).handler(auth::caller);
                    root.route(path).handler(auth::operators);
                }
            }
            root.get("/health/live").handler(rc -> json(rc.response(), 200, new JsonObject().put("status", "up")));
            root.get("/health/ready").handler(this::ready);
            if (registry != null) {
                root.get("/metrics").handler(rc -> rc.response().putHeader("content-type", "text/plain; version=0.0.4")
                        .end(registry.scrape()));
            }
            root.get("/api/v1/openapi.yaml").handler(rc -> rc.response().putHeader("content-type", "application/yaml")
                    .end(contractText));

            // The body is read and the token checked before validation, so 401 and 403 come before 400.
            RouterBuilder builder = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
            builder.security("jwt").httpHandler(authentication);
            builder.getRoute("getProfiles").addHandler(profiles::handle);
            builder.getRoute("startServer").addHandler(rc -> withKey(rc, this::startServer));
            builder.getRoute("getServer").addHandler(rc -> withKey(rc, this::getServer));
            builder.getRoute("stopServer").addHandler(rc -> withKey(rc, this::stopServer));
            builder.getRoute("extendWalltime").addHandler(rc -> withKey(rc, this::extendWalltime));
            builder.getRoute("serverEvents").addHandler(rc -> withKey(rc, events::handle));
            builder.getRoute("listServers").addHandler(this::listServers);
            Router api = builder.createRouter();

            root.route("/api/v1/*").handler(authentication);
            root.route("/api/v1/*").handler(BodyHandler.create().setBodyLimit(BODY_LIMIT));
            root.route("/api/v1/*").handler(auth::caller);
            root.get("/api/v1/servers").handler(auth::list);
            root.route("/api/v1/users/:user/*").handler(auth::forUser);
            root.route("/api/v1/*").handler(auth::other);
            root.route().subRouter(api);
            root.route().failureHandler(this::failure);
            root.route().last().setName(HttpMetrics.NOT_FOUND).handler(rc -> error(rc.response(), 404, "not_found", "no such resource: " + rc.request().path(), null));

            HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                    .setMaxInitialLineLength(InvalidRequests.MAX_REQUEST_LINE);
            config.tls().ifPresent(t -> options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(t.certificate().toString()).setKeyPath(t.key().toString())));
            return vertx.createHttpServer(options).requestHandler(root).invalidRequestHandler(new InvalidRequests()).listen()
                    .onSuccess(s -> LOG.info("event=api_listening host={} port={} tls={}", config.host(), s.actualPort(),
                            config.tls().isPresent()));
        });
    }

    private JWTAuth jwt() {
        JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions().setIssuer(config.jwt().issuer())
                .setAudience(config.jwt().audience()).setLeeway((int) config.jwt().leeway().toSeconds()));
        for (ServiceConfig.JwtKey k : config.jwt().publicKeys()) {
            options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(k.algorithm()).setBuffer(k.pem()));
        }
        config.jwt().hmacSecret().ifPresent(s -> options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(s)));
        return JWTAuth.create(vertx, options);
    }

    private interface KeyHandler {
        void handle(RoutingContext rc, SpawnKey key);
    }

    private void withKey(RoutingContext rc, KeyHandler h) {
        String user = rc.pathParam("user");
        String name = rc.pathParam("name");
        if (!ApiAuth.checked(rc, user)) {
            rc.fail(new ApiError(403, "forbidden", "the request was not authorized for user " + user, "user"));
            return;
        }
        h.handle(rc, new SpawnKey(user, DEFAULT_SERVER.equals(name) ? "" : name));
    }

    /**
     * 202 for a new spawn as soon as the request passed every check made before any command (its job id, or the
     * submission's refusal, comes on its events and in GET); 200 with the live spawn when there is one.
     */
    private void startServer(RoutingContext rc, SpawnKey key) {
        var job = requests.toJob(key, rc.body().asJsonObject());
        spawns.startNow(job).onSuccess(s -> json(rc.response(), s.live() ? 200 : 202, ServerJson.of(s.view(), Instant.now())))
                .onFailure(rc::fail);
    }

    private void getServer(RoutingContext rc, SpawnKey key) {
        spawns.get(key).onSuccess(v -> {
            if (v.isEmpty()) {
                error(rc.response(), 404, "not_found", "user " + key.user() + " has no server '" + key.server() + "'", null);
            } else {
                json(rc.response(), 200, ServerJson.of(v.get(), Instant.now()));
            }
        }).onFailure(rc::fail);
    }

    private void stopServer(RoutingContext rc, SpawnKey key) {
        spawns.stop(key).onSuccess(v -> {
            if (v.isEmpty() || v.get().state().isFinal()) {
                rc.response().setStatusCode(204).end();
            } else {
                json(rc.response(), 202, ServerJson.of(v.get(), Instant.now()));
            }
        }).onFailure(rc::fail);
    }

    private void extendWalltime(RoutingContext rc, SpawnKey key) {
        String text = rc.body().asJsonObject().getString("add");
        java.time.Duration add = Grammar.walltime(text).orElseThrow(() -> new InvalidFieldException("add",
                "must be " + Grammar.WALLTIME.description() + ", more than zero"));
        spawns.extendWalltime(key, add).onSuccess(v -> json(rc.response(), 202, ServerJson.of(v, Instant.now())))
                .onFailure(rc::fail);
    }

    private void listServers(RoutingContext rc) {
        Optional<String> user = Optional.ofNullable(rc.queryParams().get("user"));
        Optional<String> cluster = Optional.ofNullable(rc.queryParams().get("cluster"));
        Optional<String> state = Optional.ofNullable(rc.queryParams().get("state"));
        spawns.list().onSuccess(all -> {
            JsonArray out = new JsonArray();
            all.stream().filter(v -> user.map(u -> u.equals(v.key().user())).orElse(true))
                    .filter(v -> cluster.map(c -> c.equals(v.cluster())).orElse(true))
                    .filter(v -> state.map(s -> s.equals(v.state().name().toLowerCase())).orElse(true))
                    .forEach(v -> out.add(ServerJson.of(v, Instant.now())));
            rc.response().setStatusCode(200).putHeader("content-type", "application/json").end(out.encode());
        }).onFailure(rc::fail);
    }

    private void ready(RoutingContext rc) {
        // Anyone may call this: the manager pings each frontend at most once per tick, whoever asks.
        List<Future<Void>> pings = scheduler.clusters().stream().map(spawns::ping).toList();
        Future.join(pings).onComplete(x -> {
            JsonObject clusters = new JsonObject();
            boolean up = true;
            for (int i = 0; i < pings.size(); i++) {
                Future<Void> f = pings.get(i);
                clusters.put(scheduler.clusters().get(i), f.succeeded() ? "reachable" : f.cause().getMessage());
                up &= f.succeeded();
            }
            json(rc.response(), up ? 200 : 503, new JsonObject().put("status", up ? "up" : "down").put("clusters", clusters));
        });
    }

    private void failure(RoutingContext rc) {
        Throwable t = rc.failure();
        HttpServerResponse r = rc.response();
        if (r.ended()) {
            return;
        }
        if (t instanceof HttpException h && h.getCause() instanceof ValidatorException v) {
            t = v; // the OpenAPI validation handler wraps its own exception in a 400
        }
        if (rc.user() == null && (t instanceof ClassCastException || t instanceof NumberFormatException)) {
            // A signed token whose exp, iat or nbf is not a number: the JWT library fails before any check of ours.
            error(r, 401, "unauthorized", "the token's exp, iat and nbf claims must be numbers (seconds since the epoch)", null);
        } else if (t instanceof ApiError e) {
            error(r, e.status(), e.code(), e.getMessage(), e.field());
        } else if (t instanceof InvalidFieldException e) {
            error(r, 400, "invalid_field", e.getMessage(), e.field());
        } else if (t instanceof ValidatorException e) {
            ApiError v = ValidationErrors.of(e);
            error(r, v.status(), v.code(), v.getMessage(), v.field());
        } else if (t instanceof WalltimeRefusal e) {
            switch (e.kind()) {
                case NOT_FOUND -> error(r, 404, "not_found", e.getMessage(), null);
                case NOT_RUNNING -> error(r, 409, "not_running", e.getMessage(), null);
                case REFUSED -> error(r, 409, "walltime_change_refused", e.getMessage(), null);
                case DISABLED -> error(r, 409, "walltime_change_disabled", e.getMessage(), null);
                default -> throw new IllegalStateException("unhandled refusal " + e.kind());
            }
        } else if (t instanceof SchedulerException e) {
            error(r, status(e.reason()), code(e.reason()), e.getMessage(), null);
        } else if (rc.statusCode() == 401) {
            error(r, 401, "unauthorized", "a valid bearer token (JWT) is required: missing, expired, wrongly signed,"
                    + " or not for issuer " + config.jwt().issuer() + " and audience " + config.jwt().audience(), null);
        } else if (rc.statusCode() == 413) {
            error(r, 413, "body_too_large", "the request body is larger than " + BODY_LIMIT + " bytes", "body");
        } else if (rc.statusCode() == 400 && t != null) {
            error(r, 400, "invalid_request", t.getMessage(), "body");
        } else if (rc.statusCode() > 0 && rc.statusCode() < 500) {
            error(r, rc.statusCode(), "http_" + rc.statusCode(), t == null ? "request refused" : t.getMessage(), null);
        } else {
            LOG.error("event=api_error path={} error=\"{}\"", rc.request().path(), t == null ? "" : t.toString());
            error(r, 500, "internal", "internal error; see the service's log", null);
        }
    }

    /** The HTTP status of a scheduler's refusal: what the user can fix is 422, a cluster out of reach 503. */
    static int status(SchedulerException.Reason reason) {
        return switch (reason) {
            case UNREACHABLE -> 503;
            case FORBIDDEN -> 403;
            case REJECTED, NOT_ENOUGH_RESOURCES, INVALID_REQUEST, NO_ACCOUNT, FAILED -> 422;
        };
    }

    /** The machine code of a scheduler's refusal, in the JSON error body. */
    static String code(SchedulerException.Reason reason) {
        return switch (reason) {
            case REJECTED -> "rejected_by_oar";
            case NOT_ENOUGH_RESOURCES -> "not_enough_resources";
            case INVALID_REQUEST -> "invalid_request";
            case UNREACHABLE -> "cluster_unreachable";
            case FORBIDDEN -> "login_forbidden";
            case NO_ACCOUNT -> "no_account";
            case FAILED -> "oar_failed";
        };
    }

    static void error(HttpServerResponse r, int status, String code, String message, String field) {
        JsonObject body = new JsonObject().put("code", code).put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        json(r, status, body);
    }

    static void json(HttpServerResponse r, int status, JsonObject body) {
        r.setStatusCode(status).putHeader("content-type", "application/json").end(Buffer.buffer(body.encode()));
    }

    private static Object readYaml(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readValue(text, Object.class);
        } catch (IOException e) {
            throw new IllegalStateException("the API contract is not valid YAML", e);
        }
    }

    static String resource(String path) {
        try (InputStream in = ApiServer.class.getClassLoader().getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
