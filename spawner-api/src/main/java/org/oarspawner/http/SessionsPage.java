package org.oarspawner.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.OAuth2AuthHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.sstore.LocalSessionStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.oarspawner.config.SessionsConfig;
import org.oarspawner.spawn.SpawnState;
import org.oarspawner.spi.SpawnKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "HPC sessions" page: a JupyterHub service under {@code <hub base>services/<name>/}, served on the API's own
 * listener (the hub's proxy forwards the whole path to the service's URL). Logged in through the hub's OAuth
 * (authorize in the browser, then token and /hub/api/user from here); a session cookie (HttpOnly, SameSite=Lax,
 * Secure when the hub is served over TLS) bound to the hub user. GET shows the user's servers (a hub admin's: all,
 * filterable by cluster and state); POST .../users/U/servers/S/stop and .../extend act after the XSRF check and
 * the REST API's own authorization rule ({@link ApiAuth#mayActFor}, through {@link PageUser}).
 */
final class SessionsPage {
    private static final Logger LOG = LoggerFactory.getLogger(SessionsPage.class);
    static final String COOKIE = "oarspawner-sessions";
    private static final String HUB_USER = "oarspawner.hubUser";
    private static final String HUB_ADMIN = "oarspawner.hubAdmin";
    private static final String HUB_CHECKED = "oarspawner.hubChecked";
    private static final String NOTICE = "oarspawner.notice";
    private static final Duration EXTENSION = Duration.ofHours(1);
    /** Form bodies are a token and nothing else. */
    private static final int BODY_LIMIT = 4096;

    private final Vertx vertx;
    private final SessionsConfig config;
    private final SessionActions actions;
    private final List<String> clusters;
    private final Clock clock;
    private final OAuth2Auth oauth;

    SessionsPage(Vertx vertx, SessionsConfig config, SessionActions actions, List<String> clusters, Clock clock) {
        this.vertx = vertx;
        this.config = config;
        this.actions = actions;
        this.clusters = clusters;
        this.clock = clock;
        // The browser goes to the hub's public authorize URL; the token and the user come from the hub's API, here,
        // with the client's secret in the form body (JupyterHub 3.0 reads no HTTP Basic client authentication).
        this.oauth = OAuth2Auth.create(vertx, new OAuth2Options().setClientId(config.clientId())
                .setClientSecret(config.clientSecret()).setUseBasicAuthorization(false).setSite(config.hubApiUrl())
                .setAuthorizationPath(config.publicUrl() + "/hub/api/oauth2/authorize").setTokenPath("/oauth2/token")
                .setUserInfoPath("/user"));
    }

    /** The page's routes, to mount on the API's root router at {@link #prefix()}. */
    void mount(Router root) {
        String p = config.prefix();
        root.route(p + "*").handler(this::headers);
        root.get(p + "static/sessions.css").handler(rc -> asset(rc, "sessions.css", "text/css; charset=utf-8"));
        root.get(p + "static/countdown.js").handler(rc -> asset(rc, "countdown.js", "text/javascript; charset=utf-8"));
        root.route(p + "*").handler(SessionHandler.create(LocalSessionStore.create(vertx, "oarspawner.sessions"))
                .setSessionCookieName(COOKIE).setSessionCookiePath(p).setCookieHttpOnlyFlag(true)
                .setCookieSameSite(CookieSameSite.LAX).setCookieSecureFlag(config.secure()).setNagHttps(false)
                .setSessionTimeout(config.sessionTimeout().toMillis()));
        root.post(p + "*").handler(BodyHandler.create().setBodyLimit(BODY_LIMIT));
        OAuth2AuthHandler login = OAuth2AuthHandler.create(vertx, oauth, config.callbackUrl());
        login.setupCallback(root.get(p + "oauth_callback"));
        root.route(p + "*").handler(login);
        root.route(p + "*").handler(this::identify);
        root.get(p).handler(this::page);
        root.post(p + "users/:user/servers/:name/:action").handler(this::act);
        root.post(p + "logout").handler(this::logout);
        root.route(p + "*").failureHandler(this::failure);
        root.route(p + "*").handler(rc -> plain(rc.response(), 404, "No such page. The sessions page is at " + p));
    }

    private void headers(RoutingContext rc) {
        rc.response().putHeader("Content-Security-Policy",
                        "default-src 'none'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "same-origin")
                .putHeader("Cache-Control", "no-store");
        rc.next();
    }

    /**
     * Binds the session to the hub user: after the OAuth callback, and again every {@code hubCheckInterval}, asks the
     * hub's /hub/api/user with the user's token (JupyterHub 3.0's identify model: name, and admin) and keeps the
     * answer in the session. A token the hub no longer knows (the user logged out of the hub, which deletes it) or
     * that names someone else ends the session; a GET then starts a new login.
     */
    private void identify(RoutingContext rc) {
        Session session = rc.session();
        String known = session.get(HUB_USER);
        Long checked = session.get(HUB_CHECKED);
        if (known != null && checked != null && clock.millis() - checked < config.hubCheck().toMillis()) {
            rc.next();
            return;
        }
        User user = rc.user();
        oauth.userInfo(user).onSuccess(info -> {
            String name = info.getString("name");
            if (name == null || !"user".equals(info.getString("kind", "user")) || (known != null && !known.equals(name))) {
                session.destroy();
                rc.fail(403, new IllegalStateException("the hub's token does not name this session's user"));
                return;
            }
            session.put(HUB_USER, name);
            session.put(HUB_ADMIN, Boolean.TRUE.equals(info.getBoolean("admin")));
            session.put(HUB_CHECKED, clock.millis());
            if (known == null) {
                LOG.info("event=sessions_login user={} admin={}", name, session.<Boolean>get(HUB_ADMIN));
            }
            rc.next();
        }).onFailure(e -> {
            session.destroy();
            if (known != null && rc.request().method() == io.vertx.core.http.HttpMethod.GET) {
                LOG.info("event=sessions_logout user={} reason=hub_token_gone", known);
                rc.response().setStatusCode(302).putHeader("Location", rc.request().uri()).end();
            } else {
                rc.fail(401, e);
            }
        });
    }

    private static PageUser pageUser(RoutingContext rc) {
        return new PageUser(rc.session().get(HUB_USER), Boolean.TRUE.equals(rc.session().get(HUB_ADMIN)));
    }

    private void page(RoutingContext rc) {
        PageUser user = pageUser(rc);
        SessionsHtml.Filter filter = user.admin() ? filter(rc) : SessionsHtml.Filter.NONE;
        Optional<String> notice = Optional.ofNullable(rc.session().remove(NOTICE));
        String xsrf = Xsrf.token(rc.session());
        actions.list().onSuccess(views -> rc.response().putHeader("content-type", "text/html; charset=utf-8")
                .end(SessionsHtml.render(new SessionsHtml.Page(user, views, filter, clusters, xsrf, notice, clock.instant(),
                        clock.getZone(), config.prefix(), config.publicUrl())))).onFailure(rc::fail);
    }

    /** ?cluster=&state=: only known values count; anything else is no filter. */
    private SessionsHtml.Filter filter(RoutingContext rc) {
        String c = rc.queryParams().get("cluster");
        String s = rc.queryParams().get("state");
        return new SessionsHtml.Filter(Optional.ofNullable(c).filter(clusters::contains),
                Arrays.stream(SpawnState.values()).filter(x -> SessionsHtml.name(x).equals(s)).findFirst());
    }

    private void act(RoutingContext rc) {
        PageUser user = pageUser(rc);
        String owner = rc.pathParam("user");
        String name = rc.pathParam("name");
        String action = rc.pathParam("action");
        if (!Xsrf.valid(rc.session(), rc.request().getFormAttribute(Xsrf.FIELD))) {
            LOG.info("event=sessions_refused user={} reason=xsrf action={}", user.name(), action.equals("stop") ? "stop" : "other");
            plain(rc.response(), 403, "This form has expired or did not come from the sessions page. Reload the page and try again.");
            return;
        }
        String method = switch (action) {
            case "stop" -> "DELETE";
            case "extend" -> "POST";
            default -> null;
        };
        if (method == null) {
            plain(rc.response(), 404, "No such action: use stop or extend.");
            return;
        }
        SpawnKey key;
        try {
            key = new SpawnKey(owner, ApiServer.DEFAULT_SERVER.equals(name) ? "" : name);
        } catch (RuntimeException e) {
            plain(rc.response(), 400, "No such server.");
            return;
        }
        if (!user.may(method, key.user())) {
            LOG.info("event=sessions_refused user={} reason=forbidden action={} owner={}", user.name(), action, key.user());
            plain(rc.response(), 403, "You may " + (method.equals("POST") ? "extend only your own servers." : "stop only your own servers."));
            return;
        }
        Future<?> done = method.equals("DELETE") ? actions.stop(key) : actions.extend(key, EXTENSION);
        done.onComplete(r -> {
            String label = SessionsHtml.label(key);
            String notice = r.succeeded()
                    ? (method.equals("DELETE") ? "Stop requested for " + label + "."
                    : "OAR accepted 1 h more for " + label + "; the new end shows here once OAR applies it.")
                    : (method.equals("DELETE") ? "Stop" : "Extension by 1 h") + " of " + label + " refused: " + r.cause().getMessage();
            LOG.info("event=sessions_{} user={} owner={} server={} outcome={}", action, user.name(), key.user(), key.server(),
                    r.succeeded() ? "accepted" : "refused");
            rc.session().put(NOTICE, notice);
            rc.response().setStatusCode(303).putHeader("Location", config.prefix()).end();
        });
    }

    /** Ends the page's session (not the hub's: the hub's own logout does that), back to the hub's home. */
    private void logout(RoutingContext rc) {
        if (!Xsrf.valid(rc.session(), rc.request().getFormAttribute(Xsrf.FIELD))) {
            plain(rc.response(), 403, "This form has expired or did not come from the sessions page. Reload the page and try again.");
            return;
        }
        LOG.info("event=sessions_logout user={}", pageUser(rc).name());
        rc.session().destroy();
        rc.response().setStatusCode(303).putHeader("Location", config.publicUrl() + "/hub/home").end();
    }

    private void failure(RoutingContext rc) {
        int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
        if (rc.response().ended()) {
            return;
        }
        if (status == 302 && rc.failure() instanceof io.vertx.ext.web.handler.HttpException h) {
            rc.response().setStatusCode(302).putHeader("Location", h.getPayload()).end();
            return;
        }
        if (status >= 500) {
            LOG.error("event=sessions_error path={} error=\"{}\"", rc.normalizedPath(), rc.failure() == null ? "" : rc.failure().toString());
        } else if (status == 401 || status == 403) {
            LOG.info("event=sessions_refused reason=login status={} error=\"{}\"", status,
                    rc.failure() == null ? "" : rc.failure().getMessage());
        }
        plain(rc.response(), status, status == 401 || status == 403
                ? "The hub did not log you in to this page. Go to " + config.prefix() + " again to log in through the hub."
                : status == 405 ? "Your session on this page has ended: open " + config.prefix() + " again, then repeat."
                : status == 413 ? "The form is too large." : status >= 500 ? "Internal error; see the service's log." : "Request refused.");
    }

    private static void asset(RoutingContext rc, String name, String type) {
        rc.response().putHeader("content-type", type).putHeader("Cache-Control", "max-age=300")
                .end(ApiServer.resource("org/oarspawner/http/sessions/" + name));
    }

    private static void plain(HttpServerResponse r, int status, String text) {
        r.setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(text + "\n");
    }

}
